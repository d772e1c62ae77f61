#include "scheduler/planner.hpp"

#include <gtest/gtest.h>

#include <map>

namespace loaxa::scheduler {
namespace {

using namespace std::chrono_literals;

Rule rule(const std::string& id, const std::string& start, int priority,
          std::chrono::milliseconds duration, const char* rrule = nullptr,
          OverlapPolicy policy = OverlapPolicy::resume) {
  Rule r;
  r.id = id;
  r.channel = "loudspeaker";
  r.content = id + "-content";
  r.recurrence.dtstart = parse_local_datetime(start);
  if (rrule) r.recurrence.rule = parse_rrule(rrule);
  r.priority = priority;
  r.duration = duration;
  r.policy = policy;
  return r;
}

class PlannerTest : public ::testing::Test {
 protected:
  Zone zone{"Asia/Ho_Chi_Minh"};
  PlanOptions options;
  Instant at(const char* local) { return zone.to_instant(parse_local_datetime(local)); }
  Timeline day(std::vector<Rule> rules, const char* date = "2022-07-01") {
    const std::string d(date);
    return plan(std::move(rules), options, zone, at((d + "T00:00:00").c_str()),
                at((d + "T23:59:59").c_str()));
  }
  // "id status HH:MM-HH:MM" per entry, for compact expectations.
  std::vector<std::string> summary(const Timeline& t) {
    std::vector<std::string> out;
    for (const auto& e : t.entries) {
      out.push_back(t.rule_of(e).id + " " + to_string(e.status) + " " +
                    zone.format_iso(e.start, false).substr(11, 5) + "-" +
                    zone.format_iso(e.end, false).substr(11, 5));
    }
    return out;
  }
};

TEST_F(PlannerTest, OneShotInsideTheWindow) {
  const auto t = day({rule("a", "2022-07-01T06:00:00", 50, 10min)});
  EXPECT_EQ(summary(t), (std::vector<std::string>{"a airs 06:00-06:10"}));
  EXPECT_EQ(t.reason(t.entries[0], zone), "rule a (priority 50), once");
}

// The example: a province rule (60) over a local one (40), quiet hours 21:30-05:00.
TEST_F(PlannerTest, ProvinceCutsLocalWhichResumesAndQuietHoursBlock) {
  options.quiet.push_back({"loudspeaker", 21h + 30min, 5h, "21:30-05:00"});
  const auto t = day({rule("local", "2022-07-01T06:00:00", 40, 30min, "FREQ=DAILY;BYHOUR=6,22"),
                      rule("province", "2022-07-01T06:10:00", 60, 10min, "FREQ=DAILY")});
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"local cut 06:00-06:10", "province airs 06:10-06:20",
                                      "local airs 06:20-06:40", "local blocked 22:00-22:30"}));
  EXPECT_EQ(t.entries[2].offset, 10min);
  EXPECT_EQ(t.reason(t.entries[0], zone),
            "rule local (priority 40), recurring; cut at 06:10 by province (priority 60)");
  EXPECT_EQ(t.reason(t.entries[2], zone),
            "rule local (priority 40), recurring; resumes after province (priority 60) at 10m");
  EXPECT_EQ(t.reason(t.entries[3], zone),
            "rule local (priority 40), recurring; blocked: quiet hours");
}

TEST_F(PlannerTest, RestartPolicyPlaysTheBlockAgain) {
  const auto t =
      day({rule("local", "2022-07-01T06:00:00", 40, 30min, nullptr, OverlapPolicy::restart),
           rule("province", "2022-07-01T06:10:00", 60, 10min)});
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"local cut 06:00-06:10", "province airs 06:10-06:20",
                                      "local airs 06:20-06:50"}));
  EXPECT_EQ(t.entries[2].offset, 0min);
  EXPECT_NE(t.reason(t.entries[2], zone).find("restarts after province"), std::string::npos);
}

TEST_F(PlannerTest, DropPolicyLosesTheRest) {
  const auto t = day({rule("local", "2022-07-01T06:00:00", 40, 30min, nullptr, OverlapPolicy::drop),
                      rule("province", "2022-07-01T06:10:00", 60, 10min)});
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"local cut 06:00-06:10", "province airs 06:10-06:20"}));
  EXPECT_NE(t.reason(t.entries[0], zone).find("not resumed (policy drop)"), std::string::npos);
}

