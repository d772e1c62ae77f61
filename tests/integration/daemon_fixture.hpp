#pragma once
// The real loaxad for integration tests: a config in a temporary folder whose audio
// channel renders raw PCM to a file, started and waited for by its log lines.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "cli/http_client.hpp"
#include "onset.hpp"
#include "process.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::test {

using namespace std::chrono_literals;
using scheduler::Instant;

constexpr double kRate = 48000;
// How far a first sample may reach the FIFO from its plan (or its row): what the
// daemon places wrong is a buffer (10 ms) or a latency off; beyond a millisecond the
// tests see this VM waking the sink's thread late. The distribution of the start error
// is bench/start_error.py's (p99 under 1 ms).
constexpr double kOnsetToleranceMs = 2.0;

inline std::vector<std::int16_t> read_raw(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::int16_t> samples(bytes.size() / 2);
  std::memcpy(samples.data(), bytes.data(), samples.size() * 2);
  return samples;
}

// Index of the first sample whose magnitude is above `floor`, from `from`.
inline std::size_t first_above(const std::vector<std::int16_t>& s, int floor,
                               std::size_t from = 0) {
  for (std::size_t i = from; i < s.size(); ++i) {
    if (std::abs(s[i]) > floor) return i;
  }
  return s.size();
}

// RSS (KiB) and open descriptors of a process.
inline std::pair<long, std::size_t> footprint(pid_t pid) {
  long rss = 0;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
  }
  std::size_t fds = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++fds;
  }
  return {rss, fds};
}

inline double zero_crossing_hz(const std::vector<std::int16_t>& s, std::size_t from,
                               std::size_t to) {
  int crossings = 0;
  for (std::size_t i = from + 1; i < to; ++i) {
    if ((s[i - 1] < 0) != (s[i] < 0)) ++crossings;
  }
  return crossings / 2.0 / (static_cast<double>(to - from) / kRate);
}

inline double peak(const std::vector<std::int16_t>& s, std::size_t from, std::size_t to) {
  int p = 0;
  for (std::size_t i = from; i < to && i < s.size(); ++i) p = std::max(p, std::abs(int{s[i]}));
  return p / 32768.0;
}

inline bool wait_for_file_size(const std::filesystem::path& file, std::uintmax_t bytes,
                               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    if (std::filesystem::file_size(file, ec) >= bytes && !ec) return true;
    std::this_thread::sleep_for(10ms);  // polling interval, not a wait for an outcome
  }
  return false;
}

// Waits until a channel's raw output holds `seconds` of sound (the channel writes
// silence between items, so the file's size says nothing of what played).
inline bool wait_for_sound(const std::filesystem::path& file, double seconds,
                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto samples = read_raw(file);
    const auto [first, last] = sounding_span(samples);
    if (first < last && static_cast<double>(last - first) >= seconds * 48000.0) return true;
    std::this_thread::sleep_for(20ms);  // polling interval, not a wait for an outcome
  }
  return false;
}

// Waits until the last second of sound in a channel's output is a tone of `hz`.
inline bool wait_for_tail_hz(const std::filesystem::path& file, double hz,
                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto s = read_raw(file);
    const auto [first, last] = sounding_span(s);
    if (last > first + 48000 && last + 480 > s.size() &&
        std::abs(zero_crossing_hz(s, last - 48000, last) - hz) < 5.0) {
      return true;
    }
    std::this_thread::sleep_for(50ms);  // polling interval, not a wait for an outcome
  }
  return false;
}

class DaemonTest : public ::testing::Test {
 protected:
  TempDir dir{"daemon"};
  scheduler::Zone zone{"Asia/Ho_Chi_Minh"};
  int port = free_port();
  std::string api_extra;  // more keys of [api] (tokens)
  std::string box_extra;  // more keys of [box] (district)
  std::string api_token;  // what the fixture's own requests send

