#include "player/loudness.hpp"

#include <ebur128.h>
#include <gst/app/gstappsink.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "player/gst/gst_ptr.hpp"

namespace loaxa::player {
namespace {

struct StateFree {
  void operator()(ebur128_state* s) const noexcept {
    if (s) ebur128_destroy(&s);
  }
};

}  // namespace

namespace {

using State = std::unique_ptr<ebur128_state, StateFree>;

// One decoded sample into the meter, made at the first from its channels and rate.
void feed(State& state, unsigned& channels, GstSample* sample) {
  if (!state) {
    const GstStructure* s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
    int ch = 0, rate = 0;
    gst_structure_get_int(s, "channels", &ch);
    gst_structure_get_int(s, "rate", &rate);
    if (ch > 0 && rate > 0) {
      channels = static_cast<unsigned>(ch);
      state.reset(ebur128_init(channels, static_cast<unsigned long>(rate),
                               EBUR128_MODE_I | EBUR128_MODE_SAMPLE_PEAK));
    }
  }
  GstBuffer* buf = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (state && buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
    ebur128_add_frames_float(state.get(), reinterpret_cast<const float*>(map.data),
                             map.size / sizeof(float) / channels);
    gst_buffer_unmap(buf, &map);
  }
}

// Integrated loudness and the highest sample peak (-150 for silence).
Loudness loudness_of(ebur128_state* state, unsigned channels) {
  Loudness l;
  double global = -HUGE_VAL;
  if (ebur128_loudness_global(state, &global) != EBUR128_SUCCESS) global = -HUGE_VAL;
  l.lufs = std::isfinite(global) ? global : -150.0;
  double peak = 0.0;
  for (unsigned i = 0; i < channels; ++i) {
    double p = 0.0;
    if (ebur128_sample_peak(state, i, &p) == EBUR128_SUCCESS) peak = std::max(peak, p);
  }
  l.peak_db = peak > 0 ? 20.0 * std::log10(peak) : -150.0;
  return l;
}

}  // namespace

std::optional<Loudness> measure_loudness(const std::filesystem::path& file, std::string& error) {
  gst::ensure_initialised();
  GError* raw = nullptr;
  gst::CharPtr uri(gst_filename_to_uri(std::filesystem::absolute(file).c_str(), &raw));
  gst::ErrorPtr err(raw);
  if (!uri) {
    error = err ? err->message : "cannot make a URI";
    return std::nullopt;
  }
  gst::ElementPtr pipeline(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(nullptr))));
  auto decode = gst::make_element("uridecodebin");
  auto convert = gst::make_element("audioconvert");
  auto caps = gst::make_element("capsfilter");
  auto sink = gst::make_element("appsink");
  GstCaps* c = gst_caps_from_string("audio/x-raw,format=F32LE,layout=interleaved");
  g_object_set(caps.get(), "caps", c, nullptr);
  gst_caps_unref(c);
  g_object_set(decode.get(), "uri", uri.get(), nullptr);
  g_object_set(sink.get(), "sync", FALSE, "max-buffers", 8u, nullptr);
  gst_bin_add_many(GST_BIN(pipeline.get()), decode.get(), convert.get(), caps.get(), sink.get(),
                   nullptr);
  gst_element_link_many(convert.get(), caps.get(), sink.get(), nullptr);
  g_signal_connect(
      decode.get(), "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
        GstCaps* pc = gst_pad_query_caps(pad, nullptr);
        const bool audio =
            pc && g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(pc, 0)), "audio/");
        if (pc) gst_caps_unref(pc);
        gst::PadPtr sinkpad(gst_element_get_static_pad(GST_ELEMENT(data), "sink"));
        if (audio && !gst_pad_is_linked(sinkpad.get())) gst_pad_link(pad, sinkpad.get());
      }),
      convert.get());
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);

  State state;
  unsigned channels = 0;
  for (;;) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 30 * GST_SECOND);
    if (!sample) break;  // end of stream, an error, or 30 s without a buffer
    feed(state, channels, sample);
    gst_sample_unref(sample);
  }
  gst::BusPtr bus(gst_element_get_bus(pipeline.get()));
  gst::MessagePtr msg(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  if (msg) {
    GError* e = nullptr;
    gst_message_parse_error(msg.get(), &e, nullptr);
    gst::ErrorPtr held(e);
    error = held ? held->message : "decoding failed";
    return std::nullopt;
  }
  if (!state) {
    error = "no audio decoded";
    return std::nullopt;
  }
  return loudness_of(state.get(), channels);
}

double loudness_gain(const Loudness& l, double target_lufs, double max_gain_db) {
  if (l.lufs <= -70.0) return 1.0;  // silence (or nearly): nothing to bring up
  double db = target_lufs - l.lufs;
  db = std::min(db, max_gain_db);
  db = std::min(db, -1.0 - l.peak_db);  // headroom: the peak stays at or below -1 dBFS
  return std::pow(10.0, db / 20.0);
}

}  // namespace loaxa::player
