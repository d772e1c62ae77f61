#pragma once
// Internal to player/: what channel.cpp (the timing core: pipeline, clock, messages,
// ends), branch.cpp (an item's decoding branch and its probes) and output.cpp (sinks,
// the kiosk's picture and the check of settings) share. Not for use outside player/.

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
#include <utility>

#include "common/guard.hpp"
#include "common/log.hpp"
#include "player/channel.hpp"
#include "player/probe.hpp"

namespace loaxa::player {

using std::chrono::milliseconds;

// The mixer's format: what every item is converted to before it is mixed.
inline constexpr const char* kMixCaps =
    "audio/x-raw,format=F32LE,rate=48000,channels=1,layout=interleaved";
// How far ahead of its sound an item is attached when asked to play "at once": the
// time a local file needs to open and decode its first buffer, so its first sample is
// never clipped.
inline constexpr GstClockTime kStartMargin = 150 * GST_MSECOND;
// How far the decoder of an item may run ahead of the mixer: the notice an item's
// exact end gives before it sounds, so the next one is attached in time.
inline constexpr guint64 kLookahead = 3 * GST_SECOND;
inline constexpr GstClockTime kLevelInterval = 100 * GST_MSECOND;
// The live mixer's buffers: its silence source and its output, 40 ms each (1,920
// samples). Items start on their sample whatever the size (the mixer places samples by
// their timestamps); the size sets how often the source, mixer, master volume and sink
// wake (25 times a second) and part of the pipeline's latency (100 ms with a sink that
// adds none, plus kMixLatency). At 10 ms (100 wake-ups a second) a playing channel cost
// about twice what gst-play costs; at 40 ms, about what it costs (docs/decisions.md,
// "40 ms mixer buffers"). Short items still join: the controller queues a block's next
// items far enough ahead.
inline constexpr GstClockTime kMixBuffer = 40 * GST_MSECOND;
// How long the mixer waits for an item's next buffer beyond its own buffer, and so how
// much of the item its pad holds: a stall of the box (a VM's host, an SD card write, a
// page swapped in) shorter than this loses no sample of what plays, where the bare
// mixer's 30 ms did (a relayed stream's clicks, a file's last buffer cut in CI:
// docs/decisions.md, "The mixer's latency"). Starts keep their sample (the sink is told
// the pipeline's whole latency, and running time t is rendered at base + t + latency);
// a live microphone is heard this much later, and the controller queues a block's next
// items far enough ahead that short ones still join.
inline constexpr GstClockTime kMixLatency = 150 * GST_MSECOND;
// How long an item that ended stays on the mixer after its last sample is rendered
// (Channel::finish): longer than any stall the box survives without an audible break.
inline constexpr std::chrono::milliseconds kDrain{500};

inline WallTime now_wall() {
  return WallTime{std::chrono::system_clock::now().time_since_epoch()};
}

// A channel renders in real time whatever its sink: file and fake sinks default to
// sync=false.
inline void force_sync(GstElement* bin) {
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

inline gst::ElementPtr make_caps(const char* caps_text) {
  auto caps = gst::make_element("capsfilter");
  GstCaps* c = gst_caps_from_string(caps_text);
  g_object_set(caps.get(), "caps", c, nullptr);
  gst_caps_unref(c);
  return caps;
}

// How often a kiosk's idle clock is drawn: its seconds change up to 1/5 s late, and
// the screen shows the last drawing at its own frame rate.
inline constexpr int kIdleClockRate = 5;

// How fast the ticker moves: this fraction of the screen's width a second (a line
// crosses a screen in about seven seconds, slow enough to read).
inline constexpr gint64 kTickerPerMille = 150;

// A channel's sink: with a raw file, `convert ! caps ! filesink` appending to it,
// unbuffered so a reader sees each sample or frame when it is rendered (no sound
// device or screen here); else the config's description behind `converters`.
inline gst::ElementPtr make_sink(const SinkSpec& spec, const char* convert_name,
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
inline gst::ElementPtr make_sink(const SinkSpec& spec) {
  return make_sink(spec, "audioconvert", "audio/x-raw,format=S16LE,rate=48000,channels=1",
                   "audioconvert ! audioresample");
}

// A screen's: raw RGB frames of its size, or the description behind a converter.
inline gst::ElementPtr make_video_sink(const SinkSpec& spec, int width, int height) {
  return make_sink(
      spec, "videoconvert",
      "video/x-raw,format=RGB,width=" + std::to_string(width) + ",height=" + std::to_string(height),
      "videoconvert ! videoscale");
}

// "/GstPipeline:channel-loudspeaker/GstFileSink:filesink0": where a message came from.
inline std::string element_path(GstObject* object) {
  if (!object) return "(unknown element)";
  gst::CharPtr path(gst_object_get_path_string(object));
  return path ? path.get() : "(unknown element)";
}

// The text of an ERROR or WARNING message.
inline std::string message_text(GstMessage* msg) {
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

inline double first_double(const GstStructure* s, const char* field) {
  // level posts a GValueArray per field, one value per audio channel.
  const GValue* v = gst_structure_get_value(s, field);
  if (!v || !G_VALUE_HOLDS_BOXED(v)) return -std::numeric_limits<double>::infinity();
  const auto* arr = static_cast<const GValueArray*>(g_value_get_boxed(v));
  if (!arr || arr->n_values == 0 || !G_VALUE_HOLDS_DOUBLE(&arr->values[0])) {
    return -std::numeric_limits<double>::infinity();
  }
  return g_value_get_double(&arr->values[0]);
}

// What the streaming threads reach: the loop to post to and the channel, touched on the
// loop only (null once the channel is gone).
struct Channel::Shared {
  boost::asio::io_context& io;
  Channel* owner;
};

template <typename F>
void post_to(const std::shared_ptr<Channel::Shared>& shared, std::uint64_t generation, F fn);

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
  bool queued = false;  // attached behind another item still on the mixer
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

inline void delete_probe_ctx(gpointer p) {
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

inline constexpr auto kBuffersAndEvents =
    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM);

// How far ahead of the mixer's running time an item's first buffer must be to start
// whole. The mixer waits a latency (40 ms here) past a running time before it mixes it,
// so this already leaves that much to spare.
inline constexpr GstClockTime kMinLead = 20 * GST_MSECOND;

template <typename F>
inline void post_to(const std::shared_ptr<Channel::Shared>& shared, std::uint64_t generation,
                    F fn) {
  boost::asio::post(shared->io, [shared, generation, fn = std::move(fn)]() mutable {
    if (shared->owner) guarded("player", [&] { fn(*shared->owner, generation); });
  });
}

inline GstClockTime running_time(const GstSegment& seg, GstClockTime pts) {
  if (pts < seg.start) return seg.base;
  const GstClockTime rt = gst_segment_to_running_time(&seg, GST_FORMAT_TIME, pts);
  return GST_CLOCK_TIME_IS_VALID(rt) ? rt : seg.base;
}

}  // namespace loaxa::player