  std::filesystem::path config() const { return dir.path() / "loaxa.toml"; }
  std::filesystem::path out() const { return dir.path() / "out.raw"; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  // A whole second at least `ahead` from now, as a local date-time.
  Instant start_in(std::chrono::seconds ahead) const {
    const auto now = std::chrono::system_clock::now() + ahead + 1s;
    return Instant{std::chrono::floor<std::chrono::seconds>(now.time_since_epoch())};
  }
  std::string local(Instant t) const {
    return scheduler::format_local_datetime(zone.to_local_seconds(t));
  }

  // A schedule that plays `file` on the loudspeaker once a second from `t0`, `count`
  // times (a compressed day: one block a second).
  std::string every_second(const std::string& id, const std::string& file, Instant t0,
                           int count) const {
    std::string seconds;
    for (int s = 0; s < 60; ++s) seconds += (s ? "," : "") + std::to_string(s);
    return "[[schedule]]\nid = \"" + id + "\"\nchannel = \"loudspeaker\"\nfile = \"" + file +
           "\"\nstart = \"" + local(t0) + "\"\nrrule = \"FREQ=MINUTELY;BYSECOND=" + seconds +
           ";COUNT=" + std::to_string(count) + "\"\n";
  }

  // The loudspeaker's raw S16LE 48 kHz mono output, written as it is rendered.
  std::string sink_to(const std::filesystem::path& file) const {
    return "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
           "filesink location=" +
           file.string() + " append=true buffer-mode=unbuffered";
  }

  void write_config(const std::string& schedules, const std::string& extra = "",
                    std::optional<std::filesystem::path> sink_file = std::nullopt) {
    std::ofstream(config()) << "[box]\nid = \"test-box\"\nname = \"Xã Thử nghiệm\"\n"
                            << "timezone = \"Asia/Ho_Chi_Minh\"\nstate_dir = \"state\"\n"
                            << box_extra << "\n"
                            << "[channels.loudspeaker]\n"
                            << "sink = \"" << sink_to(sink_file.value_or(out())) << "\"\n"
                            << "volume = 1.0\n"
                            << extra << "\n[api]\nlisten = [\"127.0.0.1:" << port << "\"]\n"
                            << api_extra << "\n"
                            << schedules;
  }

  std::unique_ptr<Process> start_daemon() {
    auto p = std::make_unique<Process>(
        std::vector<std::string>{LOAXAD_BIN, "--config", config().string()});
    EXPECT_TRUE(p->wait_for_line("loaxad: box ", 15s)) << p->output() << p->describe();
    return p;
  }

  // Overwrites the media store's copy of `original` (ingested at start) with bytes no
  // decoder takes: a file that rots on the SD card after it was checked. How many
  // copies were rotted (1 when the store holds it once).
  int rot_stored_copy(const std::filesystem::path& original) const {
    const auto bytes = [](const std::filesystem::path& f) {
      std::ifstream in(f, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    int rotted = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path() / "state" / "media")) {
      if (bytes(e.path()) == bytes(original)) {
        ++rotted;
        std::ofstream(e.path(), std::ios::binary | std::ios::trunc)
            << std::string(4096, '\x5a') << "not a media file";
      }
    }
    return rotted;
  }

  // Waits for `completed` plays to end, reads the airtime rows, stops the daemon.
  boost::json::array rows_after(Process& daemon, int completed) {
    for (int i = 0; i < completed; ++i) {
      if (!daemon.wait_for_line("ended (completed)", 15s)) {
        ADD_FAILURE() << "play " << i + 1 << " of " << completed << " did not end\n"
                      << daemon.output();
        break;
      }
    }
    auto rows = airtime();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(5s), 0) << daemon.output();
    return rows;
  }

  boost::json::array airtime() const {
    const auto r = cli::http_get(url(), "/api/v1/airtime?format=json", api_token);
    EXPECT_EQ(r.status, 200) << r.body;
    return boost::json::parse(r.body).as_array();
  }

  static std::string field(const boost::json::value& row, const char* name) {
    const auto& v = row.at(name);
    return v.is_string() ? std::string(v.as_string()) : "";
  }
};

}  // namespace loaxa::test
