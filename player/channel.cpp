#include "player/channel.hpp"

#include <gst/base/gstbasesink.h>
#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "common/guard.hpp"
#include "common/log.hpp"
#include "player/probe.hpp"

namespace loaxa::player {
namespace {

using std::chrono::milliseconds;

// The mixer's format: what every item is converted to before it is mixed.
constexpr const char* kMixCaps =
    "audio/x-raw,format=F32LE,rate=48000,channels=1,layout=interleaved";
// How far ahead of its sound an item is attached when asked to play "at once": the
// time a local file needs to open and decode its first buffer, so its first sample is
// never clipped.
constexpr GstClockTime kStartMargin = 150 * GST_MSECOND;
// How far the decoder of an item may run ahead of the mixer: the notice an item's
// exact end gives before it sounds, so the next one is attached in time.
constexpr guint64 kLookahead = 3 * GST_SECOND;
constexpr GstClockTime kLevelInterval = 100 * GST_MSECOND;

WallTime now_wall() {
  return WallTime{std::chrono::system_clock::now().time_since_epoch()};
}

// A channel renders in real time whatever its sink: file and fake sinks default to
// sync=false.
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

gst::ElementPtr make_caps(const char* caps_text) {
  auto caps = gst::make_element("capsfilter");
  GstCaps* c = gst_caps_from_string(caps_text);
  g_object_set(caps.get(), "caps", c, nullptr);
  gst_caps_unref(c);
  return caps;
}

// How fast the ticker moves: this fraction of the screen's width a second (a line
// crosses a screen in about seven seconds, slow enough to read).
constexpr gint64 kTickerPerMille = 150;

// A channel's sink: with a raw file, `convert ! caps ! filesink` appending to it,
// unbuffered so a reader sees each sample or frame when it is rendered (no sound
// device or screen here); else the config's description behind `converters`.
gst::ElementPtr make_sink(const SinkSpec& spec, const char* convert_name,
                          const std::string& raw_caps, const std::string& converters) {
  if (spec.raw_file) {
    auto bin = gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(gst_bin_new("rawsink"))));
    auto convert = gst::make_element(convert_name);
    auto caps = make_caps(raw_caps.c_str());
    auto file = gst::make_element("filesink");
    g_object_set(file.get(), "location", spec.raw_file->c_str(), "append", TRUE, nullptr);
    gst_util_set_object_arg(G_OBJECT(file.get()), "buffer-mode", "unbuffered");
    gst_bin_add_many(GST_BIN(bin.get()), convert.get(), caps.get(), file.get(), nullptr);
    gst_element_link_many(convert.get(), caps.get(), file.get(), nullptr);
    gst::PadPtr target(gst_element_get_static_pad(convert.get(), "sink"));
    gst_element_add_pad(bin.get(), gst_ghost_pad_new("sink", target.get()));
    return bin;
  }
  const std::string text = converters + " ! " + spec.description;
  GError* raw = nullptr;
  GstElement* bin = gst_parse_bin_from_description(text.c_str(), TRUE, &raw);
  gst::ErrorPtr err(raw);
  if (!bin || err) {
    if (bin) gst_object_unref(gst_object_ref_sink(bin));
    throw std::runtime_error(
        "sink \"" + spec.description +
        "\" is not a valid GStreamer description: " + (err ? err->message : "unknown error"));
  }
  return gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(bin)));
}

// A loudspeaker's: raw S16LE 48 kHz mono, or whatever the description wants, converted
// from the mixer's format.
gst::ElementPtr make_sink(const SinkSpec& spec) {
  return make_sink(spec, "audioconvert", "audio/x-raw,format=S16LE,rate=48000,channels=1",
                   "audioconvert ! audioresample");
}

// A screen's: raw RGB frames of its size, or the description behind a converter.
gst::ElementPtr make_video_sink(const SinkSpec& spec, int width, int height) {
  return make_sink(
      spec, "videoconvert",
      "video/x-raw,format=RGB,width=" + std::to_string(width) + ",height=" + std::to_string(height),
      "videoconvert ! videoscale");
}

// The text of an ERROR or WARNING message.
std::string message_text(GstMessage* msg) {
  GError* raw = nullptr;
  gchar* debug = nullptr;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error(msg, &raw, &debug);
  } else {
    gst_message_parse_warning(msg, &raw, &debug);
  }
  gst::ErrorPtr err(raw);
  gst::CharPtr dbg(debug);
  return err ? err->message : "unknown GStreamer error";
}

double first_double(const GstStructure* s, const char* field) {
  // level posts a GValueArray per field, one value per audio channel.
  const GValue* v = gst_structure_get_value(s, field);
  if (!v || !G_VALUE_HOLDS_BOXED(v)) return -std::numeric_limits<double>::infinity();
  const auto* arr = static_cast<const GValueArray*>(g_value_get_boxed(v));
  if (!arr || arr->n_values == 0 || !G_VALUE_HOLDS_DOUBLE(&arr->values[0])) {
    return -std::numeric_limits<double>::infinity();
  }
  return g_value_get_double(&arr->values[0]);
}

}  // namespace

