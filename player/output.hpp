#pragma once
// What the playout controller needs of a channel: place an item at an instant, queue
// the next one right behind it, stop with a fade, and report started/ended (with the
// audio evidence of the play) to a ChannelListener. player::Channel is the GStreamer
// one; tests supply a fake with the same interface.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace loaxa::player {

using WallTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

// Where a channel's sound goes: a gst-launch description from the config, or (for
// machines with no sound device) a raw PCM file written by the player itself.
struct SinkSpec {
  std::string description;                        // e.g. "autoaudiosink"
  std::optional<std::filesystem::path> raw_file;  // S16LE 48 kHz mono, appended
  bool operator==(const SinkSpec&) const = default;
};

// How long a still image may show: a channel's image_duration and a playlist item's
// own duration alike.
inline constexpr std::chrono::milliseconds kShortestStill{1'000}, kLongestStill{3'600'000};
inline bool valid_still(std::chrono::milliseconds d) {
  return d >= kShortestStill && d <= kLongestStill;
}

// The file of an item that plays the channel's live_source (a microphone) instead.
inline constexpr const char* kLiveItem = "live:";

// What a channel is: a loudspeaker (audio) or a kiosk screen (video). Read from the
// config's `kind`, written as the same words in the API.
enum class ChannelKind { audio, video };
inline const char* to_string(ChannelKind k) {
  return k == ChannelKind::video ? "video" : "audio";
}
inline std::optional<ChannelKind> parse_channel_kind(std::string_view s) {
  if (s == "audio") return ChannelKind::audio;
  if (s == "video") return ChannelKind::video;
  return std::nullopt;
}

struct ChannelSettings {
  std::string name;
  ChannelKind kind = ChannelKind::audio;
  SinkSpec sink;
  double volume = 1.0;
  // Below this level (dBFS, RMS over 100 ms) a play counts as silent.
  double silence_db = -50.0;
  // Silence this long while something plays is dead air: a warning, and a relayed
  // stream counts as failed (the controller then plays the fallback).
  std::chrono::milliseconds dead_air{10'000};
  // Streams: how long to wait for the first data, and for more data once it flows.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{5'000};
  // Loudspeakers: nothing to play this long and the channel rests (mixer off, sink
  // paused) until the next item; zero: never.
  std::chrono::milliseconds rest_after{60'000};
  // GStreamer description of the live input (e.g. "alsasrc device=hw:1"), from the
  // box's own config only: nothing from the network becomes a pipeline string.
  std::string live_source;

  // Video channels (kiosk screens) only.
  int width = 1280, height = 720, framerate = 25;    // what the screen is given
  std::chrono::milliseconds image_duration{10'000};  // how long a still image shows
  std::optional<SinkSpec> audio_sink;  // where a video's sound goes; dropped when absent
  std::string idle_text;               // the idle slide's words (the box's name)
  std::optional<std::filesystem::path> idle_slide;  // an image shown when nothing plays
  std::string font = "Noto Sans";                   // idle slide, ticker and notices
};

// The file of an item that shows a full-screen notice (an emergency on a kiosk) whose
// words follow the prefix. The words are a property value, never a pipeline string.
inline constexpr const char* kNoticeItem = "notice:";

enum class EndStatus { completed, stopped, failed };
const char* to_string(EndStatus s);

// What the channel measured of one play, after the item's gain and any fade.
struct Evidence {
  std::optional<double> rms_db;   // mean power over the play, dBFS
  std::optional<double> peak_db;  // highest sample peak, dBFS
  double silence_s = 0.0;         // time spent below ChannelSettings::silence_db
  // Video: frames the item gave the screen, and frames the screen dropped (late)
  // while it showed.
  std::optional<std::uint64_t> frames_rendered, frames_dropped;
};

class ChannelListener {
 public:
  virtual ~ChannelListener() = default;
  // The item's first sample was rendered at `actual` (pipeline clock = wall clock).
  virtual void on_started(const std::string& channel, std::uint64_t token, WallTime actual) = 0;
  // The item ended; `started` says whether on_started was reported for it.
  virtual void on_ended(const std::string& channel, std::uint64_t token, WallTime actual_end,
                        EndStatus status, const std::string& error, bool started,
                        const Evidence& evidence) = 0;
};

class Output {
 public:
  virtual ~Output() = default;
  virtual const std::string& name() const = 0;
  // New settings from a reloaded config: levels, timeouts and the live source apply at
  // once; a new sink, size or idle slide rebuilds the output when the channel is silent
  // (at once when it is).
  virtual void update(ChannelSettings settings) = 0;
  // Sounds `file` from `offset`, with `gain` (linear), its first sample at `at` (at once
  // if `at` has passed). A `file` that is an http:// or https:// URL is a stream
  // relayed live (offset ignored). What plays and is not already fading out is stopped at once,
  // and what was queued is dropped. A still image shows for `still` (counted from the
  // start of the item, so a resume at `offset` shows the rest); zero means the
  // channel's image_duration. Other items ignore `still`.
  virtual void play(std::uint64_t token, const std::filesystem::path& file, WallTime at,
                    std::chrono::milliseconds offset, double gain,
                    std::chrono::milliseconds still) = 0;
  // Sounds `file` from `offset` right after the last item played or queued ends, with
  // no added or lost sample between them; at once when nothing plays.
  virtual void queue(std::uint64_t token, const std::filesystem::path& file, double gain,
                     std::chrono::milliseconds offset, std::chrono::milliseconds still) = 0;
  // Fades what plays out over `fade` and ends it as `stopped`; drops what is queued.
  // With `silent_at`, the fade ends there (a cut at a planned instant), else as soon as
  // it can.
  virtual void stop(std::chrono::milliseconds fade,
                    std::optional<WallTime> silent_at = std::nullopt) = 0;
  virtual bool idle() const = 0;
  // Whether the output pipeline runs (false while it is reopened after a failure).
  virtual bool up() const { return true; }
  // Whether it rests (nothing to play for a while: no CPU spent on silence).
  virtual bool resting() const { return false; }
  // Times dead air was detected since start.
  virtual std::uint64_t dead_air_count() const { return 0; }
  // Video channels: the scrolling line over whatever shows; empty removes it.
  virtual void set_ticker(const std::string& text) { (void)text; }
};

}  // namespace loaxa::player
