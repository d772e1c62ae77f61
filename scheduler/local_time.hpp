#pragma once
// Time as the config, the schedule and the airtime log speak it: durations ("1h30m"),
// times of day ("21:30"), local dates and date-times in the box's IANA time zone,
// and ISO-8601 with offset for output. Parsers throw std::invalid_argument whose
// message says what was expected.

#include <date/tz.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/duration.hpp"

namespace loaxa::scheduler {

using Clock = std::chrono::system_clock;
using Instant = std::chrono::time_point<Clock, std::chrono::nanoseconds>;
using LocalSeconds = date::local_seconds;
using LocalDays = date::local_days;

// Durations are common/'s ("5s", "1h30m"); the scheduler names them too.
using loaxa::format_duration;
using loaxa::parse_duration;

// "21:30" or "21:30:15" -> time since midnight. Throws std::invalid_argument.
std::chrono::seconds parse_time_of_day(std::string_view text);

// "2022-07-01T06:00:00" (seconds optional). Throws std::invalid_argument.
LocalSeconds parse_local_datetime(std::string_view text);
// "2022-12-31". Throws std::invalid_argument.
LocalDays parse_date(std::string_view text);
std::string format_local_datetime(LocalSeconds t);  // "2022-07-01T06:00:00"
// Unix seconds as UTC ISO-8601, "2022-06-30T23:00:00Z" (stamps in files and status).
std::string format_utc(std::int64_t unix_seconds);

// An IANA zone ("Asia/Ho_Chi_Minh"). Throws std::invalid_argument for unknown names.
class Zone {
 public:
  explicit Zone(std::string_view name);
  const std::string& name() const { return name_; }

  // Local wall time to an instant, as RFC 5545 says: a time inside a DST gap is
  // moved forward by the gap's length; a time that occurs twice means the first one.
  Instant to_instant(LocalSeconds local) const;
  LocalSeconds to_local_seconds(Instant t) const;
  // "2022-07-01T06:00:00.012+07:00" (milliseconds only when asked for).
  std::string format_iso(Instant t, bool milliseconds = true) const;

 private:
  std::string name_;
  const date::time_zone* zone_;
};

// Parses "2022-07-01T06:00:00.012+07:00" (fraction and offset optional; "Z" allowed).
// Without an offset the text is local to `zone`. Throws std::invalid_argument.
Instant parse_iso_instant(std::string_view text, const Zone& zone);

}  // namespace loaxa::scheduler