std::string check_settings(const ChannelSettings& settings) {
  gst::ensure_initialised();
  try {
    if (!settings.sink.raw_file) {
      if (settings.kind == "video") {
        make_video_sink(settings.sink, settings.width, settings.height);
      } else {
        make_sink(settings.sink);
      }
    }
    if (settings.audio_sink && !settings.audio_sink->raw_file) make_sink(*settings.audio_sink);
    if (!settings.live_source.empty()) {
      GError* raw = nullptr;
      GstElement* source = gst_parse_bin_from_description(settings.live_source.c_str(), TRUE, &raw);
      gst::ErrorPtr err(raw);
      if (source) gst_object_unref(gst_object_ref_sink(source));
      if (!source || err) {
        return "live_source \"" + settings.live_source +
               "\" is not a valid GStreamer description: " +
               (err ? err->message : "cannot be built");
      }
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

const char* to_string(EndStatus s) {
  switch (s) {
    case EndStatus::completed:
      return "completed";
    case EndStatus::stopped:
      return "stopped";
    case EndStatus::failed:
      return "failed";
  }
  return "failed";
}

// What the streaming threads reach: the loop to post to and the channel, touched on the
// loop only (null once the channel is gone).
struct Channel::Shared {
  boost::asio::io_context& io;
  Channel* owner;
};

namespace {

template <typename F>
void post_to(const std::shared_ptr<Channel::Shared>& shared, std::uint64_t generation, F fn);

}  // namespace

struct Channel::Branch {
  std::uint64_t token = 0;
  std::filesystem::path file;
  gst::ElementPtr bin;
  GstElement* convert = nullptr;  // owned by bin
  GstElement* volume = nullptr;
  GstElement* level = nullptr;
  gst::PadPtr mixer_pad;
  GstClockTime offset = 0;  // mixer running time of the item's first sample
  GstClockTime seek = 0;    // where in the file it starts
  double gain = 1.0;
  std::optional<GstClockTime> first_rt, end_rt;  // mixer running times
  std::optional<GstClockTime> local_end;         // end in the item's own running time
  GstPad* ghost = nullptr;                       // owned by bin
  GstPad* audio_ghost = nullptr;                 // a video's sound (kiosks), owned by bin
  gst::PadPtr audio_mixer_pad;
  GstElement* queue = nullptr;     // the lookahead queue: its sink pad sees the item's end
  GstElement* tail = nullptr;      // what feeds the ghost pad: its src sees what is rendered
  GstElement* audio_in = nullptr;  // where the decoder's sound pad links (owned by bin)
  GstElement* video_in = nullptr;  // ... its picture pad (kiosks)
  GstElement* drop = nullptr;      // ... or the sound of a video nobody hears
  std::int64_t image_frames = 0;   // a still image: frames it shows (0: not an image)
  bool video = false;
  std::shared_ptr<std::atomic<std::uint64_t>> frames =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  std::uint64_t dropped = 0;
  bool stream = false;
  std::shared_ptr<std::atomic<gint64>> last_buffer = std::make_shared<std::atomic<gint64>>(0);
  bool started = false;
  bool fading = false;
  WallTime started_at{};
  // Evidence from the level element.
  double peak_db = -std::numeric_limits<double>::infinity();
  double power_sum = 0.0;  // mean power × seconds
  double measured_s = 0.0;
  double silence_s = 0.0;
  double silent_run_s = 0.0;  // the silence going on now

  Evidence evidence() const {
    Evidence e;
    if (measured_s > 0) {
      e.rms_db = power_sum > 0 ? 10.0 * std::log10(power_sum / measured_s) : -150.0;
      e.peak_db = std::isfinite(peak_db) ? peak_db : -150.0;
    }
    e.silence_s = silence_s;
    if (video) {
      e.frames_rendered = frames->load();
      e.frames_dropped = dropped;
    }
    return e;
  }
};

namespace {

// Per-probe state, owned by the pad probe (freed with it).
struct ProbeCtx {
  ProbeCtx(std::shared_ptr<Channel::Shared> s, std::uint64_t gen, std::uint64_t t, GstClockTime sk,
           GstClockTime off)
      : shared(std::move(s)), generation(gen), token(t), seek(sk), offset(off) {
    gst_segment_init(&segment, GST_FORMAT_TIME);
  }
  void track_segment(GstEvent* ev) {
    const GstSegment* seg = nullptr;
    gst_event_parse_segment(ev, &seg);
    gst_segment_copy_into(seg, &segment);
  }

  std::shared_ptr<Channel::Shared> shared;
  std::uint64_t generation;
  std::uint64_t token;
  GstClockTime seek;
  GstClockTime offset;
  GstSegment segment{};
  GstClockTime last_end = GST_CLOCK_TIME_NONE;
  bool first_sent = false;
  // First-buffer probe only: what it needs to move a late item to the earliest instant
  // it can still start whole.
  GstClock* clock = nullptr;  // the pipeline's, kept alive by the channel
  GstClockTime base = 0;
  GstPad* ghost = nullptr;        // the branch's src pad, which carries the offset
  GstPad* audio_ghost = nullptr;  // a video's sound, moved with it
  std::shared_ptr<std::atomic<std::uint64_t>> frames;  // buffers given to the mixer
  // Live input (a microphone) is stamped with the running time it was captured at and
  // plays with offset 0: what was said before this running time is dropped, so the
  // operator is heard from the planned instant with no more delay than the mixer's.
  GstClockTime live_from = GST_CLOCK_TIME_NONE;
  std::shared_ptr<std::atomic<gint64>> last_buffer;  // wall ns of the latest buffer
};

void delete_probe_ctx(gpointer p) {
  delete static_cast<ProbeCtx*>(p);
}

// The decoder's callbacks: where its audio pad goes, and whom to tell it had none.
struct DecodeCtx {
  std::shared_ptr<Channel::Shared> shared;
  std::uint64_t generation, token;
  GstElement* convert;          // where the sound goes (null: dropped into `drop`)
  GstElement* video = nullptr;  // where the picture goes (kiosks; null: ignored)
  GstElement* drop = nullptr;   // a kiosk with no audio_sink drops a video's sound here
};

constexpr auto kBuffersAndEvents =
    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM);

// How far ahead of the mixer's running time an item's first buffer must be to start
// whole. The mixer waits a latency (40 ms here) past a running time before it mixes it,
// so this already leaves that much to spare.
constexpr GstClockTime kMinLead = 20 * GST_MSECOND;

template <typename F>
void post_to(const std::shared_ptr<Channel::Shared>& shared, std::uint64_t generation, F fn) {
  boost::asio::post(shared->io, [shared, generation, fn = std::move(fn)]() mutable {
    if (shared->owner) guarded("player", [&] { fn(*shared->owner, generation); });
  });
}

GstClockTime running_time(const GstSegment& seg, GstClockTime pts) {
  if (pts < seg.start) return seg.base;
  const GstClockTime rt = gst_segment_to_running_time(&seg, GST_FORMAT_TIME, pts);
  return GST_CLOCK_TIME_IS_VALID(rt) ? rt : seg.base;
}

}  // namespace

Channel::Channel(boost::asio::io_context& io, ChannelSettings settings, ChannelListener& listener)
    : io_(io),
      settings_(std::move(settings)),
      listener_(listener),
      shared_(std::make_shared<Shared>(Shared{io, this})),
      timer_(io),
      rebuild_timer_(io) {
  gst::ensure_initialised();
  build();
}

Channel::~Channel() {
  shared_->owner = nullptr;
  try {
    timer_.cancel();
    rebuild_timer_.cancel();
    watch_timer_.cancel();
    teardown();
  } catch (...) {  // nothing may leave a destructor; teardown() only stops GStreamer and logs
  }
}

GstElement* Channel::build_audio_output(const SinkSpec& spec) {
  auto silence = gst::make_element("audiotestsrc");
  g_object_set(silence.get(), "is-live", TRUE, "samplesperbuffer", 480, nullptr);
  gst_util_set_object_arg(G_OBJECT(silence.get()), "wave", "silence");
  auto silence_caps = make_caps(kMixCaps);
  auto mixer = gst::make_element("audiomixer");
  auto mix_caps = make_caps(kMixCaps);
  auto master = gst::make_element("volume");
  g_object_set(master.get(), "volume", settings_.volume, nullptr);
  auto sink = make_sink(spec);
  force_sync(sink.get());
  GstElement* m = mixer.get();
  master_ = master.get();
  gst_bin_add_many(GST_BIN(pipeline_.get()), silence.get(), silence_caps.get(), mixer.get(),
                   mix_caps.get(), master.get(), sink.get(), nullptr);
  if (!gst_element_link_many(silence.get(), silence_caps.get(), mixer.get(), mix_caps.get(),
                             master.get(), sink.get(), nullptr)) {
    pipeline_.reset();
    throw std::runtime_error("sink \"" + spec.description + "\" does not take raw audio");
  }
  return m;
}

void Channel::build_video_output() {
  const std::string size =
      ",width=" + std::to_string(settings_.width) + ",height=" + std::to_string(settings_.height);
  const std::string rate = ",framerate=" + std::to_string(settings_.framerate) + "/1";
  // The idle slide: never a black or frozen screen when nothing plays.
  auto idle = gst::make_element("videotestsrc");
  g_object_set(idle.get(), "is-live", TRUE, nullptr);
  gst_util_set_object_arg(G_OBJECT(idle.get()), "pattern", "solid-color");
  g_object_set(idle.get(), "foreground-color", 0xff0d3b66u, nullptr);  // deep blue
  // I420 throughout: the compositor blends it natively and skips the slide beneath a
  // full-screen item; nothing is converted unless the sink wants another format.
  auto idle_caps =
      make_caps(("video/x-raw,format=I420,pixel-aspect-ratio=1/1" + size + rate).c_str());
  std::vector<gst::ElementPtr> chain;
  chain.push_back(std::move(idle));
  chain.push_back(std::move(idle_caps));
  if (settings_.idle_slide) {
    const auto size = image_size(*settings_.idle_slide);
    if (!size || !showable(*size)) {
      log::warning("player", settings_.name + ": idle_slide " + settings_.idle_slide->string() +
                                 " is not a readable image of at most " +
                                 std::to_string(kMaxImageSide) +
                                 " pixels a side; the idle slide shows the box's name instead");
    } else {
      const ImageSize img = *size;
      // Scaled into the screen with its aspect kept, centred.
      const double scale = std::min(static_cast<double>(settings_.width) / img.width,
                                    static_cast<double>(settings_.height) / img.height);
      const int w = std::max(1, static_cast<int>(img.width * scale));
      const int h = std::max(1, static_cast<int>(img.height * scale));
      auto overlay = gst::make_element("gdkpixbufoverlay");
      g_object_set(overlay.get(), "location", settings_.idle_slide->c_str(), "overlay-width", w,
                   "overlay-height", h, "offset-x", (settings_.width - w) / 2, "offset-y",
                   (settings_.height - h) / 2, nullptr);
      chain.push_back(std::move(overlay));
    }
  }
  auto clock = gst::make_element("clockoverlay");
  g_object_set(clock.get(), "text", settings_.idle_text.c_str(), "time-format",
               "\n%H:%M:%S\n%d/%m/%Y", "shaded-background", TRUE, "font-desc",
               (settings_.font + " Bold 20").c_str(), nullptr);
  gst_util_set_object_arg(G_OBJECT(clock.get()), "halignment", "center");
  gst_util_set_object_arg(G_OBJECT(clock.get()), "valignment", "center");
  gst_util_set_object_arg(G_OBJECT(clock.get()), "line-alignment", "center");
  chain.push_back(std::move(clock));
  auto mixer = gst::make_element("compositor");
  auto out_caps =
      make_caps(("video/x-raw,format=I420,pixel-aspect-ratio=1/1" + size + rate).c_str());
  // The ticker: one line at the bottom, moved by ticker_probe on every frame.
  auto ticker = gst::make_element("textoverlay");
  g_object_set(ticker.get(), "text", ticker_text_.c_str(), "silent", ticker_text_.empty(),
               "shaded-background", TRUE, "auto-resize", FALSE, "wrap-mode", -1, "font-desc",
               (settings_.font + " " + std::to_string(std::max(8, settings_.height / 24))).c_str(),
               nullptr);
  g_object_set(ticker.get(), "xpad", 0, "ypad", std::max(2, settings_.height / 90), nullptr);
  gst_util_set_object_arg(G_OBJECT(ticker.get()), "halignment", "left");
  gst_util_set_object_arg(G_OBJECT(ticker.get()), "valignment", "bottom");
  auto sink = make_video_sink(settings_.sink, settings_.width, settings_.height);
  force_sync(sink.get());
  mixer_ = mixer.get();
  ticker_ = ticker.get();
  for (auto& e : chain) gst_bin_add(GST_BIN(pipeline_.get()), e.get());
  gst_bin_add_many(GST_BIN(pipeline_.get()), mixer.get(), out_caps.get(), ticker.get(), sink.get(),
                   nullptr);
  bool ok = true;
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    ok = ok && gst_element_link(chain[i].get(), chain[i + 1].get());
  }
  ok = ok && gst_element_link(chain.back().get(), mixer.get()) &&
       gst_element_link_many(mixer.get(), out_caps.get(), ticker.get(), sink.get(), nullptr);
  if (!ok) {
    pipeline_.reset();
    throw std::runtime_error("sink \"" + settings_.sink.description + "\" does not take video");
  }
  // The compositor is live: when the idle slide's first frame is late (a loaded box, a
  // large idle image to scale), it times out and sends frames of its bare background, a
  // white flash on the screen. Frames that end before the slide's first one are dropped,
  // so the first frame shown is the slide.
  auto idle_from = std::make_shared<std::atomic<gint64>>(-1);  // its first running time
  using Shared = std::shared_ptr<std::atomic<gint64>>;
  gst::PadPtr idle_src(gst_element_get_static_pad(chain.back().get(), "src"));
  gst_pad_add_probe(
      idle_src.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
        if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
        (*static_cast<Shared*>(data))->store(static_cast<gint64>(GST_BUFFER_PTS(buf)));
        return GST_PAD_PROBE_REMOVE;
      },
      new Shared(idle_from), [](gpointer p) { delete static_cast<Shared*>(p); });
  gst::PadPtr mixer_src(gst_element_get_static_pad(mixer.get(), "src"));
  gst_pad_add_probe(
      mixer_src.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        const gint64 from = (*static_cast<Shared*>(data))->load();
        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
        if (from < 0) return GST_PAD_PROBE_DROP;
        if (GST_BUFFER_PTS_IS_VALID(buf) && GST_BUFFER_DURATION_IS_VALID(buf) &&
            static_cast<gint64>(GST_BUFFER_PTS(buf) + GST_BUFFER_DURATION(buf)) <= from) {
          return GST_PAD_PROBE_DROP;
        }
        return GST_PAD_PROBE_REMOVE;
      },
      new Shared(idle_from), [](gpointer p) { delete static_cast<Shared*>(p); });
  // The ticker scrolls with the frames' running time, from the right edge leftwards.
  struct TickerCtx {
    int width;
    std::shared_ptr<std::atomic<gint64>> since;
  };
  gst::PadPtr ticker_sink(gst_element_get_static_pad(ticker.get(), "video_sink"));
  gst_pad_add_probe(
      ticker_sink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad* pad, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        auto* ctx = static_cast<TickerCtx*>(data);
        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
        if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
        const auto pts = static_cast<gint64>(GST_BUFFER_PTS(buf));
        gint64 since = ctx->since->load();
        if (since < 0) {  // a new text: it enters from the right edge now
          ctx->since->store(pts);
          since = pts;
        }
        gst::ElementPtr overlay(gst_pad_get_parent_element(pad));
        gint text_width = 0;
        g_object_get(overlay.get(), "text-width", &text_width, nullptr);
        const gint64 travelled =
            (pts - since) / GST_MSECOND * ctx->width * kTickerPerMille / 1000 / 1000;
        const gint64 lap = ctx->width + std::max(text_width, 1);
        g_object_set(overlay.get(), "deltax", static_cast<gint>(ctx->width - travelled % lap),
                     nullptr);
        return GST_PAD_PROBE_OK;
      },
      new TickerCtx{settings_.width, ticker_since_},
      [](gpointer p) { delete static_cast<TickerCtx*>(p); });
  if (settings_.audio_sink) audio_mixer_ = build_audio_output(*settings_.audio_sink);
}

