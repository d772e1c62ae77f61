// A whole simulated week through the real controller (real planner, real SQLite
// store, real media probing) with a fake clock and fake outputs: every block must
// start at its planned instant, pre-emption must cut and resume, quiet hours must
// block, and a wall-clock jump must log what it skipped as missed.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <set>

#include "common/sha256.hpp"
#include "daemon/playout/controller.hpp"
#include "fakes.hpp"
#include "process.hpp"

namespace loaxa::test {
namespace {

using namespace std::chrono_literals;
using scheduler::Instant;

class WeekTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_tone_wav(dir.path() / "sang.wav", 120.0, 440);
    write_tone_wav(dir.path() / "tinh.wav", 30.0, 660);
    write_tone_wav(dir.path() / "chieu.wav", 10.0, 550);
    // The store keeps media by content (SHA-256); plays are reported by those names.
    for (const char* name : {"sang.wav", "tinh.wav", "chieu.wav"}) {
      names[sha256_file_hex(dir.path() / name) + ".wav"] = name;
    }
    std::ofstream(dir.path() / "loaxa.toml") << R"(
[box]
id = "test-week"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "state"

[channels.loudspeaker]
sink = "fakesink"
quiet_hours = ["21:30-05:00"]

[[schedule]]
id = "sang"
channel = "loudspeaker"
file = "sang.wav"
start = "2022-07-04T06:00:07"
rrule = "FREQ=DAILY"
priority = 40

[[schedule]]
id = "tinh"
channel = "loudspeaker"
file = "tinh.wav"
start = "2022-07-04T06:01:13"
rrule = "FREQ=WEEKLY;BYDAY=MO,TH"
priority = 60

[[schedule]]
id = "chieu"
channel = "loudspeaker"
file = "chieu.wav"
start = "2022-07-04T17:00:11"
rrule = "FREQ=DAILY;BYHOUR=17;BYMINUTE=0,30;BYSECOND=11"

[[schedule]]
id = "toi"
channel = "loudspeaker"
file = "chieu.wav"
start = "2022-07-04T22:00:19"
rrule = "FREQ=DAILY"
)";
    auto result = load_config(dir.path() / "loaxa.toml");
    ASSERT_TRUE(result.config) << result.problems.at(0).to_string();
    config = *result.config;
    std::filesystem::create_directories(config.box.state_dir);
    store = std::make_unique<store::Store>(config.box.state_dir / "loaxa.db");
    new_controller();
  }

  // A controller on the store and the fake clock (again, for a restart of the daemon).
  void new_controller() {
    ControllerOptions options;
    options.clock = &clock;
    options.make_output = [this](const player::ChannelSettings& s, player::ChannelListener& l) {
      return std::make_unique<FakeOutput>(clock, s, l, plays);
    };
    controller = std::make_unique<Controller>(io, *store, config, options);
  }

  Instant local(const char* t) { return zone.to_instant(scheduler::parse_local_datetime(t)); }

  // Drives the controller as the daemon does: ticks twice a minute of fake time. The
  // schedules start off the ticks (06:00:07, 17:00:11), so a start that waited for a
  // tick instead of its own timer shows.
  void run_until(Instant end) {
    for (Instant t = clock.now(); t < end; t += 30s) {
      clock.advance_to(t);
      controller->tick();
    }
    clock.advance_to(end);
  }

  std::vector<std::pair<std::string, std::string>> rows() {
    std::vector<std::pair<std::string, std::string>> out;
    store->airtime().for_each({}, [&](const store::AirtimeRow& r) {
      out.emplace_back(r.schedule_id + " " + r.planned_start.substr(0, 19),
                       std::string(airtime::row_status(r.status)));
    });
    return out;
  }

  TempDir dir{"week"};
  scheduler::Zone zone{"Asia/Ho_Chi_Minh"};
  FakeClock clock{zone.to_instant(scheduler::parse_local_datetime("2022-07-04T00:00:00"))};
  boost::asio::io_context io;
  Config config;
  std::unique_ptr<store::Store> store;
  std::vector<FakePlay> plays;
  std::map<std::string, std::string> names;
  std::string name(const FakePlay& p) { return names.count(p.file) ? names[p.file] : p.file; }
  std::unique_ptr<Controller> controller;
};

