#include "scheduler/planner.hpp"

#include <gtest/gtest.h>

namespace loaxa::scheduler {
namespace {

using namespace std::chrono_literals;

Rule rule(const std::string& id, const std::string& start, int priority,
          std::chrono::milliseconds duration, const char* rrule = nullptr) {
  Rule r;
  r.id = id;
  r.channel = "loudspeaker";
  r.content = id + "-content";
  r.start = parse_local_datetime(start);
  if (rrule) r.rrule = parse_rrule(rrule);
  r.priority = priority;
  r.duration = duration;
  return r;
}

class PlannerTest : public ::testing::Test {
 protected:
  Zone zone{"Asia/Ho_Chi_Minh"};
  Instant at(const char* local) { return zone.to_instant(parse_local_datetime(local)); }
};

TEST_F(PlannerTest, OneShotInsideTheWindow) {
  const auto t = plan({rule("a", "2022-07-01T06:00:00", 50, 10min)}, {}, zone,
                      at("2022-07-01T00:00:00"), at("2022-07-02T00:00:00"));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].status, EntryStatus::airs);
  EXPECT_EQ(t[0].start, at("2022-07-01T06:00:00"));
  EXPECT_EQ(t[0].end, at("2022-07-01T06:10:00"));
  EXPECT_NE(t[0].reason.find("rule a"), std::string::npos);
}

TEST_F(PlannerTest, HigherPriorityCutsLower) {
  const auto t = plan({rule("local", "2022-07-01T06:00:00", 40, 30min),
                       rule("province", "2022-07-01T06:10:00", 60, 5min)},
                      {}, zone, at("2022-07-01T00:00:00"), at("2022-07-02T00:00:00"));
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].schedule_id, "local");
  EXPECT_EQ(t[0].status, EntryStatus::cut);
  EXPECT_EQ(t[0].end, at("2022-07-01T06:10:00"));
  EXPECT_NE(t[0].reason.find("cut by province"), std::string::npos);
  EXPECT_EQ(t[1].status, EntryStatus::airs);
}

TEST_F(PlannerTest, EqualPriorityNeverPreempts) {
  const auto t = plan({rule("first", "2022-07-01T06:00:00", 50, 30min),
                       rule("second", "2022-07-01T06:10:00", 50, 5min)},
                      {}, zone, at("2022-07-01T00:00:00"), at("2022-07-02T00:00:00"));
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].status, EntryStatus::airs);
  EXPECT_EQ(t[1].status, EntryStatus::dropped);
  EXPECT_NE(t[1].reason.find("overlaps first"), std::string::npos);
}

TEST_F(PlannerTest, QuietHoursAcrossMidnightBlock) {
  const std::vector<QuietHours> quiet = {{"loudspeaker", 21h + 30min, 5h}};
  const auto t = plan(
      {rule("a", "2022-07-01T04:30:00", 50, 10min, "FREQ=DAILY;COUNT=2"),
       rule("b", "2022-07-01T22:00:00", 50, 10min), rule("c", "2022-07-01T05:00:00", 50, 10min)},
      quiet, zone, at("2022-07-01T00:00:00"), at("2022-07-03T00:00:00"));
  ASSERT_EQ(t.size(), 4u);
  for (const auto& e : t) {
    const bool quiet_time = e.schedule_id != "c";
    EXPECT_EQ(e.status, quiet_time ? EntryStatus::blocked : EntryStatus::airs) << e.schedule_id;
  }
}

TEST_F(PlannerTest, MaxDurationCuts) {
  auto r = rule("long", "2022-07-01T06:00:00", 50, 40min);
  r.max_duration = 15min;
  const auto t = plan({r}, {}, zone, at("2022-07-01T00:00:00"), at("2022-07-02T00:00:00"));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].status, EntryStatus::cut);
  EXPECT_EQ(t[0].end, at("2022-07-01T06:15:00"));
}

TEST_F(PlannerTest, UntilStopsRecurrence) {
  auto r = rule("daily", "2022-07-01T06:00:00", 50, 1min, "FREQ=DAILY");
  r.until = parse_date("2022-07-03");
  const auto t = plan({r}, {}, zone, at("2022-07-01T00:00:00"), at("2022-07-10T00:00:00"));
  EXPECT_EQ(t.size(), 3u);
}

}  // namespace
}  // namespace loaxa::scheduler