void Channel::set_ticker(const std::string& text) {
  if (text == ticker_text_) return;
  ticker_text_ = text;
  ticker_since_->store(-1);
  if (!ticker_) return;
  g_object_set(ticker_, "text", text.c_str(), "silent", text.empty(), nullptr);
  log::info("player", settings_.name + (text.empty() ? ": ticker removed" : ": ticker: " + text));
}

void Channel::build() {
  ++generation_;
  pipeline_ = gst::ElementPtr(
      GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(("channel-" + settings_.name).c_str()))));
  if (video()) {
    build_video_output();
  } else {
    mixer_ = build_audio_output(settings_.sink);
  }
  // The pipeline's clock is the monotonic clock and its base time fixed: running time +
  // base is the moment a sample is rendered (plus the latency the sink is told).
  clock_ = gst::ClockPtr(GST_CLOCK(gst_object_ref_sink(
      g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_MONOTONIC, nullptr))));
  gst_pipeline_use_clock(GST_PIPELINE(pipeline_.get()), clock_.get());
  gst_element_set_start_time(pipeline_.get(), GST_CLOCK_TIME_NONE);
  base_ = gst_clock_get_time(clock_.get());
  gst_element_set_base_time(pipeline_.get(), base_);

  gst::BusPtr bus(gst_element_get_bus(pipeline_.get()));
  struct BusCtx {
    std::shared_ptr<Shared> shared;
    std::uint64_t generation;
  };
  gst_bus_set_sync_handler(
      bus.get(),
      [](GstBus*, GstMessage* msg, gpointer data) -> GstBusSyncReply {
        auto* ctx = static_cast<BusCtx*>(data);
        const auto type = GST_MESSAGE_TYPE(msg);
        if (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_WARNING ||
            type == GST_MESSAGE_ELEMENT || type == GST_MESSAGE_QOS) {
          std::shared_ptr<GstMessage> m(gst_message_ref(msg), gst::MessageUnref{});
          post_to(ctx->shared, ctx->generation, [m](Channel& c, std::uint64_t gen) {
            inject_fault("bus");
            if (gen == c.generation_) c.on_message(m.get());
          });
        }
        // A sync handler that drops a message owns it: without this unref every
        // message (and the element it names) of every play would stay alive.
        gst_message_unref(msg);
        return GST_BUS_DROP;
      },
      new BusCtx{shared_, generation_}, [](gpointer p) { delete static_cast<BusCtx*>(p); });

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The error on the bus says why (device busy or gone); it arrives through on_message.
    log::error("player", settings_.name + ": the sink does not start");
  }
  GstState state = GST_STATE_NULL;
  gst_element_get_state(pipeline_.get(), &state, nullptr, 5 * GST_SECOND);
  GstQuery* q = gst_query_new_latency();
  if (gst_element_query(pipeline_.get(), q)) {
    gboolean live = FALSE;
    GstClockTime min = 0, max = 0;
    gst_query_parse_latency(q, &live, &min, &max);
    latency_ = GST_CLOCK_TIME_IS_VALID(min) ? min : 0;
  }
  gst_query_unref(q);
  log::info("player", settings_.name + ": channel pipeline up, latency " +
                          std::to_string(static_cast<double>(latency_) / GST_MSECOND).substr(0, 5) +
                          " ms");
}

