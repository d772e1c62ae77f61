// Wall-clock jumps on a real loaxad: libfaketime (Debian's faketime package) shifts the
// daemon's wall clock through a file it rereads on every call, leaving the monotonic
// clock alone, as NTP does when it sets a box's clock at boot. A forward jump must log
// the blocks it skipped as missed and still air the ones that are due; a backward
// jump must not air again a block that already aired.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "daemon_fixture.hpp"
#include "onset.hpp"
#include "process.hpp"

namespace loaxa::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

class ClockJumpTest : public DaemonTest {
 protected:
  std::filesystem::path offset_file() const { return dir.path() / "faketime"; }
  void set_offset(const std::string& offset) const {
    // Written whole, then renamed: the daemon never reads half an offset.
    const auto tmp = dir.path() / "faketime.tmp";
    std::ofstream(tmp) << offset << "\n";
    std::filesystem::rename(tmp, offset_file());
  }
  std::unique_ptr<Process> start_faked_daemon() {
    set_offset("+0");
    ::setenv("LD_PRELOAD", kFaketime, 1);
    ::setenv("FAKETIME_TIMESTAMP_FILE", offset_file().c_str(), 1);
    ::setenv("FAKETIME_NO_CACHE", "1", 1);
    ::setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    auto p = start_daemon();
    for (const char* v : {"LD_PRELOAD", "FAKETIME_TIMESTAMP_FILE", "FAKETIME_NO_CACHE",
                          "FAKETIME_DONT_FAKE_MONOTONIC"}) {
      ::unsetenv(v);
    }
    return p;
  }
  static std::string block(const std::string& id, Instant at, const ClockJumpTest& t) {
    return "[[schedule]]\nid = \"" + id +
           "\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\nstart = \"" + t.local(at) + "\"\n";
  }
  std::filesystem::path fifo() const { return dir.path() / "out.fifo"; }

  // The first sample of each play the sink received, on the real clock (the FIFO's
  // reader is not faked): where each run of sound after silence begins.
  static std::vector<std::chrono::system_clock::time_point> onsets(const FifoRecorder& r) {
    std::vector<std::chrono::system_clock::time_point> out;
    const auto& s = r.samples();
    std::size_t i = first_above(s, 100);
    while (i < s.size()) {
      if (auto at = r.rendered_at(i)) out.push_back(*at);
      std::size_t last = i;  // the play's last loud sample: 0.1 s of silence ends it
      for (std::size_t j = i; j < s.size() && j - last < 4800; ++j) {
        if (std::abs(s[j]) > 100) last = j;
      }
      i = first_above(s, 100, last + 4800);
    }
    return out;
  }
  // A completed row's start against the sink: the onset on the real clock plus the
  // offset the daemon's clock had then is the instant the daemon should have logged.
  void expect_row_at_sink(const boost::json::value& row,
                          std::chrono::system_clock::time_point onset,
                          std::chrono::seconds offset) const {
    const auto logged = scheduler::parse_iso_instant(field(row, "actual_start"), zone);
    const auto planned = scheduler::parse_iso_instant(field(row, "planned_start"), zone);
    const Instant sounded{
        std::chrono::duration_cast<Instant::duration>((onset + offset).time_since_epoch())};
    const double vs_row = std::chrono::duration<double, std::milli>(sounded - logged).count();
    const double vs_plan = std::chrono::duration<double, std::milli>(sounded - planned).count();
    EXPECT_LT(std::abs(vs_row), 10.0)
        << "the sink heard it " << vs_row << " ms from its row " << row;
    EXPECT_LT(std::abs(vs_plan), 100.0) << "it sounded " << vs_plan << " ms from its plan " << row;
  }
};

