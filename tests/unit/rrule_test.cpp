#include "scheduler/rrule.hpp"

#include <gtest/gtest.h>

namespace loaxa::scheduler {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> occurrences(const std::string& rule, const std::string& dtstart,
                                     const std::string& zone_name = "Asia/Ho_Chi_Minh") {
  const Zone zone(zone_name);
  const auto start = parse_local_datetime(dtstart);
  const Instant from = zone.to_instant(start);
  std::vector<std::string> out;
  for (const Instant t : expand(parse_rrule(rule), start, zone, from, from + 24h * 400, 50)) {
    out.push_back(zone.format_iso(t, false));
  }
  return out;
}

TEST(Rrule, DailyWithCount) {
  const auto got = occurrences("FREQ=DAILY;COUNT=3", "2022-07-01T06:00:00");
  EXPECT_EQ(got, (std::vector<std::string>{"2022-07-01T06:00:00+07:00", "2022-07-02T06:00:00+07:00",
                                           "2022-07-03T06:00:00+07:00"}));
}

TEST(Rrule, WeeklyWithIntervalAndUntil) {
  // RFC 5545 3.8.5.3 "Every other week ... until" shape, without BYDAY.
  const auto got =
      occurrences("FREQ=WEEKLY;INTERVAL=2;UNTIL=20220801T000000", "2022-07-01T07:30:00");
  EXPECT_EQ(got, (std::vector<std::string>{"2022-07-01T07:30:00+07:00", "2022-07-15T07:30:00+07:00",
                                           "2022-07-29T07:30:00+07:00"}));
}

TEST(Rrule, UntilDateIncludesThatDay) {
  const auto got = occurrences("FREQ=DAILY;UNTIL=20220703", "2022-07-01T17:00:00");
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(got.back(), "2022-07-03T17:00:00+07:00");
}

TEST(Rrule, DailyKeepsLocalTimeAcrossDst) {
  // RFC 5545: recurrences keep their local time; New York changes offset on 2022-03-13.
  const auto got = occurrences("FREQ=DAILY;COUNT=3", "2022-03-12T09:00:00", "America/New_York");
  EXPECT_EQ(got, (std::vector<std::string>{"2022-03-12T09:00:00-05:00", "2022-03-13T09:00:00-04:00",
                                           "2022-03-14T09:00:00-04:00"}));
}

TEST(Rrule, ErrorsNameTheOffendingPart) {
  auto message = [](const char* rule) {
    try {
      parse_rrule(rule);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("FREQ=DAILY;INTERVAL=0").find("INTERVAL=0"), std::string::npos);
  EXPECT_NE(message("FREQ=SOMETIMES").find("FREQ=SOMETIMES"), std::string::npos);
  EXPECT_NE(message("INTERVAL=2").find("FREQ is required"), std::string::npos);
  EXPECT_NE(message("FREQ=DAILY;COUNT=2;UNTIL=20220801").find("COUNT and UNTIL"),
            std::string::npos);
  EXPECT_NE(message("FREQ=DAILY;UNTIL=2022-08-01").find("UNTIL=2022-08-01"), std::string::npos);
  EXPECT_NE(message("FREQ=DAILY;FOO").find("FOO"), std::string::npos);
}

TEST(Rrule, WindowSelectsOccurrences) {
  const Zone zone("Asia/Ho_Chi_Minh");
  const auto start = parse_local_datetime("2022-07-01T06:00:00");
  const Instant from = zone.to_instant(parse_local_datetime("2022-07-10T00:00:00"));
  const auto got = expand(parse_rrule("FREQ=DAILY"), start, zone, from, from + 48h);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(zone.format_iso(got[0], false), "2022-07-10T06:00:00+07:00");
}

}  // namespace
}  // namespace loaxa::scheduler