void Channel::teardown() {
  // Each item as when it ends (pad released, branch stopped, removed), then the rest.
  auto items = std::move(items_);
  items_.clear();
  for (auto& [token, b] : items) detach(std::move(b));
  if (!pipeline_) return;
  gst::BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
  pipeline_.reset();
  mixer_ = master_ = audio_mixer_ = ticker_ = nullptr;
}

void Channel::schedule_rebuild(const std::string& why) {
  log::error("player", settings_.name + ": output failed (" + why + "); reopening it");
  std::vector<std::uint64_t> tokens;
  for (auto& [token, b] : items_) tokens.push_back(token);
  const WallTime now = now_wall();
  for (auto t : tokens) finish(t, now, EndStatus::failed, "the output failed: " + why);
  for (const auto& w : waiting_) {
    boost::asio::post(io_, [this, s = shared_, t = w.token, now, why] {
      if (s->owner)
        listener_.on_ended(settings_.name, t, now, EndStatus::failed, "the output failed: " + why,
                           false, {});
    });
  }
  waiting_.clear();
  events_.clear();
  teardown();
  ++generation_;
  const int n = std::min(rebuild_failures_++, 5);
  rebuild_timer_.expires_after(std::chrono::seconds(1 << n));  // 1, 2, 4 ... 32 s
  rebuild_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    try {
      build();
    } catch (const std::exception& e) {
      schedule_rebuild(e.what());
    }
  });
}

void Channel::update(ChannelSettings settings) {
  // What each item reads when it starts applies at once; what the pipeline is built
  // from (sink, size, idle slide) when the channel is silent: now, or after what plays.
  const bool rebuild = !(settings.sink == settings_.sink) || settings.kind != settings_.kind ||
                       settings.width != settings_.width || settings.height != settings_.height ||
                       settings.framerate != settings_.framerate ||
                       !(settings.audio_sink == settings_.audio_sink) ||
                       settings.idle_slide != settings_.idle_slide ||
                       settings.idle_text != settings_.idle_text || settings.font != settings_.font;
  settings_.volume = settings.volume;
  settings_.silence_db = settings.silence_db;
  settings_.dead_air = settings.dead_air;
  settings_.connect_timeout = settings.connect_timeout;
  settings_.stall_timeout = settings.stall_timeout;
  settings_.live_source = settings.live_source;
  settings_.image_duration = settings.image_duration;
  if (master_) g_object_set(master_, "volume", settings_.volume, nullptr);
  if (!rebuild) return;
  if (items_.empty() && waiting_.empty()) {
    settings_ = std::move(settings);
    pending_sink_ = false;
    teardown();
    try {
      build();
    } catch (const std::exception& e) {
      schedule_rebuild(e.what());  // checked before the reload; kept trying if it fails now
    }
    return;
  }
  pending_settings_ = std::move(settings);
  pending_sink_ = true;
}

GstClockTime Channel::running_now() const {
  const GstClockTime now = gst_clock_get_time(clock_.get());
  return now > base_ ? now - base_ : 0;
}

// The pipeline runs on the monotonic clock, so a wall-clock jump (NTP setting the time
// at boot) neither stalls it nor makes it race; wall instants are converted at the
// moment they are asked for.
gint64 Channel::wall_minus_mono() const {
  const gint64 now = (now_wall().time_since_epoch()).count() -
                     static_cast<gint64>(gst_clock_get_time(clock_.get()));
  // The same instant converts the same way (an item's end and the next one's start
  // are one instant); a jump or slewed drift past 5 ms is taken up.
  if (!have_offset_ || std::abs(now - wall_minus_mono_) > 5'000'000) {
    wall_minus_mono_ = now;
    have_offset_ = true;
  }
  return wall_minus_mono_;
}

WallTime Channel::rendered_at(GstClockTime rt) const {
  return WallTime{
      std::chrono::nanoseconds(static_cast<gint64>(base_ + rt + latency_) + wall_minus_mono())};
}

GstClockTime Channel::rt_for(WallTime at) const {
  const gint64 mono = at.time_since_epoch().count() - wall_minus_mono();
  const auto zero = static_cast<gint64>(base_ + latency_);
  return mono > zero ? static_cast<GstClockTime>(mono - zero) : 0;
}

void Channel::play(std::uint64_t token, const std::filesystem::path& file, WallTime at,
                   milliseconds offset, double gain, milliseconds still) {
  // What is not fading out stops now; what is queued is dropped.
  std::vector<std::uint64_t> stop_now;
  for (auto& [t, b] : items_) {
    if (!b->fading) stop_now.push_back(t);
  }
  const WallTime now = now_wall();
  for (auto t : stop_now) finish(t, now, EndStatus::stopped, "replaced by the next item");
  for (const auto& w : waiting_) {
    boost::asio::post(io_, [this, s = shared_, t = w.token, now] {
      if (s->owner) listener_.on_ended(settings_.name, t, now, EndStatus::stopped, "", false, {});
    });
  }
  waiting_.clear();
  if (pending_sink_ && items_.empty()) {
    settings_ = std::move(pending_settings_);
    pending_sink_ = false;
    teardown();
    build();
  }
  if (!pipeline_) {
    boost::asio::post(io_, [this, s = shared_, token, now] {
      if (s->owner)
        listener_.on_ended(settings_.name, token, now, EndStatus::failed,
                           "the output is being reopened after a failure", false, {});
    });
    return;
  }
  const GstClockTime rt = std::max(rt_for(at), running_now() + kStartMargin);
  last_token_ = token;
  attach(token, file, rt, offset, gain, still);
}

void Channel::queue(std::uint64_t token, const std::filesystem::path& file, double gain,
                    milliseconds offset, milliseconds still) {
  waiting_.push_back({token, file, gain, offset, still});
  auto it = items_.find(last_token_);
  if (it == items_.end()) {
    attach_waiting(running_now() + kStartMargin);  // nothing to follow: at once
  } else if (it->second->end_rt) {
    attach_waiting(*it->second->end_rt);
  }  // else when the last item's end is known (on_content_end)
}

