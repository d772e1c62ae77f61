#pragma once
// A channel: one long-lived GStreamer pipeline per output, whose sink never closes.
//
//   audiotestsrc (silence, live) ─┐
//   item branch ── pad offset ────┤ audiomixer → volume → audioconvert → sink
//   item branch ── pad offset ────┘
//
// The pipeline's clock is CLOCK_MONOTONIC and its base time a fixed instant; a wall
// instant is converted to a running time when it is asked for, so a wall-clock jump
// neither stalls nor races the output. Each item is a branch (uridecodebin →
// convert/resample → queue → volume → level) attached ahead of time whose pad offset
// places its first sample at the planned instant: the mixer is sample-accurate, so
// an item queued behind another starts on the sample after the other's last one.
// The branch's queue lets the decoder run a few seconds ahead, so an item's exact end
// is known before it sounds and the next one is attached in time.
//
// A kiosk (kind = "video") is the same machine with pictures: a live idle slide (the
// box's name and a clock, or a configured image) under a compositor, each item a
// branch scaled and letterboxed to the screen's size, placed by pad offset and stacked
// above the one before (its last frame held until the next covers it), a ticker drawn
// over everything, and a video's sound mixed on the channel's own audio mixer.
//
// A loudspeaker with nothing to play for `rest_after` rests: the silence and the mixer
// are taken off and the sink paused, so an idle channel costs no CPU; the next play or
// queue puts a fresh mixer back first (a millisecond or two), and the controller asks
// for a block two seconds ahead, so it still starts on its planned sample.
//
// It knows nothing of schedules or SQLite: it reports started(actual) and
// ended(actual, status, evidence) to its listener, on the io_context thread.

#include <gst/gst.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "player/gst/gst_ptr.hpp"
#include "player/output.hpp"

namespace loaxa::player {

// Whether a channel with these settings would build its sink, its audio sink and its
// live source: empty when they do, else what is wrong (for refusing a reload whole
// before anything changes).
std::string check_settings(const ChannelSettings& settings);

class Channel : public Output {
 public:
  // Builds and starts the pipeline; throws std::runtime_error for a bad sink.
  Channel(boost::asio::io_context& io, ChannelSettings settings, ChannelListener& listener);
  ~Channel() override;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  const std::string& name() const override { return settings_.name; }
  const ChannelSettings& settings() const { return settings_; }
  void update(ChannelSettings settings) override;
  void play(std::uint64_t token, const std::filesystem::path& file, WallTime at,
            std::chrono::milliseconds offset, double gain,
            std::chrono::milliseconds still) override;
  void queue(std::uint64_t token, const std::filesystem::path& file, double gain,
             std::chrono::milliseconds offset, std::chrono::milliseconds still) override;
  void stop(std::chrono::milliseconds fade,
            std::optional<WallTime> silent_at = std::nullopt) override;
  bool idle() const override { return items_.empty() && waiting_.empty(); }
  void set_ticker(const std::string& text) override;

  // The pipeline's latency (what the sink adds to a running time), for tests and logs.
  std::chrono::nanoseconds latency() const { return std::chrono::nanoseconds(latency_); }
  // Times dead air was detected (for metrics).
  std::uint64_t dead_air_count() const override { return dead_air_count_; }
  bool up() const override { return pipeline_ != nullptr; }
  bool resting() const override { return resting_; }

  struct Branch;  // one item on the mixer (channel.cpp)
  struct Shared;  // what streaming threads may reach, kept alive by them

 private:
  struct Waiting {  // queued behind the last item, not yet attached
    std::uint64_t token;
    std::filesystem::path file;
    double gain;
    std::chrono::milliseconds offset;
    std::chrono::milliseconds still;
  };

  // The live part of a loudspeaker's output: silence, its caps, the mixer, its caps.
  using LiveMixer = std::array<GstElement*, 4>;