TEST_F(ClockJumpTest, AForwardJumpLogsWhatItSkippedAndABackwardOneReplaysNothing) {
  if (!std::filesystem::exists(kFaketime)) GTEST_SKIP() << "libfaketime is not installed";
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  FifoRecorder recorder(fifo());
  const Instant t0 = start_in(4s);
  write_config(block("a", t0, *this) + block("b-skipped", t0 + 30min, *this) +
                   block("c-after-jump", t0 + 1h + 9s, *this) +
                   block("d-once", t0 + 1h + 14s, *this),
               "", fifo());
  auto daemon = start_faked_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();  // a

  // NTP sets the clock an hour ahead: b (half an hour ago now) did not air.
  set_offset("+3600");
  ASSERT_TRUE(daemon->wait_for_line("the wall clock jumped by 3", 10s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 20s)) << daemon->output();  // c
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 20s)) << daemon->output();  // d

  // Then ten seconds back: d's start is ahead again, and it must not air twice.
  set_offset("+3590");
  ASSERT_TRUE(daemon->wait_for_line("the wall clock jumped by -", 10s)) << daemon->output();
  EXPECT_FALSE(daemon->wait_for_line(": started ", 14s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();

  std::map<std::string, std::vector<std::string>> by_schedule;
  for (const auto& r : rows) by_schedule[field(r, "schedule_id")].push_back(field(r, "status"));
  EXPECT_EQ(by_schedule["a"], std::vector<std::string>{"completed"});
  EXPECT_EQ(by_schedule["b-skipped"], std::vector<std::string>{"missed"});
  EXPECT_EQ(by_schedule["c-after-jump"], std::vector<std::string>{"completed"});
  EXPECT_EQ(by_schedule["d-once"], std::vector<std::string>{"completed"});
  EXPECT_EQ(rows.size(), 4u) << boost::json::serialize(rows);
  // What the sink heard: a, c and d, nothing twice; each row's start is its first sample
  // (a's on the clock as it was, c's and d's an hour ahead), and c sounded at its
  // planned instant on the new clock (the pipeline kept its own time).
  recorder.join();
  const auto heard = onsets(recorder);
  ASSERT_EQ(heard.size(), 3u) << "plays heard at the sink";
  const std::map<std::string, std::pair<std::size_t, std::chrono::seconds>> sink = {
      {"a", {0, 0s}}, {"c-after-jump", {1, 3600s}}, {"d-once", {2, 3600s}}};
  for (const auto& r : rows) {
    const auto it = sink.find(field(r, "schedule_id"));
    if (it == sink.end()) continue;
    expect_row_at_sink(r, heard[it->second.first], it->second.second);
  }
}

TEST_F(ClockJumpTest, JumpsOfDaysLogTheSkippedDaysAndReplayNothing) {
  if (!std::filesystem::exists(kFaketime)) GTEST_SKIP() << "libfaketime is not installed";
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  const Instant t0 = start_in(4s);
  write_config(
      "[[schedule]]\nid = \"hang-ngay\"\nchannel = \"loudspeaker\"\nfile = "
      "\"tone.wav\"\nstart = \"" +
          local(t0) + "\"\nrrule = \"FREQ=DAILY\"\n",
      "", fifo());
  FifoRecorder recorder(fifo());
  auto daemon = start_faked_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();  // day 0

  // The clock is set two days ahead, to ten seconds before the day-2 occurrence: day 1
  // was skipped (missed), day 2 is still due and airs at its instant.
  const auto now = std::chrono::system_clock::now();
  const auto to_day2 = std::chrono::duration_cast<std::chrono::seconds>(t0 + 48h - 10s - now);
  set_offset("+" + std::to_string(to_day2.count()));
  ASSERT_TRUE(daemon->wait_for_line("the wall clock jumped by 1", 10s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 20s)) << daemon->output();  // day 2

  // Then back two days (a wrong clock corrected): nothing that aired airs again, and the
  // day-1 occurrence, logged missed, stays missed.
  set_offset("+0");
  ASSERT_TRUE(daemon->wait_for_line("the wall clock jumped by -1", 10s)) << daemon->output();
  EXPECT_FALSE(daemon->wait_for_line(": started ", 10s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();

  ASSERT_EQ(rows.size(), 3u) << boost::json::serialize(rows);
  std::vector<std::pair<Instant, std::string>> got;
  for (const auto& r : rows) {
    got.emplace_back(scheduler::parse_iso_instant(field(r, "planned_start"), zone),
                     field(r, "status"));
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got[0], std::make_pair(t0, std::string("completed")));
  EXPECT_EQ(got[1], std::make_pair(Instant{t0 + 24h}, std::string("missed")));
  EXPECT_EQ(got[2], std::make_pair(Instant{t0 + 48h}, std::string("completed")));
  // The sink heard day 0 and day 2, each at its plan and at its row's start (day 2 on
  // the clock two days ahead).
  recorder.join();
  const auto heard = onsets(recorder);
  ASSERT_EQ(heard.size(), 2u) << "plays heard at the sink";
  for (const auto& r : rows) {
    if (field(r, "status") != "completed") continue;
    const bool day0 = scheduler::parse_iso_instant(field(r, "planned_start"), zone) == t0;
    expect_row_at_sink(r, heard[day0 ? 0 : 1], day0 ? 0s : to_day2);
  }
}

}  // namespace
}  // namespace loaxa::test