void Channel::attach_waiting(GstClockTime rt) {
  if (waiting_.empty() || !pipeline_) return;
  Waiting w = std::move(waiting_.front());
  waiting_.pop_front();
  if (auto prev = items_.find(last_token_); prev != items_.end() && prev->second->mixer_pad) {
    if (prev->second->video) {  // held again until the new one covers it
      g_object_set(prev->second->mixer_pad.get(), "repeat-after-eos", TRUE, nullptr);
    }
  }
  last_token_ = w.token;
  attach(w.token, w.file, std::max(rt, running_now() + kMinLead), w.offset, w.gain, w.still);
}

namespace {

// Adds the elements to the bin and links them in order.
void add_chain(GstElement* bin, std::initializer_list<GstElement*> chain) {
  for (auto* e : chain) gst_bin_add(GST_BIN(bin), e);
  GstElement* prev = nullptr;
  for (auto* e : chain) {
    if (prev && !gst_element_link(prev, e)) {
      throw std::runtime_error(std::string("cannot link ") + GST_ELEMENT_NAME(prev) + " to " +
                               GST_ELEMENT_NAME(e));
    }
    prev = e;
  }
}

GstPad* add_ghost(GstElement* bin, GstElement* tail, const char* name) {
  gst::PadPtr target(gst_element_get_static_pad(tail, "src"));
  GstPad* ghost = gst_ghost_pad_new(name, target.get());
  gst_element_add_pad(bin, ghost);
  return ghost;
}

}  // namespace

// convert → resample → mixer caps → lookahead queue → volume (gain, fades) → level.
GstElement* Channel::build_audio_branch(Branch& b, GstElement* decode, bool live) {
  auto convert = gst::make_element("audioconvert");
  auto resample = gst::make_element("audioresample");
  auto caps = make_caps(kMixCaps);
  auto queue = gst::make_element("queue");
  auto volume = gst::make_element("volume");
  auto level = gst::make_element("level");
  g_object_set(queue.get(), "max-size-time", kLookahead, "max-size-buffers", 0u, "max-size-bytes",
               0u, nullptr);
  g_object_set(volume.get(), "volume", b.gain, nullptr);
  g_object_set(level.get(), "interval", kLevelInterval, "post-messages", TRUE, nullptr);
  add_chain(b.bin.get(),
            {convert.get(), resample.get(), caps.get(), queue.get(), volume.get(), level.get()});
  if (live && !gst_element_link(decode, convert.get())) {
    throw std::runtime_error("live_source \"" + settings_.live_source +
                             "\" gives no audio the channel can take");
  }
  b.audio_in = b.convert = convert.get();
  b.volume = volume.get();
  b.level = level.get();
  b.queue = queue.get();
  b.tail = level.get();
  b.ghost = add_ghost(b.bin.get(), level.get(), "src");
  return level.get();
}

