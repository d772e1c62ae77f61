// The examples of RFC 5545 section 3.8.5.3, transcribed as a table (DTSTART in
// America/New_York, a zone with DST, as in the RFC). Unbounded rules are compared on
// their first 100 occurrences before 2200 (nanosecond instants end in 2262).

#include <gtest/gtest.h>

#include "scheduler/rrule.hpp"

namespace loaxa::scheduler {
namespace {

struct Case {
  const char* name;
  const char* dtstart;
  const char* rrule;
  const char* exdate;
  const char* expected;  // comma-separated local YYYYMMDDTHHMMSS
};

const Case kCases[] = {
#include "rfc5545_cases.inc"
};

LocalSeconds basic(const std::string& s) {
  return parse_local_datetime(s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" +
                              s.substr(9, 2) + ":" + s.substr(11, 2) + ":" + s.substr(13, 2));
}

class Rfc5545 : public ::testing::TestWithParam<Case> {};

TEST_P(Rfc5545, MatchesTheRfc) {
  const Case& c = GetParam();
  const Zone ny("America/New_York");
  RecurrenceSet set{basic(c.dtstart), parse_rrule(c.rrule), {}, {}};
  if (*c.exdate) set.exdates.push_back(basic(c.exdate));
  const Instant from = ny.to_instant(set.dtstart);
  const Instant to = ny.to_instant(parse_local_datetime("2200-01-01T00:00:00"));
  std::string got;
  for (const Instant t : expand(set, ny, from, to, 100)) {
    if (!got.empty()) got += ",";
    got += date::format("%Y%m%dT%H%M%S", ny.to_local_seconds(t));
  }
  EXPECT_EQ(got, c.expected) << c.name << "\n  " << c.rrule;
}

INSTANTIATE_TEST_SUITE_P(Section3853, Rfc5545, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return "example_" + std::to_string(info.index);
                         });

}  // namespace
}  // namespace loaxa::scheduler