namespace loaxa::scheduler {
namespace {

// 2022 has 52 weeks with WKST=TU (week 1 starts Tue 4 Jan 2022, week 1 of 2023 on Tue
// 3 Jan 2023), so 1 January 2023 is in week 52 of 2022, not in a week 53.
// python-dateutil 2.8 answers 2023-01-01 here (it sizes 2022 by 2023's length).
TEST(Rrule, WeekNumbersFollowTheRfcAtYearEnds) {
  const RecurrenceSet set{parse_local_datetime("2022-06-03T09:00:00"),
                          parse_rrule("FREQ=YEARLY;WKST=TU;BYWEEKNO=53;BYDAY=SU"),
                          {},
                          {}};
  const auto got = expand_local(set, parse_local_datetime("2022-01-01T00:00:00"),
                                parse_local_datetime("2024-01-01T00:00:00"));
  EXPECT_TRUE(got.empty()) << format_local_datetime(got.front());
  const RecurrenceSet last{
      set.dtstart, parse_rrule("FREQ=YEARLY;WKST=TU;BYWEEKNO=-1;BYDAY=SU"), {}, {}};
  const auto got_last = expand_local(last, parse_local_datetime("2022-06-01T00:00:00"),
                                     parse_local_datetime("2023-06-01T00:00:00"));
  ASSERT_EQ(got_last.size(), 1u);
  EXPECT_EQ(format_local_datetime(got_last[0]), "2023-01-01T09:00:00");
}

TEST(Rrule, InvalidDatesAreSkipped) {
  const RecurrenceSet set{
      parse_local_datetime("2022-01-31T06:00:00"), parse_rrule("FREQ=MONTHLY;COUNT=4"), {}, {}};
  std::vector<std::string> got;
  for (auto t : expand_local(set, set.dtstart, parse_local_datetime("2023-01-01T00:00:00"))) {
    got.push_back(format_local_datetime(t));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"2022-01-31T06:00:00", "2022-03-31T06:00:00",
                                           "2022-05-31T06:00:00", "2022-07-31T06:00:00"}));
}

TEST(Rrule, ExdateAndRdate) {
  RecurrenceSet set{parse_local_datetime("2022-09-01T06:00:00"),
                    parse_rrule("FREQ=DAILY;COUNT=3"),
                    {parse_local_datetime("2022-09-10T17:00:00")},
                    {parse_local_datetime("2022-09-02T06:00:00")}};
  std::vector<std::string> got;
  for (auto t : expand_local(set, set.dtstart, parse_local_datetime("2023-01-01T00:00:00"))) {
    got.push_back(format_local_datetime(t));
  }
  // National Day (2 September) is excluded; COUNT counts before EXDATE, as RFC 5545 says.
  EXPECT_EQ(got, (std::vector<std::string>{"2022-09-01T06:00:00", "2022-09-03T06:00:00",
                                           "2022-09-10T17:00:00"}));
}

TEST(Rrule, SecondAndFourthThursdayAtHalfPastSeven) {
  const Zone zone("Asia/Ho_Chi_Minh");
  const auto got =
      expand(parse_rrule("FREQ=MONTHLY;BYDAY=2TH,4TH"), parse_local_datetime("2022-07-01T07:30:00"),
             zone, zone.to_instant(parse_local_datetime("2022-07-01T00:00:00")),
             zone.to_instant(parse_local_datetime("2022-09-01T00:00:00")));
  std::vector<std::string> s;
  for (auto t : got) s.push_back(zone.format_iso(t, false));
  EXPECT_EQ(s,
            (std::vector<std::string>{"2022-07-14T07:30:00+07:00", "2022-07-28T07:30:00+07:00",
                                      "2022-08-11T07:30:00+07:00", "2022-08-25T07:30:00+07:00"}));
}

TEST(Rrule, HourlyAcrossADstGapNeverRepeatsAnInstant) {
  const Zone ny("America/New_York");
  const auto got =
      expand(parse_rrule("FREQ=HOURLY;COUNT=5"), parse_local_datetime("2022-03-13T00:30:00"), ny,
             ny.to_instant(parse_local_datetime("2022-03-13T00:00:00")),
             ny.to_instant(parse_local_datetime("2022-03-14T00:00:00")));
  std::vector<std::string> s;
  for (auto t : got) s.push_back(ny.format_iso(t, false));
  // 02:30 does not exist: it becomes 03:30, which the rule also produces; one of them.
  EXPECT_EQ(s,
            (std::vector<std::string>{"2022-03-13T00:30:00-05:00", "2022-03-13T01:30:00-05:00",
                                      "2022-03-13T03:30:00-04:00", "2022-03-13T04:30:00-04:00"}));
}

}  // namespace
}  // namespace loaxa::scheduler