// [imagefreeze] → convert → scale with black borders to the screen → caps → queue, and
// a video's sound to the channel's audio mixer (or dropped). A notice draws its words
// on the plain picture `decode` makes.
GstElement* Channel::build_video_branch(Branch& b, GstElement* decode, bool image, bool notice) {
  const std::string caps_text =
      "video/x-raw,format=I420,pixel-aspect-ratio=1/1,width=" + std::to_string(settings_.width) +
      ",height=" + std::to_string(settings_.height) +
      (image || notice ? ",framerate=" + std::to_string(settings_.framerate) + "/1" : "");
  auto convert = gst::make_element("videoconvert");
  auto scale = gst::make_element("videoscale");
  g_object_set(scale.get(), "add-borders", TRUE, nullptr);
  auto caps = make_caps(caps_text.c_str());
  auto queue = gst::make_element("queue");
  // About a second of decoded pictures, before they are scaled: the notice of an item's
  // end that lets the next one be attached in time (3 s of 1080p would be 230 MB), at
  // most 64 MB whatever the source's size.
  g_object_set(queue.get(), "max-size-time", GST_SECOND, "max-size-buffers", 0u, "max-size-bytes",
               64u << 20, nullptr);
  GstElement* first = convert.get();
  if (image) {
    auto freeze = gst::make_element("imagefreeze");
    g_object_set(freeze.get(), "num-buffers", static_cast<gint>(b.image_frames), nullptr);
    first = freeze.get();
    add_chain(b.bin.get(), {freeze.get(), queue.get(), convert.get(), scale.get(), caps.get()});
  } else if (notice) {
    auto words = gst::make_element("textoverlay");
    const std::string text = b.file.string().substr(std::string_view(kNoticeItem).size());
    g_object_set(
        words.get(), "text", text.c_str(), "wrap-mode", 2 /* word-char */, "auto-resize", FALSE,
        "font-desc",
        (settings_.font + " Bold " + std::to_string(std::max(10, settings_.height / 14))).c_str(),
        nullptr);
    gst_util_set_object_arg(G_OBJECT(words.get()), "halignment", "center");
    gst_util_set_object_arg(G_OBJECT(words.get()), "valignment", "center");
    gst_util_set_object_arg(G_OBJECT(words.get()), "line-alignment", "center");
    add_chain(b.bin.get(), {caps.get(), words.get(), convert.get(), scale.get(), queue.get()});
    if (!gst_element_link(decode, caps.get())) throw std::runtime_error("cannot draw the notice");
  } else {
    first = queue.get();
    add_chain(b.bin.get(), {queue.get(), convert.get(), scale.get(), caps.get()});
  }
  GstElement* tail = notice ? queue.get() : caps.get();
  b.video_in = first;
  b.queue = queue.get();
  b.tail = tail;
  b.ghost = add_ghost(b.bin.get(), tail, "src");
  if (notice || image) return tail;
  if (audio_mixer_) {
    auto aconvert = gst::make_element("audioconvert");
    auto resample = gst::make_element("audioresample");
    auto acaps = make_caps(kMixCaps);
    auto aqueue = gst::make_element("queue");
    auto volume = gst::make_element("volume");
    g_object_set(aqueue.get(), "max-size-time", kLookahead, "max-size-buffers", 0u,
                 "max-size-bytes", 0u, nullptr);
    g_object_set(volume.get(), "volume", b.gain, nullptr);
    add_chain(b.bin.get(),
              {aconvert.get(), resample.get(), acaps.get(), aqueue.get(), volume.get()});
    b.audio_in = aconvert.get();
    b.volume = volume.get();
    b.audio_ghost = add_ghost(b.bin.get(), volume.get(), "audio");
  } else {
    auto drop = gst::make_element("fakesink");
    g_object_set(drop.get(), "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(b.bin.get()), drop.get());
    b.drop = drop.get();
  }
  return tail;
}

void Channel::attach(std::uint64_t token, const std::filesystem::path& file, GstClockTime rt,
                     milliseconds offset, double gain, milliseconds still) {
  const bool live = file.string() == kLiveItem;
  const GstClockTime planned_rt = rt;
  if (live) rt = 0;  // see ProbeCtx::live_from
  auto b = std::make_unique<Branch>();
  b->token = token;
  b->file = file;
  b->offset = rt;
  b->seek = static_cast<GstClockTime>(offset.count()) * GST_MSECOND;
  b->gain = gain;
  const std::string name = "item" + std::to_string(token);
  try {
    b->bin = gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(gst_bin_new(name.c_str()))));
    const std::string text = file.string();
    gst::ElementPtr decode;
    if (live) {
      // The operator's microphone: the config's description, never the network's.
      if (settings_.live_source.empty()) {
        throw std::runtime_error("the channel has no live_source in the config");
      }
      GError* raw = nullptr;
      GstElement* source =
          gst_parse_bin_from_description(settings_.live_source.c_str(), TRUE, &raw);
      gst::ErrorPtr err(raw);
      if (!source) {
        throw std::runtime_error("live_source \"" + settings_.live_source +
                                 "\": " + (err ? err->message : "cannot be built"));
      }
      decode = gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(source)));
    } else if (text.starts_with(kNoticeItem)) {
      // A full-screen notice: a plain red picture the words are drawn on.
      decode = gst::make_element("videotestsrc");
      gst_util_set_object_arg(G_OBJECT(decode.get()), "pattern", "solid-color");
      g_object_set(decode.get(), "foreground-color", 0xffb71c1cu, nullptr);
    } else {
      decode = gst::make_element("uridecodebin");
    }
    const bool notice = text.starts_with(kNoticeItem);
    b->stream = live || notice || text.starts_with("http://") || text.starts_with("https://");
    b->video = video();
    if (live || notice) {
      // Linked below, once the chain is in the bin.
    } else if (b->stream) {
      g_object_set(decode.get(), "uri", text.c_str(), nullptr);
      // The HTTP source gives up on a server that does not answer in time.
      g_signal_connect(
          decode.get(), "source-setup",
          G_CALLBACK(+[](GstElement*, GstElement* source, gpointer data) {
            const auto secs = GPOINTER_TO_UINT(data);
            if (g_object_class_find_property(G_OBJECT_GET_CLASS(source), "timeout")) {
              g_object_set(source, "timeout", secs, nullptr);
            }
          }),
          GUINT_TO_POINTER(static_cast<guint>(std::max<std::int64_t>(
              1, std::chrono::duration_cast<std::chrono::seconds>(settings_.connect_timeout)
                     .count()))));
    } else {
      GError* raw = nullptr;
      gst::CharPtr uri(gst_filename_to_uri(file.c_str(), &raw));
      gst::ErrorPtr err(raw);
      if (!uri) throw std::runtime_error("cannot play " + file.string() + ": " + err->message);
      g_object_set(decode.get(), "uri", uri.get(), nullptr);
    }
    gst_bin_add(GST_BIN(b->bin.get()), decode.get());
    if (b->video) {
      std::string ext = file.extension().string();
      for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const bool image = ext == ".png" || ext == ".jpg" || ext == ".jpeg";
      if (image) {
        // The still shows for its own duration (or image_duration) from where a
        // resume starts.
        const milliseconds shows = still.count() > 0 ? still : settings_.image_duration;
        b->seek = 0;
        b->image_frames = std::max<std::int64_t>(
            1, (shows - std::min(offset, shows)).count() * settings_.framerate / 1000);
      }
      build_video_branch(*b, decode.get(), image, notice);
    } else {
      build_audio_branch(*b, decode.get(), live);
    }
    if (!live && !notice) {
      // The decoder's pads join the chains when they appear; a file without what the
      // channel shows or sounds fails once the decoder says it has no more pads.
      auto* dctx = new DecodeCtx{shared_, generation_, token, b->audio_in, b->video_in, b->drop};
      g_signal_connect_data(
          decode.get(), "pad-added", G_CALLBACK(&Channel::on_decoder_pad), dctx,
          [](gpointer p, GClosure*) { delete static_cast<DecodeCtx*>(p); }, GConnectFlags{});
      g_signal_connect(decode.get(), "no-more-pads", G_CALLBACK(&Channel::on_no_more_pads), dctx);
    }

    // Before the lookahead queue: a resume starts at `seek` (the segment says so and the
    // mixer clips to it), and the item's exact end is seen seconds before it sounds.
    gst::PadPtr queue_sink(gst_element_get_static_pad(b->queue, "sink"));
    gst_pad_add_probe(queue_sink.get(), kBuffersAndEvents, &Channel::lookahead_probe,
                      new ProbeCtx(shared_, generation_, token, b->seek, rt), &delete_probe_ctx);

    // After the chain: the first buffer that reaches the mixer says when the item really
    // starts (moved later if it came too late); every buffer feeds the stall watch.
    auto* fctx = new ProbeCtx(shared_, generation_, token, b->seek, rt);
    fctx->clock = clock_.get();
    fctx->base = base_;
    fctx->ghost = b->ghost;
    fctx->audio_ghost = b->audio_ghost;
    fctx->last_buffer = b->last_buffer;
    if (b->video) fctx->frames = b->frames;
    if (live) fctx->live_from = planned_rt;
    gst::PadPtr tail_src(gst_element_get_static_pad(b->tail, "src"));
    gst_pad_add_probe(tail_src.get(), kBuffersAndEvents, &Channel::first_buffer_probe, fctx,
                      &delete_probe_ctx);
  } catch (const std::exception& e) {
    const std::string why = e.what();
    const WallTime now = now_wall();
    boost::asio::post(io_, [this, s = shared_, token, now, why] {
      if (s->owner)
        listener_.on_ended(settings_.name, token, now, EndStatus::failed, why, false, {});
    });
    return;
  }

  gst_bin_add(GST_BIN(pipeline_.get()), b->bin.get());
  b->mixer_pad = gst::PadPtr(gst_element_request_pad_simple(mixer_, "sink_%u"));
  if (b->video) {
    // Each item above the one before; its last frame stays until the next covers it or
    // it is taken off, so a late next item shows a held frame, never black.
    g_object_set(b->mixer_pad.get(), "zorder", static_cast<guint>(1 + token % 0xfffffff0u),
                 "repeat-after-eos", TRUE, nullptr);
  }
  gst::PadPtr src(gst_element_get_static_pad(b->bin.get(), "src"));
  gst_pad_set_offset(src.get(), static_cast<gint64>(rt));
  if (b->audio_ghost) {
    b->audio_mixer_pad = gst::PadPtr(gst_element_request_pad_simple(audio_mixer_, "sink_%u"));
    gst_pad_set_offset(b->audio_ghost, static_cast<gint64>(rt));
    gst_pad_link(b->audio_ghost, b->audio_mixer_pad.get());
  }
  if (gst_pad_link(src.get(), b->mixer_pad.get()) != GST_PAD_LINK_OK) {
    Branch& failed = *b;
    items_[token] = std::move(b);  // so that its failure is reported like any other
    on_branch_error(failed, "cannot link the item to the channel's mixer");
    return;
  }
  gst_element_sync_state_with_parent(b->bin.get());
  // Nothing came in time: the decoder hangs on a file it cannot read.
  const auto wait = b->stream ? settings_.connect_timeout : milliseconds(5000);
  const WallTime deadline = std::max(rendered_at(planned_rt), now_wall()) + wait;
  const bool stream = b->stream;
  at(deadline, Kind::end, [this, token, stream, wait] {
    auto it = items_.find(token);
    if (it != items_.end() && !it->second->first_rt) {
      const bool pictures = it->second->video;
      on_branch_error(*it->second, std::string(stream     ? "the stream sent nothing within "
                                               : pictures ? "no picture decoded within "
                                                          : "no audio decoded within ") +
                                       std::to_string(wait.count() / 1000.0).substr(0, 4) + " s");
    }
  });
  items_[token] = std::move(b);
  if (stream) watch_streams();
}

void Channel::on_decoder_pad(GstElement*, GstPad* pad, gpointer data) {
  auto* ctx = static_cast<DecodeCtx*>(data);
  GstCaps* c = gst_pad_get_current_caps(pad);
  if (!c) c = gst_pad_query_caps(pad, nullptr);
  const char* type = c ? gst_structure_get_name(gst_caps_get_structure(c, 0)) : "";
  GstElement* target = nullptr;
  if (g_str_has_prefix(type, "audio/")) {
    target = ctx->convert ? ctx->convert : ctx->drop;
  } else if (g_str_has_prefix(type, "video/")) {
    target = ctx->video;  // the picture of a video has no place on a loudspeaker
  }
  if (c) gst_caps_unref(c);
  if (!target) return;
  gst::PadPtr sink(gst_element_get_static_pad(target, "sink"));
  if (!gst_pad_is_linked(sink.get())) gst_pad_link(pad, sink.get());
}