// A commune that chose to air its own block before the province's priority bulletin
// when they meet: its block is no longer cut, the province's waits for it and airs
// whole; arriving while the province's plays, its own cuts it. Other rules keep their
// priorities.
TEST_F(PlannerTest, AChosenOrderStandsInForThePrioritiesOfThoseTwoRulesOnly) {
  auto rules = [] {
    return std::vector<Rule>{rule("local", "2022-07-01T06:00:00", 40, 30min),
                             rule("province", "2022-07-01T06:10:00", 70, 10min),
                             rule("local-late", "2022-07-01T08:05:00", 40, 10min),
                             rule("province-2", "2022-07-01T08:00:00", 70, 10min),
                             rule("other", "2022-07-01T10:00:00", 40, 30min),
                             rule("province-3", "2022-07-01T10:10:00", 70, 10min)};
  };
  const auto plain = day(rules());
  EXPECT_EQ(summary(plain)[0], "local cut 06:00-06:10");
  options.first = {{"local", "province"}, {"local-late", "province-2"}, {"other", "nobody"}};
  const auto t = day(rules());
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"local airs 06:00-06:30", "province airs 06:30-06:40",
                                      "province-2 cut 08:00-08:05", "local-late airs 08:05-08:15",
                                      "province-2 airs 08:15-08:20", "other cut 10:00-10:10",
                                      "province-3 airs 10:10-10:20", "other airs 10:20-10:40"}));
  EXPECT_EQ(t.reason(t.entries[1], zone),
            "rule province (priority 70), once; waited for local (priority 40) until 06:30");
}

TEST_F(PlannerTest, EqualPriorityNeverPreemptsItWaits) {
  const auto t = day({rule("first", "2022-07-01T06:00:00", 50, 30min),
                      rule("second", "2022-07-01T06:10:00", 50, 5min)});
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"first airs 06:00-06:30", "second airs 06:30-06:35"}));
  EXPECT_EQ(t.reason(t.entries[1], zone),
            "rule second (priority 50), once; waited for first (priority 50) until 06:30");
}

TEST_F(PlannerTest, EqualPriorityWithDropPolicyIsDropped) {
  const auto t =
      day({rule("first", "2022-07-01T06:00:00", 50, 30min),
           rule("second", "2022-07-01T06:10:00", 50, 5min, nullptr, OverlapPolicy::drop)});
  ASSERT_EQ(t.entries.size(), 2u);
  EXPECT_EQ(t.entries[1].status, EntryStatus::dropped);
  EXPECT_NE(t.reason(t.entries[1], zone).find("dropped: overlaps first"), std::string::npos);
}

TEST_F(PlannerTest, WaitingTooLongDrops) {
  options.max_wait = 15min;
  const auto t = day({rule("long", "2022-07-01T06:00:00", 50, 60min),
                      rule("late", "2022-07-01T06:10:00", 50, 5min)});
  ASSERT_EQ(t.entries.size(), 2u);
  EXPECT_EQ(summary(t)[1], "late dropped 07:00-07:00");
  EXPECT_NE(t.reason(t.entries[1], zone).find("waited too long"), std::string::npos);
}

TEST_F(PlannerTest, NestedPreemptionResumesInOrder) {
  const auto t = day({rule("low", "2022-07-01T06:00:00", 30, 60min),
                      rule("mid", "2022-07-01T06:10:00", 50, 20min),
                      rule("high", "2022-07-01T06:15:00", 70, 5min)});
  EXPECT_EQ(summary(t), (std::vector<std::string>{"low cut 06:00-06:10", "mid cut 06:10-06:15",
                                                  "high airs 06:15-06:20", "mid airs 06:20-06:35",
                                                  "low airs 06:35-07:25"}));
}

TEST_F(PlannerTest, QuietHoursCutARunningBlockButNotAnEmergency) {
  options.quiet.push_back({"loudspeaker", 21h + 30min, 5h, "21:30-05:00"});
  auto storm = rule("bao-so-4", "2022-07-01T21:00:00", 50, 60min);
  storm.emergency = true;
  storm.channel = "loudspeaker";
  auto evening = rule("evening", "2022-07-01T21:00:00", 50, 60min);
  evening.channel = "kiosk";
  options.quiet.push_back({"kiosk", 21h + 30min, 5h, "21:30-05:00"});
  const auto t = day({storm, evening});
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"evening cut 21:00-21:30", "bao-so-4 airs 21:00-22:00"}));
}

