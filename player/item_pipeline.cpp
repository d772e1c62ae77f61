#include "player/item_pipeline.hpp"

#include <gst/base/gstbasesink.h>
#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

namespace loaxa::player {
namespace {

using Weak = std::weak_ptr<ItemPipeline>;

void delete_weak(gpointer p) {
  delete static_cast<Weak*>(p);
}

// A channel renders in real time whatever its sink: file and fake sinks default to
// sync=false, which would write a 2 s item in a few milliseconds.
void force_sync(GstElement* bin) {
  if (GST_IS_BASE_SINK(bin)) {
    gst_base_sink_set_sync(GST_BASE_SINK(bin), TRUE);
    return;
  }
  if (!GST_IS_BIN(bin)) return;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&item));
    if (GST_IS_BASE_SINK(e)) gst_base_sink_set_sync(GST_BASE_SINK(e), TRUE);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

gst::ElementPtr make_sink(const SinkSpec& spec) {
  if (spec.raw_file) {
    auto bin = gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(gst_bin_new("rawsink"))));
    auto convert = gst::make_element("audioconvert");
    auto resample = gst::make_element("audioresample");
    auto caps = gst::make_element("capsfilter");
    auto file = gst::make_element("filesink");
    GstCaps* c = gst_caps_from_string("audio/x-raw,format=S16LE,rate=48000,channels=1");
    g_object_set(caps.get(), "caps", c, nullptr);
    gst_caps_unref(c);
    g_object_set(file.get(), "location", spec.raw_file->c_str(), "append", TRUE, nullptr);
    gst_bin_add_many(GST_BIN(bin.get()), convert.get(), resample.get(), caps.get(), file.get(),
                     nullptr);
    gst_element_link_many(convert.get(), resample.get(), caps.get(), file.get(), nullptr);
    gst::PadPtr target(gst_element_get_static_pad(convert.get(), "sink"));
    gst_element_add_pad(bin.get(), gst_ghost_pad_new("sink", target.get()));
    return bin;
  }
  GError* raw = nullptr;
  GstElement* bin = gst_parse_bin_from_description(spec.description.c_str(), TRUE, &raw);
  gst::ErrorPtr err(raw);
  if (!bin || err) {
    if (bin) gst_object_unref(gst_object_ref_sink(bin));
    throw std::runtime_error(
        "sink \"" + spec.description +
        "\" is not a valid GStreamer description: " + (err ? err->message : "unknown error"));
  }
  return gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(bin)));
}

}  // namespace

ItemPipeline::ItemPipeline(boost::asio::io_context& io, Handlers handlers)
    : io_(io), handlers_(std::move(handlers)) {
  gst_segment_init(&segment_, GST_FORMAT_TIME);
}

std::shared_ptr<ItemPipeline> ItemPipeline::create(boost::asio::io_context& io,
                                                   const SinkSpec& sink,
                                                   const std::filesystem::path& file, double volume,
                                                   Handlers handlers) {
  gst::ensure_initialised();
  std::shared_ptr<ItemPipeline> p(new ItemPipeline(io, std::move(handlers)));
  p->build(sink, file, volume);
  return p;
}

void ItemPipeline::build(const SinkSpec& sink_spec, const std::filesystem::path& file,
                         double volume) {
  pipeline_ = gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(nullptr))));
  auto decode = gst::make_element("uridecodebin");
  convert_ = gst::make_element("audioconvert");
  auto resample = gst::make_element("audioresample");
  volume_ = gst::make_element("volume");
  auto sink = make_sink(sink_spec);
  force_sync(sink.get());

  GError* raw = nullptr;
  gst::CharPtr uri(gst_filename_to_uri(file.c_str(), &raw));
  gst::ErrorPtr err(raw);
  if (!uri) throw std::runtime_error("cannot play " + file.string() + ": " + err->message);
  g_object_set(decode.get(), "uri", uri.get(), nullptr);
  g_object_set(volume_.get(), "volume", volume, nullptr);

  gst_bin_add_many(GST_BIN(pipeline_.get()), decode.get(), convert_.get(), resample.get(),
                   volume_.get(), sink.get(), nullptr);
  if (!gst_element_link_many(convert_.get(), resample.get(), volume_.get(), sink.get(), nullptr)) {
    throw std::runtime_error("sink \"" + sink_spec.description + "\" does not take raw audio");
  }

  // The pipeline's clock is the wall clock, so base time = planned instant.
  clock_ = gst::ClockPtr(GST_CLOCK(gst_object_ref_sink(
      g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, nullptr))));
  gst_pipeline_use_clock(GST_PIPELINE(pipeline_.get()), clock_.get());
  gst_element_set_start_time(pipeline_.get(), GST_CLOCK_TIME_NONE);

  g_signal_connect_data(
      decode.get(), "pad-added", G_CALLBACK(&ItemPipeline::on_pad_added),
      new Weak(weak_from_this()), [](gpointer p, GClosure*) { delete_weak(p); }, GConnectFlags{});

  gst::PadPtr sink_pad(gst_element_get_static_pad(sink.get(), "sink"));
  gst_pad_add_probe(
      sink_pad.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      &ItemPipeline::on_buffer, new Weak(weak_from_this()), &delete_weak);

  gst::BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_set_sync_handler(bus.get(), &ItemPipeline::bus_sync, new Weak(weak_from_this()),
                           &delete_weak);
}