void Channel::on_no_more_pads(GstElement*, gpointer data) {
  auto* ctx = static_cast<DecodeCtx*>(data);
  GstElement* needed = ctx->video ? ctx->video : ctx->convert;
  gst::PadPtr sink(gst_element_get_static_pad(needed, "sink"));
  if (gst_pad_is_linked(sink.get())) return;
  const bool video = ctx->video != nullptr;
  post_to(ctx->shared, ctx->generation, [token = ctx->token, video](Channel& c, std::uint64_t gen) {
    auto it = c.items_.find(token);
    if (gen != c.generation_ || it == c.items_.end()) return;
    c.on_branch_error(*it->second, video ? "the file has no picture (video or image)"
                                         : "the file has no audio stream");
  });
}

GstPadProbeReturn Channel::lookahead_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* ctx = static_cast<ProbeCtx*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
    const GstClockTime pts = GST_BUFFER_PTS(buf);
    const GstClockTime dur = GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0;
    if (ctx->seek > 0 && pts + dur <= ctx->seek) return GST_PAD_PROBE_DROP;
    ctx->last_end = running_time(ctx->segment, pts + dur);
    return GST_PAD_PROBE_OK;
  }
  GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT) {
    ctx->track_segment(ev);
    if (ctx->seek > 0 && ctx->segment.format == GST_FORMAT_TIME) {
      ctx->segment.start = std::max<guint64>(ctx->segment.start, ctx->seek);
      ctx->segment.time = ctx->segment.start;
      ctx->segment.position = ctx->segment.start;
      GstEvent* rewritten = gst_event_new_segment(&ctx->segment);
      gst_event_set_seqnum(rewritten, gst_event_get_seqnum(ev));
      gst_event_unref(ev);
      GST_PAD_PROBE_INFO_DATA(info) = rewritten;
    }
  } else if (GST_EVENT_TYPE(ev) == GST_EVENT_EOS) {
    const GstClockTime end = ctx->last_end;  // in the item's own running time
    post_to(ctx->shared, ctx->generation, [token = ctx->token, end](Channel& c, std::uint64_t gen) {
      if (gen == c.generation_) c.on_content_end(token, end);
    });
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn Channel::first_buffer_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* ctx = static_cast<ProbeCtx*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT) ctx->track_segment(ev);
    return GST_PAD_PROBE_OK;
  }
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  const GstClockTime now = gst_clock_get_time(ctx->clock);
  ctx->last_buffer->store(static_cast<gint64>(now));
  if (ctx->frames) ctx->frames->fetch_add(1);
  if (ctx->first_sent || !GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  const GstClockTime local = running_time(ctx->segment, GST_BUFFER_PTS(buf));
  if (GST_CLOCK_TIME_IS_VALID(ctx->live_from) && local < ctx->live_from) {
    return GST_PAD_PROBE_DROP;
  }
  ctx->first_sent = true;
  // Too late for its planned place (a stream that took long to connect, an item asked
  // for "now"): it starts whole a little later instead of losing its head.
  const GstClockTime earliest = (now > ctx->base ? now - ctx->base : 0) + kMinLead;
  GstClockTime offset = ctx->offset;
  if (offset + local < earliest) {
    offset = earliest - local;
    gst_pad_set_offset(ctx->ghost, static_cast<gint64>(offset));
    if (ctx->audio_ghost) gst_pad_set_offset(ctx->audio_ghost, static_cast<gint64>(offset));
  }
  post_to(ctx->shared, ctx->generation,
          [token = ctx->token, offset, local](Channel& c, std::uint64_t gen) {
            if (gen == c.generation_) c.on_first_buffer(token, offset, local);
          });
  return GST_PAD_PROBE_OK;
}

void Channel::on_first_buffer(std::uint64_t token, GstClockTime offset, GstClockTime local) {
  auto it = items_.find(token);
  if (it == items_.end()) return;
  Branch& b = *it->second;
  b.offset = offset;
  b.first_rt = offset + local;
  const WallTime start = rendered_at(*b.first_rt);
  at(start, Kind::start, [this, token, start] {
    auto it = items_.find(token);
    if (it == items_.end() || it->second->started) return;
    it->second->started = true;
    it->second->started_at = start;
    listener_.on_started(settings_.name, token, start);
  });
  if (b.local_end) on_content_end(token, *b.local_end);
}

void Channel::on_content_end(std::uint64_t token, GstClockTime local) {
  auto it = items_.find(token);
  if (it == items_.end()) return;
  Branch& b = *it->second;
  if (!GST_CLOCK_TIME_IS_VALID(local)) {
    on_branch_error(b, "the file holds no audio samples");
    return;
  }
  b.local_end = local;
  if (!b.first_rt) return;  // placed once its first buffer says where
  const GstClockTime rt = b.offset + local;
  if (b.end_rt) return;
  b.end_rt = rt;
  if (b.stream && !b.fading) {
    // A relay that ends by itself ended early (the server went away, the broadcast
    // stopped): what it sent still sounds, then it counts as failed.
    const WallTime end = rendered_at(rt);
    at(end, Kind::end, [this, token, end] {
      finish(token, end, EndStatus::failed, "the stream ended before its block did");
    });
    return;
  }
  const WallTime end = rendered_at(rt);
  at(end, Kind::end, [this, token, end] { finish(token, end, EndStatus::completed, ""); });
  // A picture nothing follows gives way to the idle slide on its last frame, not a
  // latency later when it is taken off.
  if (b.video && b.mixer_pad && token == last_token_ && waiting_.empty()) {
    g_object_set(b.mixer_pad.get(), "repeat-after-eos", FALSE, nullptr);
  }
  if (token == last_token_) attach_waiting(rt);
}

void Channel::on_branch_error(Branch& b, const std::string& error) {
  const std::uint64_t token = b.token;
  const bool was_last = token == last_token_;
  const WallTime now = now_wall();
  finish(token, now, EndStatus::failed, error);
  // What was queued behind it plays at once.
  if (was_last) attach_waiting(running_now() + kStartMargin);
}

void Channel::on_message(GstMessage* msg) {
  GstObject* src = GST_MESSAGE_SRC(msg);
  Branch* owner = nullptr;
  for (auto& [t, b] : items_) {
    if (src == GST_OBJECT(b->bin.get()) ||
        gst_object_has_as_ancestor(src, GST_OBJECT(b->bin.get()))) {
      owner = b.get();
    }
  }
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (!owner || !s || !gst_structure_has_name(s, "level")) return;
      if (owner->fading) return;  // the fade is not what the item sounded like
      // Weighted by the time each message covers (the last one of a file is shorter,
      // and one at EOS may cover nothing).
      guint64 duration = 0;
      if (!gst_structure_get_uint64(s, "duration", &duration) || duration == 0) return;
      const double seconds = static_cast<double>(duration) / GST_SECOND;
      const double rms = first_double(s, "rms");
      const double peak = first_double(s, "peak");
      owner->peak_db = std::max(owner->peak_db, peak);
      owner->power_sum += (std::isfinite(rms) ? std::pow(10.0, rms / 10.0) : 0.0) * seconds;
      owner->measured_s += seconds;
      if (rms >= settings_.silence_db) {
        owner->silent_run_s = 0.0;
        return;
      }
      owner->silence_s += seconds;
      owner->silent_run_s += seconds;
      const double limit = static_cast<double>(settings_.dead_air.count()) / 1000.0;
      if (owner->silent_run_s >= limit && owner->silent_run_s - seconds < limit) {
        ++dead_air_count_;
        log::warning("player", settings_.name +
                                   ": dead air: " + std::to_string(limit).substr(0, 4) +
                                   " s of silence in " + owner->file.string());
        if (owner->stream) on_branch_error(*owner, "dead air: the stream sent silence");
      }
      return;
    }
    case GST_MESSAGE_QOS: {
      // A late frame dropped: charged to the picture on top.
      GstFormat format = GST_FORMAT_UNDEFINED;
      guint64 processed = 0, dropped = 0;
      gst_message_parse_qos_stats(msg, &format, &processed, &dropped);
      if (format != GST_FORMAT_BUFFERS && format != GST_FORMAT_DEFAULT) return;
      Branch* top = nullptr;
      for (auto& [t, b] : items_) {
        if (b->video && b->started) top = b.get();
      }
      if (top) ++top->dropped;
      return;
    }
    case GST_MESSAGE_WARNING:
      log::warning("player", settings_.name + ": " + message_text(msg));
      return;
    case GST_MESSAGE_ERROR: {
      const std::string text = message_text(msg);
      if (owner) {
        on_branch_error(*owner, text);
      } else if (src == GST_OBJECT(pipeline_.get()) ||
                 gst_object_has_as_ancestor(src, GST_OBJECT(pipeline_.get()))) {
        schedule_rebuild(text);  // the mixer or the sink: the channel itself
      }                          // else the last words of an item already taken off the mixer
      return;
    }
    default:
      return;
  }
}