TEST_F(PlannerTest, EmergencyPreemptsEveryPriority) {
  auto storm = rule("bao-so-4", "2022-07-01T06:05:00", 0, 5min);
  storm.emergency = true;
  const auto t = day({rule("province", "2022-07-01T06:00:00", 100, 20min), storm});
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"province cut 06:00-06:05", "bao-so-4 airs 06:05-06:10",
                                      "province airs 06:10-06:25"}));
}

TEST_F(PlannerTest, MaxDurationCuts) {
  auto r = rule("long", "2022-07-01T06:00:00", 50, 40min);
  r.max_duration = 15min;
  const auto t = day({r});
  EXPECT_EQ(summary(t), (std::vector<std::string>{"long cut 06:00-06:15"}));
  EXPECT_NE(t.reason(t.entries[0], zone).find("cut by max_duration 15m"), std::string::npos);
}

TEST_F(PlannerTest, HolidaysSkipRulesThatAskForIt) {
  options.holidays.push_back(parse_date("2022-09-02"));
  auto mondays = rule("thu-hai", "2022-08-29T07:00:00", 50, 10min, "FREQ=DAILY");
  mondays.skip_holidays = true;
  auto other = rule("other", "2022-08-29T08:00:00", 50, 10min, "FREQ=DAILY");
  const auto t = day({mondays, other}, "2022-09-02");
  EXPECT_EQ(summary(t),
            (std::vector<std::string>{"thu-hai blocked 07:00-07:10", "other airs 08:00-08:10"}));
  EXPECT_NE(t.reason(t.entries[0], zone).find("province holiday 2022-09-02"), std::string::npos);
}

TEST_F(PlannerTest, ExdateSkipsAnOccurrence) {
  auto r = rule("daily", "2022-09-01T06:00:00", 50, 1min, "FREQ=DAILY");
  r.recurrence.exdates.push_back(parse_local_datetime("2022-09-02T06:00:00"));
  const auto t = plan({r}, options, zone, at("2022-09-01T00:00:00"), at("2022-09-04T00:00:00"));
  EXPECT_EQ(t.entries.size(), 2u);
}

TEST_F(PlannerTest, UntilStopsRecurrence) {
  auto r = rule("daily", "2022-07-01T06:00:00", 50, 1min, "FREQ=DAILY");
  r.until = parse_date("2022-07-03");
  const auto t = plan({r}, options, zone, at("2022-07-01T00:00:00"), at("2022-07-10T00:00:00"));
  EXPECT_EQ(t.entries.size(), 3u);
}

TEST_F(PlannerTest, ChannelsAreIndependent) {
  auto a = rule("a", "2022-07-01T06:00:00", 40, 30min);
  auto b = rule("b", "2022-07-01T06:10:00", 60, 10min);
  b.channel = "kiosk";
  const auto t = day({a, b});
  EXPECT_EQ(summary(t), (std::vector<std::string>{"a airs 06:00-06:30", "b airs 06:10-06:20"}));
}

// Properties over many generated rules: per channel, aired parts never overlap, and
// every occurrence is accounted for.
TEST_F(PlannerTest, NoTwoBlocksAirAtOnceOnAChannel) {
  std::vector<Rule> rules;
  for (int i = 0; i < 60; ++i) {
    auto r = rule("r" + std::to_string(i), "2022-07-01T05:00:00", 30 + (i * 7) % 50,
                  std::chrono::minutes(10 + (i * 13) % 40), "FREQ=DAILY",
                  static_cast<OverlapPolicy>(i % 3));
    r.recurrence.dtstart += std::chrono::minutes((i * 37) % (16 * 60));
    r.channel = i % 2 ? "loudspeaker" : "kiosk";
    rules.push_back(r);
  }
  options.quiet.push_back({"loudspeaker", 21h + 30min, 5h, "21:30-05:00"});
  const auto t = plan(rules, options, zone, at("2022-07-01T00:00:00"), at("2022-07-08T00:00:00"));
  std::map<std::string, Instant> busy_until;
  for (const auto& e : t.entries) {
    if (e.status == EntryStatus::blocked || e.status == EntryStatus::dropped) continue;
    const auto& ch = t.rule_of(e).channel;
    EXPECT_GE(e.start, busy_until[ch]) << t.reason(e, zone);
    EXPECT_LE(e.start, e.end);
    busy_until[ch] = e.end;
  }
}

}  // namespace
}  // namespace loaxa::scheduler
