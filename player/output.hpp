#pragma once
// What the playout controller needs of a channel: play an item at an instant, stop it
// with a fade, and report started/ended to a ChannelListener. player::Channel is the
// GStreamer one; tests supply a fake with the same interface.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace loaxa::player {

using WallTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

// Where a channel's sound goes: a gst-launch description from the config, or (for
// machines with no sound device) a raw PCM file written by the player itself.
struct SinkSpec {
  std::string description;                        // e.g. "autoaudiosink"
  std::optional<std::filesystem::path> raw_file;  // S16LE 48 kHz mono, appended
};

struct ChannelSettings {
  std::string name;
  std::string kind = "audio";
  SinkSpec sink;
  double volume = 1.0;
};

enum class EndStatus { completed, stopped, failed };
const char* to_string(EndStatus s);

class ChannelListener {
 public:
  virtual ~ChannelListener() = default;
  // The item's first sample was rendered at `actual` (pipeline clock = wall clock).
  virtual void on_started(const std::string& channel, std::uint64_t token, WallTime actual) = 0;
  // The item ended; `started` says whether on_started was reported for it.
  virtual void on_ended(const std::string& channel, std::uint64_t token, WallTime actual_end,
                        EndStatus status, const std::string& error, bool started) = 0;
};

class Output {
 public:
  virtual ~Output() = default;
  virtual const std::string& name() const = 0;
  // New settings from a reloaded config; they apply from the next item.
  virtual void update(ChannelSettings settings) = 0;
  // Sounds `file` from `offset` with its first sample at `at` (at once if `at` passed);
  // anything still playing is stopped first.
  virtual void play(std::uint64_t token, const std::filesystem::path& file, WallTime at,
                    std::chrono::milliseconds offset) = 0;
  // Fades the current item out and ends it as `stopped`.
  virtual void stop(std::chrono::milliseconds fade) = 0;
  virtual bool idle() const = 0;
};

}  // namespace loaxa::player