TEST_F(WeekTest, EveryBlockStartsAtItsPlannedInstantForAWeek) {
  controller->start();
  run_until(local("2022-07-11T00:00:00"));

  // 7 x (sang, chieu 17:00, chieu 17:30) + Monday and Thursday (tinh, sang resumed).
  ASSERT_EQ(plays.size(), 25u);
  int resumed = 0;
  for (const auto& p : plays) {
    EXPECT_EQ(p.started, p.requested) << name(p) << " at " << zone.format_iso(p.started);
    const auto tod = zone.format_iso(p.started, false).substr(11, 8);
    if (name(p) == "sang.wav" && p.offset.count() == 0) {
      EXPECT_EQ(tod, "06:00:07");
    }
    if (name(p) == "tinh.wav") {
      EXPECT_EQ(tod, "06:01:13");
    }
    if (name(p) == "chieu.wav") {
      EXPECT_TRUE(tod == "17:00:11" || tod == "17:30:11") << tod;
    }
    if (p.offset.count() > 0) {
      ++resumed;
      EXPECT_EQ(name(p), "sang.wav");
      EXPECT_EQ(p.offset, 66s);
      EXPECT_EQ(tod, "06:01:43");
      EXPECT_EQ(p.ended - p.started, 54s);  // the rest of the 120 s block
    }
  }
  EXPECT_EQ(resumed, 2);

  // The log: Monday's morning, pre-empted then resumed; nothing aired in quiet hours.
  const auto r = rows();
  ASSERT_EQ(r.size(), 25u);
  EXPECT_EQ(r[0],
            std::make_pair(std::string("sang 2022-07-04T06:00:07"), std::string("preempted")));
  EXPECT_EQ(r[1],
            std::make_pair(std::string("tinh 2022-07-04T06:01:13"), std::string("completed")));
  EXPECT_EQ(r[2],
            std::make_pair(std::string("sang 2022-07-04T06:01:43"), std::string("completed")));
  for (const auto& [key, status] : r) EXPECT_EQ(key.find("toi"), std::string::npos) << key;
}

TEST_F(WeekTest, AWallClockJumpLogsWhatItSkippedAsMissedAndReplans) {
  controller->start();
  run_until(local("2022-07-05T05:00:00"));
  const std::size_t before = plays.size();
  clock.jump(2h);  // NTP sets the clock: 05:00 becomes 07:00, the 06:00 block is gone
  controller->tick();
  run_until(local("2022-07-05T18:00:00"));
  std::vector<std::string> after;
  for (std::size_t i = before; i < plays.size(); ++i) {
    after.push_back(name(plays[i]) + " " + zone.format_iso(plays[i].started, false).substr(11, 8));
  }
  EXPECT_EQ(after, (std::vector<std::string>{"chieu.wav 17:00:11", "chieu.wav 17:30:11"}));
  bool missed = false;
  for (const auto& [key, status] : rows()) {
    if (key == "sang 2022-07-05T06:00:07") {
      EXPECT_EQ(status, "missed");
      missed = true;
    }
  }
  EXPECT_TRUE(missed) << [&] {
    std::string all;
    for (const auto& [key, status] : rows()) all += key + " " + status + "\n";
    return all;
  }();
}

TEST_F(WeekTest, ARestartNeverAirsABlockTwice) {
  controller->start();
  run_until(local("2022-07-05T06:00:37"));  // Tuesday: sang is on air, nothing pre-empts it
  ASSERT_EQ(name(plays.back()), "sang.wav");
  // The daemon restarts (same database) while sang is still within its grace.
  plays.clear();
  controller.reset();
  new_controller();
  controller->start();
  run_until(local("2022-07-05T06:10:00"));
  for (const auto& p : plays) EXPECT_NE(name(p), "sang.wav") << zone.format_iso(p.started);
  bool interrupted = false;
  for (const auto& [key, status] : rows()) {
    interrupted = interrupted || (key == "sang 2022-07-05T06:00:07" && status == "interrupted");
  }
  EXPECT_TRUE(interrupted);
}

TEST_F(WeekTest, IdleTheAliveMarkIsRenewedEveryTenMinutesAndARestartLogsNoAiredBlockMissed) {
  controller->start();
  const auto mark = [&] { return store->meta("last_alive").value_or(""); };
  // Monday 00:00 to 05:00, nothing on air (the first block is at 06:00:07): each mark is
  // an fsync on the SD card. Before this rule: one every checkpoint (30 s), 300 here.
  std::set<std::string> marks{mark()};
  for (Instant t = clock.now(); t < local("2022-07-04T05:00:00"); t += 30s) {
    clock.advance_to(t);
    controller->tick();
    marks.insert(mark());
  }
  EXPECT_GE(marks.size(), 28u);
  EXPECT_LE(marks.size(), 31u);
  // On air, every checkpoint: sang is playing at 06:00:37.
  run_until(local("2022-07-04T06:00:37"));
  controller->tick();
  ASSERT_EQ(name(plays.back()), "sang.wav");
  EXPECT_LE(clock.now() - scheduler::parse_iso_instant(mark(), zone), 31s);
  // chieu airs 17:30:11-17:30:21 between two ticks, so the mark stays older than it; the
  // process dies at 17:35 (no mark at shutdown) and comes back at 17:50.
  run_until(local("2022-07-04T17:35:00"));
  const Instant last = scheduler::parse_iso_instant(mark(), zone);
  ASSERT_LT(last, local("2022-07-04T17:30:11"))
      << "the test needs a block after the mark, which is " << mark();
  controller.reset();
  clock.advance_to(local("2022-07-04T17:50:00"));
  new_controller();
  controller->start();
  int chieu = 0;
  for (const auto& [key, status] : rows()) {
    EXPECT_NE(status, "missed") << key;
    chieu += key == "chieu 2022-07-04T17:30:11" ? 1 : 0;
  }
  EXPECT_EQ(chieu, 1);
}

}  // namespace
}  // namespace loaxa::test