ItemPipeline::~ItemPipeline() {
  shutdown();
}

void ItemPipeline::shutdown() {
  finished_ = true;
  if (!pipeline_) return;
  gst::BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
  pipeline_.reset();
}

void ItemPipeline::preroll(std::chrono::milliseconds offset) {
  seek_to_ = offset;
  seeked_ = offset.count() <= 0;
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    // The error message on the bus says why; it reaches handlers_.error.
  }
}

void ItemPipeline::start_at(GstClockTime at_ns) {
  base_time_ = at_ns;
  gst_element_set_base_time(pipeline_.get(), at_ns);
  gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
}

GstClockTime ItemPipeline::clock_now() const {
  return gst_clock_get_time(clock_.get());
}

std::optional<GstClockTime> ItemPipeline::first_running_time() const {
  const GstClockTime t = first_rt_.load();
  if (!GST_CLOCK_TIME_IS_VALID(t)) return std::nullopt;
  return t;
}

std::optional<GstClockTime> ItemPipeline::last_running_end() const {
  const GstClockTime t = last_end_rt_.load();
  if (!GST_CLOCK_TIME_IS_VALID(t)) return std::nullopt;
  return t;
}

void ItemPipeline::fade_out(std::chrono::milliseconds fade) {
  if (!pipeline_ || !GST_CLOCK_TIME_IS_VALID(base_time_)) return;
  const GstClockTime now = clock_now();
  const GstClockTime rt = now > base_time_ ? now - base_time_ : 0;
  double current = 1.0;
  g_object_get(volume_.get(), "volume", &current, nullptr);
  GstControlSource* cs = gst_interpolation_control_source_new();
  g_object_set(cs, "mode", GST_INTERPOLATION_MODE_LINEAR, nullptr);
  auto* tv = GST_TIMED_VALUE_CONTROL_SOURCE(cs);
  gst_timed_value_control_source_set(tv, rt, current);
  gst_timed_value_control_source_set(tv, rt + static_cast<GstClockTime>(fade.count()) * GST_MSECOND,
                                     0.0);
  gst_object_add_control_binding(
      GST_OBJECT(volume_.get()),
      gst_direct_control_binding_new_absolute(GST_OBJECT(volume_.get()), "volume", cs));
  gst_object_unref(cs);
}

GstBusSyncReply ItemPipeline::bus_sync(GstBus*, GstMessage* msg, gpointer data) {
  auto self = static_cast<Weak*>(data)->lock();
  if (self) {
    gst::MessagePtr held(gst_message_ref(msg));
    boost::asio::post(self->io_, [weak = Weak(self), m = std::shared_ptr<GstMessage>(
                                                         held.release(), gst::MessageUnref{})] {
      if (auto p = weak.lock()) p->on_message(m.get());
    });
  }
  return GST_BUS_DROP;
}

void ItemPipeline::on_pad_added(GstElement*, GstPad* pad, gpointer data) {
  auto self = static_cast<Weak*>(data)->lock();
  if (!self) return;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const bool audio =
      caps && g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "audio/");
  if (caps) gst_caps_unref(caps);
  if (!audio) return;  // video of a file on an audio channel is not shown
  gst::PadPtr sink(gst_element_get_static_pad(self->convert_.get(), "sink"));
  if (!gst_pad_is_linked(sink.get())) gst_pad_link(pad, sink.get());
}

GstPadProbeReturn ItemPipeline::on_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto self = static_cast<Weak*>(data)->lock();
  if (!self) return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT) {
      const GstSegment* seg = nullptr;
      gst_event_parse_segment(ev, &seg);
      gst_segment_copy_into(seg, &self->segment_);
    }
    return GST_PAD_PROBE_OK;
  }
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buf || !GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  const GstClockTime rt =
      gst_segment_to_running_time(&self->segment_, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
  if (!GST_CLOCK_TIME_IS_VALID(rt)) return GST_PAD_PROBE_OK;
  GstClockTime expected = GST_CLOCK_TIME_NONE;
  self->first_rt_.compare_exchange_strong(expected, rt);
  const GstClockTime dur = GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0;
  self->last_end_rt_.store(rt + dur);
  return GST_PAD_PROBE_OK;
}

void ItemPipeline::on_message(GstMessage* msg) {
  if (finished_ || !pipeline_) return;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ASYNC_DONE:
      if (!seeked_) {
        seeked_ = true;  // the flushing seek prerolls again and posts another ASYNC_DONE
        first_rt_.store(GST_CLOCK_TIME_NONE);
        gst_element_seek_simple(
            pipeline_.get(), GST_FORMAT_TIME,
            static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE),
            static_cast<gint64>(seek_to_.count()) * GST_MSECOND);
        break;
      }
      if (!prerolled_) {
        prerolled_ = true;
        if (handlers_.prerolled) handlers_.prerolled();
      }
      break;
    case GST_MESSAGE_EOS:
      finished_ = true;
      if (handlers_.eos) handlers_.eos();
      break;
    case GST_MESSAGE_ERROR: {
      GError* raw = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &raw, &debug);
      gst::ErrorPtr err(raw);
      gst::CharPtr dbg(debug);
      std::string text = err ? err->message : "unknown GStreamer error";
      finished_ = true;
      if (handlers_.error) handlers_.error(text);
      break;
    }
    default:
      break;
  }
}

}  // namespace loaxa::player