void Channel::stop(milliseconds fade, std::optional<WallTime> silent_at) {
  const WallTime now = now_wall();
  // The mixer works on about `running_now()`; a fade must begin after that.
  const GstClockTime earliest = running_now() + 20 * GST_MSECOND;
  const auto fade_ns = static_cast<GstClockTime>(fade.count()) * GST_MSECOND;
  GstClockTime to_rt = silent_at ? rt_for(*silent_at) : earliest + fade_ns;
  to_rt = std::max(to_rt, earliest);
  const GstClockTime from_rt = std::max(earliest, to_rt > fade_ns ? to_rt - fade_ns : 0);
  const WallTime silent = rendered_at(to_rt);
  for (const auto& w : waiting_) {
    boost::asio::post(io_, [this, s = shared_, t = w.token, now] {
      if (s->owner) listener_.on_ended(settings_.name, t, now, EndStatus::stopped, "", false, {});
    });
  }
  waiting_.clear();
  std::vector<std::uint64_t> now_tokens;
  for (auto& [t, b] : items_) {
    if (b->fading) continue;
    // Sounding when the fade begins: fade it. One that would only begin during the
    // fade (the next of a block) never sounds: a fragment would air without its row.
    const bool sounding = b->first_rt && *b->first_rt <= from_rt;
    if (sounding && to_rt > from_rt) {
      fade_out(*b, from_rt, to_rt);
    } else if (sounding) {
      b->fading = true;
      const std::uint64_t token = b->token;
      at(silent, Kind::end,
         [this, token, silent] { finish(token, silent, EndStatus::stopped, ""); });
    } else {
      now_tokens.push_back(t);
    }
  }
  for (auto t : now_tokens) finish(t, now, EndStatus::stopped, "");
}

void Channel::fade_out(Branch& b, GstClockTime from_rt, GstClockTime to_rt) {
  b.fading = true;
  // The volume element counts in the item's stream time: its position in the file.
  auto stream_time = [&](GstClockTime rt) {
    return rt > b.offset ? rt - b.offset + b.seek : b.seek;
  };
  if (!b.volume) {  // a picture with no sound: cut where the fade would end
    const std::uint64_t token = b.token;
    const WallTime end = rendered_at(to_rt);
    at(end, Kind::end, [this, token, end] { finish(token, end, EndStatus::stopped, ""); });
    return;
  }
  GstControlSource* cs = gst_interpolation_control_source_new();
  g_object_set(cs, "mode", GST_INTERPOLATION_MODE_LINEAR, nullptr);
  auto* tv = GST_TIMED_VALUE_CONTROL_SOURCE(cs);
  gst_timed_value_control_source_set(tv, stream_time(from_rt), b.gain);
  gst_timed_value_control_source_set(tv, stream_time(to_rt), 0.0);
  gst_object_add_control_binding(GST_OBJECT(b.volume), gst_direct_control_binding_new_absolute(
                                                           GST_OBJECT(b.volume), "volume", cs));
  gst_object_unref(cs);
  const std::uint64_t token = b.token;
  const WallTime end = rendered_at(to_rt);
  at(end, Kind::end, [this, token, end] { finish(token, end, EndStatus::stopped, ""); });
}

void Channel::finish(std::uint64_t token, WallTime end, EndStatus status,
                     const std::string& error) {
  auto it = items_.find(token);
  if (it == items_.end()) return;
  std::unique_ptr<Branch> b = std::move(it->second);
  items_.erase(it);
  const bool started = b->started;
  const Evidence evidence = b->evidence();
  // A play cut before its start timer fired still sounded if its first sample passed.
  WallTime actual_end = end;
  if (started && actual_end < b->started_at) actual_end = b->started_at;
  detach(std::move(b));
  listener_.on_ended(settings_.name, token, actual_end, status, error, started, evidence);
}

void Channel::detach(std::unique_ptr<Branch> b) {
  if (!pipeline_) return;
  // Releasing the mixer's pad first wakes a streaming thread blocked on it.
  if (b->mixer_pad) gst_element_release_request_pad(mixer_, b->mixer_pad.get());
  if (b->audio_mixer_pad) gst_element_release_request_pad(audio_mixer_, b->audio_mixer_pad.get());
  gst_element_set_state(b->bin.get(), GST_STATE_NULL);
  gst_bin_remove(GST_BIN(pipeline_.get()), b->bin.get());
}

// Once a second while a stream plays: no data for stall_timeout is a failure.
void Channel::watch_streams() {
  watch_timer_.expires_after(std::chrono::seconds(1));
  watch_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto now = static_cast<gint64>(gst_clock_get_time(clock_.get()));
    bool any = false;
    std::vector<std::uint64_t> stalled;
    for (auto& [t, b] : items_) {
      if (!b->stream) continue;
      any = true;
      const gint64 last = b->last_buffer->load();
      if (b->first_rt && !b->fading && last > 0 &&
          now - last > static_cast<gint64>(settings_.stall_timeout.count()) * GST_MSECOND) {
        stalled.push_back(t);
      }
    }
    for (auto t : stalled) {
      auto it = items_.find(t);
      if (it == items_.end()) continue;
      on_branch_error(*it->second,
                      "the stream stalled: no data for " +
                          std::to_string(settings_.stall_timeout.count() / 1000.0).substr(0, 4) +
                          " s");
    }
    if (any) watch_streams();
  });
}

void Channel::at(WallTime when, Kind kind, std::function<void()> fn) {
  // Kept on the pipeline's (monotonic) clock: a wall-clock jump moves no event.
  const gint64 mono = when.time_since_epoch().count() - wall_minus_mono();
  events_.emplace(std::make_tuple(static_cast<GstClockTime>(std::max<gint64>(mono, 0)),
                                  static_cast<int>(kind), event_seq_++),
                  std::move(fn));
  arm();
}

void Channel::arm() {
  if (events_.empty()) {
    timer_.cancel();
    return;
  }
  const GstClockTime first = std::get<0>(events_.begin()->first);
  const GstClockTime now = gst_clock_get_time(clock_.get());
  timer_.expires_after(std::chrono::nanoseconds(first > now ? first - now : 0));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const GstClockTime now = gst_clock_get_time(clock_.get());
    while (!events_.empty() && std::get<0>(events_.begin()->first) <= now) {
      auto fn = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      fn();
    }
    arm();
  });
}

}  // namespace loaxa::player
