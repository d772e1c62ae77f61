#pragma once
// RFC 5545 recurrence rules. The walking skeleton understands FREQ (DAILY, WEEKLY),
// INTERVAL, COUNT and UNTIL; any other part is refused by name so that a rule is
// never silently misread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/local_time.hpp"

namespace loaxa::scheduler {

enum class Frequency { daily, weekly };

struct RecurrenceRule {
  Frequency freq = Frequency::daily;
  std::uint32_t interval = 1;
  std::optional<std::uint32_t> count;
  // UNTIL as a local date-time (a UTC "Z" value is kept as an instant).
  std::optional<LocalSeconds> until_local;
  std::optional<Instant> until_utc;
};

// Throws std::invalid_argument naming the offending part ("BYDAY=2TH: not supported ...").
RecurrenceRule parse_rrule(std::string_view text);

// Occurrences of `rule` starting at `dtstart` (which is the first occurrence), in local
// time, that lie in [from, to) once converted with `zone`; at most `limit` of them.
std::vector<Instant> expand(const RecurrenceRule& rule, LocalSeconds dtstart, const Zone& zone,
                            Instant from, Instant to, std::size_t limit = 100000);

}  // namespace loaxa::scheduler
