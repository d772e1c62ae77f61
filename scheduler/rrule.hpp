#pragma once
// RFC 5545 recurrence: RRULE (FREQ MINUTELY..YEARLY, INTERVAL, COUNT, UNTIL, BYSECOND,
// BYMINUTE, BYHOUR, BYDAY with ordinals, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH,
// BYSETPOS, WKST) plus RDATE and EXDATE, expanded in local time and converted to
// instants in an IANA zone. Semantics follow RFC 5545 as python-dateutil implements it:
// a DTSTART that the rule does not produce is not an occurrence; invalid dates (30
// February) are skipped.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/local_time.hpp"

namespace loaxa::scheduler {

enum class Frequency { yearly, monthly, weekly, daily, hourly, minutely };

struct WeekdayNum {
  int ordinal = 0;       // 0: every such weekday; otherwise ±1..53 (the 2nd, the last, ...)
  unsigned weekday = 0;  // 0 = Sunday ... 6 = Saturday (date::weekday encoding)
  bool operator==(const WeekdayNum&) const = default;
};

struct RecurrenceRule {
  Frequency freq = Frequency::daily;
  std::uint32_t interval = 1;
  std::optional<std::uint32_t> count;
  std::optional<LocalSeconds> until_local;  // UNTIL as local time (or a date: its whole day)
  std::optional<Instant> until_utc;         // UNTIL=...Z
  std::vector<int> by_second, by_minute, by_hour;
  std::vector<WeekdayNum> by_day;
  std::vector<int> by_month_day, by_year_day, by_week_no, by_month, by_set_pos;
  unsigned wkst = 1;  // Monday
};

// Throws std::invalid_argument naming the offending part ("BYMONTHDAY=32: ...").
RecurrenceRule parse_rrule(std::string_view text);

// A DTSTART with an optional rule, extra dates (RDATE) and excluded ones (EXDATE).
struct RecurrenceSet {
  LocalSeconds dtstart;
  std::optional<RecurrenceRule> rule;  // none: dtstart is the only date (plus RDATEs)
  std::vector<LocalSeconds> rdates;
  std::vector<LocalSeconds> exdates;
};

// Local occurrences in [from, to) (local time), sorted and unique, at most `limit`.
// COUNT is counted from DTSTART whatever the window.
std::vector<LocalSeconds> expand_local(const RecurrenceSet& set, LocalSeconds from, LocalSeconds to,
                                       std::size_t limit = 1'000'000);

// The same as instants: local times converted with `zone` (RFC 5545 rules for DST gaps
// and overlaps), keeping those in [from, to).
std::vector<Instant> expand(const RecurrenceSet& set, const Zone& zone, Instant from, Instant to,
                            std::size_t limit = 1'000'000);

// Convenience for a plain rule starting at dtstart.
std::vector<Instant> expand(const RecurrenceRule& rule, LocalSeconds dtstart, const Zone& zone,
                            Instant from, Instant to, std::size_t limit = 1'000'000);

}  // namespace loaxa::scheduler