  void build();
  bool video() const { return settings_.kind == ChannelKind::video; }
  // The audio mixer chain (silence → audiomixer → volume → sink) in the pipeline; its
  // live part kept in `keep` when the channel may rest.
  GstElement* build_audio_output(const SinkSpec& sink, LiveMixer* keep = nullptr);
  // Adds silence → mixer linked to `downstream`, its first sample at running time
  // `from`; returns the mixer.
  GstElement* add_mixer(GstElement* downstream, GstClockTime from, LiveMixer& parts);
  // Rest after rest_after with nothing to play (re-armed by every end), and wake for
  // the next item.
  void rest_later();
  void rest();
  void wake();
  void build_video_output();
  // The item's own elements, ending in the branch's "src" ghost pad (and "audio" for a
  // video's sound); returns the element whose src pad the first-buffer probe watches.
  GstElement* build_audio_branch(Branch& b, GstElement* decode, bool live);
  GstElement* build_video_branch(Branch& b, GstElement* decode, bool image, bool notice);
  void teardown();
  void schedule_rebuild(const std::string& why);
  // Attaches an item whose first sample is to sound at running time `rt`.
  void attach(std::uint64_t token, const std::filesystem::path& file, GstClockTime rt,
              std::chrono::milliseconds offset, double gain, std::chrono::milliseconds still);
  void attach_waiting(GstClockTime rt);
  // What waits to be attached ends unheard (reported on the loop, after this call).
  void drop_waiting(WallTime now, EndStatus status = EndStatus::stopped,
                    const std::string& error = "");
  void on_message(GstMessage* msg);
  // Streaming-thread callbacks of an item's branch: they only post to the loop.
  static void on_decoder_pad(GstElement* decoder, GstPad* pad, gpointer data);
  static void on_no_more_pads(GstElement* decoder, gpointer data);
  static GstPadProbeReturn lookahead_probe(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn first_buffer_probe(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  void on_first_buffer(std::uint64_t token, GstClockTime offset, GstClockTime local);
  void on_content_end(std::uint64_t token, GstClockTime local);
  void on_branch_error(Branch& b, const std::string& error);
  // `drain`: an item that ended by itself or by a fade stays on the mixer a moment more
  // (kDrain), so a stall cannot cut its last samples; a cut leaves it at once.
  void finish(std::uint64_t token, WallTime end, EndStatus status, const std::string& error,
              bool drain = false);
  void detach(std::unique_ptr<Branch> b);
  // Takes off the drained item `token`, or every one.
  void detach_drained(std::optional<std::uint64_t> token = std::nullopt);
  void fade_out(Branch& b, GstClockTime from_rt, GstClockTime to_rt);
  // Running time now, and the wall instant at which a running time is rendered.
  GstClockTime running_now() const;
  WallTime rendered_at(GstClockTime rt) const;
  GstClockTime rt_for(WallTime at) const;
  // Wall clock minus the pipeline's clock (ns), kept steady between jumps.
  gint64 wall_minus_mono() const;
  // Events run in (time, kind) order: an item's end before the next one's start.
  enum class Kind { end = 0, start = 1 };
  void at(WallTime when, Kind kind, std::function<void()> fn);
  void arm();
  void watch_streams();

  boost::asio::io_context& io_;
  ChannelSettings settings_;
  ChannelSettings pending_settings_;
  bool pending_sink_ = false;
  ChannelListener& listener_;
  std::shared_ptr<Shared> shared_;
  gst::ElementPtr pipeline_;
  GstElement* mixer_ = nullptr;  // owned by the pipeline
  LiveMixer live_{};             // a loudspeaker's, while it is not resting
  bool resting_ = false;
  GstElement* master_ = nullptr;       // the channel's volume
  GstElement* audio_mixer_ = nullptr;  // a kiosk's, when it has an audio_sink
  GstElement* ticker_ = nullptr;       // a kiosk's textoverlay
  std::string ticker_text_;
  std::shared_ptr<std::atomic<gint64>> ticker_since_ = std::make_shared<std::atomic<gint64>>(0);
  gst::ClockPtr clock_;
  GstClockTime base_ = 0;
  GstClockTime latency_ = 0;
  mutable gint64 wall_minus_mono_ = 0;
  mutable bool have_offset_ = false;
  std::map<std::uint64_t, std::unique_ptr<Branch>> items_;     // by token
  std::map<std::uint64_t, std::unique_ptr<Branch>> draining_;  // ended, still on the mixer
  std::deque<Waiting> waiting_;
  std::uint64_t last_token_ = 0;  // the item `queue` follows
  std::uint64_t plays_ = 0;       // calls of `play`: a listener's answer to an end may be one
  std::uint64_t generation_ = 0;  // a rebuilt pipeline ignores the old one's messages
  int rebuild_failures_ = 0;
  std::uint64_t dead_air_count_ = 0;
  std::map<std::tuple<GstClockTime, int, std::uint64_t>, std::function<void()>> events_;
  std::uint64_t event_seq_ = 0;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer rebuild_timer_;
  boost::asio::steady_timer watch_timer_{io_};
  boost::asio::steady_timer rest_timer_{io_};
};

}  // namespace loaxa::player
