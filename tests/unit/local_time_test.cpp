#include "scheduler/local_time.hpp"

#include <gtest/gtest.h>

namespace loaxa::scheduler {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("5s"), 5s);
  EXPECT_EQ(parse_duration("90s"), 90s);
  EXPECT_EQ(parse_duration("10m"), 10min);
  EXPECT_EQ(parse_duration("1h30m"), 90min);
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("2d"), 48h);
}

TEST(ParseDuration, RefusesWhatIsNotADuration) {
  for (const char* bad : {"", "5", "s", "5x", "-5s", "1.5s", "5 s"}) {
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
  }
}

TEST(FormatDuration, RoundTrips) {
  for (const char* text : {"1h30m", "5s", "250ms", "2h", "1m5s"}) {
    EXPECT_EQ(format_duration(parse_duration(text)), text);
  }
  EXPECT_EQ(format_duration(0ms), "0s");
}

TEST(ParseTimeOfDay, HoursMinutesAndSeconds) {
  EXPECT_EQ(parse_time_of_day("21:30"), 21h + 30min);
  EXPECT_EQ(parse_time_of_day("05:00:15"), 5h + 15s);
  for (const char* bad : {"24:00", "9:30", "21:60", "21:30:", "2130", ""}) {
    EXPECT_THROW(parse_time_of_day(bad), std::invalid_argument) << bad;
  }
}

TEST(ParseLocalDatetime, ValidatesTheCalendar) {
  EXPECT_EQ(format_local_datetime(parse_local_datetime("2022-07-01T06:00:00")),
            "2022-07-01T06:00:00");
  EXPECT_EQ(format_local_datetime(parse_local_datetime("2022-07-01T06:00")), "2022-07-01T06:00:00");
  EXPECT_EQ(format_local_datetime(parse_local_datetime("2024-02-29T00:00:00")),
            "2024-02-29T00:00:00");
  for (const char* bad : {"2022-02-30T06:00:00", "2023-02-29T00:00:00", "2022-13-01T00:00:00",
                          "2022-07-01 6:00", "01/07/2022 06:00", "2022-07-01"}) {
    EXPECT_THROW(parse_local_datetime(bad), std::invalid_argument) << bad;
  }
}

TEST(Zone, VietnamHasNoDst) {
  const Zone hcm("Asia/Ho_Chi_Minh");
  const Instant t = hcm.to_instant(parse_local_datetime("2022-07-01T06:00:00"));
  EXPECT_EQ(hcm.format_iso(t), "2022-07-01T06:00:00.000+07:00");
  EXPECT_EQ(hcm.format_iso(t, false), "2022-07-01T06:00:00+07:00");
  EXPECT_EQ(hcm.format_iso(t + 12ms), "2022-07-01T06:00:00.012+07:00");
}

TEST(Zone, UnknownZoneIsAnError) {
  EXPECT_THROW(Zone("Asia/Hanoi_Typo"), std::invalid_argument);
}

// RFC 5545 3.3.5: a local time in a DST gap takes the offset before the gap; one that
// occurs twice means the first occurrence.
TEST(Zone, DstGapMovesForward) {
  const Zone ny("America/New_York");
  const Instant t = ny.to_instant(parse_local_datetime("2022-03-13T02:30:00"));
  EXPECT_EQ(ny.format_iso(t, false), "2022-03-13T03:30:00-04:00");
}

TEST(Zone, DstOverlapTakesFirst) {
  const Zone ny("America/New_York");
  const Instant t = ny.to_instant(parse_local_datetime("2022-11-06T01:30:00"));
  EXPECT_EQ(ny.format_iso(t, false), "2022-11-06T01:30:00-04:00");
}

TEST(ParseIsoInstant, OffsetsFractionsAndLocal) {
  const Zone hcm("Asia/Ho_Chi_Minh");
  const Instant a = parse_iso_instant("2022-07-01T06:00:00.012+07:00", hcm);
  EXPECT_EQ(hcm.format_iso(a), "2022-07-01T06:00:00.012+07:00");
  EXPECT_EQ(parse_iso_instant("2022-06-30T23:00:00Z", hcm),
            parse_iso_instant("2022-07-01T06:00:00", hcm));
  EXPECT_EQ(parse_iso_instant("2022-07-01", hcm), parse_iso_instant("2022-07-01T00:00:00", hcm));
  EXPECT_THROW(parse_iso_instant("2022-07-01T06:00:00+7", hcm), std::invalid_argument);
  EXPECT_THROW(parse_iso_instant("yesterday", hcm), std::invalid_argument);
}

}  // namespace
}  // namespace loaxa::scheduler
