#include "cli/occurrences.hpp"

#include <cstdlib>
#include <iostream>

#include "scheduler/rrule.hpp"

namespace loaxa::cli {

const char* const kOccurrencesHelp =
    "Usage: loaxa occurrences --dtstart LOCAL_DATETIME --rrule RRULE [--exdate LIST]\n"
    "                         [--count N] [--until LOCAL_DATETIME] [--tz ZONE]\n"
    "\n"
    "Offline: prints the occurrences of an RFC 5545 recurrence, one local date-time\n"
    "YYYY-MM-DDTHH:MM:SS per line, sorted, at most --count (default 100), none after\n"
    "--until. LIST is comma-separated local date-times to exclude (EXDATE). --tz is an\n"
    "IANA zone (default: the system zone); a time that does not exist on a DST change is\n"
    "printed as the time it becomes (02:30 -> 03:30), as RFC 5545 says.\n"
    "\n"
    "Example: loaxa occurrences --dtstart 2022-07-14T07:30:00 \\\n"
    "           --rrule 'FREQ=MONTHLY;BYDAY=2TH,4TH' --count 4\n";

namespace {

std::string system_zone() {
  if (const char* tz = std::getenv("TZ"); tz && *tz) return *tz == ':' ? tz + 1 : tz;
  try {
    return date::current_zone()->name();
  } catch (const std::exception&) {
    return "UTC";
  }
}

scheduler::LocalSeconds local_arg(const std::string& name, const std::string& value) {
  try {
    return scheduler::parse_local_datetime(value);
  } catch (const std::invalid_argument& e) {
    throw BadInput("--" + name + ": " + e.what());
  }
}

}  // namespace

int cmd_occurrences(const Args& a) {
  only_options(a, {"dtstart", "rrule", "exdate", "count", "until", "tz"});
  if (!a.options.count("dtstart"))
    throw BadInput("--dtstart is required (e.g. 2022-07-01T06:00:00)");
  if (!a.options.count("rrule")) throw BadInput("--rrule is required (e.g. FREQ=DAILY)");
  scheduler::RecurrenceSet set;
  set.dtstart = local_arg("dtstart", a.options.at("dtstart"));
  try {
    set.rule = scheduler::parse_rrule(a.options.at("rrule"));
  } catch (const std::invalid_argument& e) {
    throw BadInput(std::string("--rrule: ") + e.what());
  }
  if (a.options.count("exdate")) {
    const std::string list = a.options.at("exdate");
    std::size_t pos = 0;
    while (pos <= list.size()) {
      const std::size_t comma = std::min(list.find(',', pos), list.size());
      if (comma > pos) set.exdates.push_back(local_arg("exdate", list.substr(pos, comma - pos)));
      pos = comma + 1;
    }
  }
  std::size_t count = 100;
  if (a.options.count("count")) {
    try {
      const long n = std::stol(a.options.at("count"));
      if (n < 1) throw std::invalid_argument("");
      count = static_cast<std::size_t>(n);
    } catch (const std::exception&) {
      throw BadInput("--count must be a positive integer");
    }
  }
  const std::string zone_name = a.options.count("tz") ? a.options.at("tz") : system_zone();
  std::optional<scheduler::Zone> zone;
  try {
    zone.emplace(zone_name);
  } catch (const std::invalid_argument& e) {
    throw BadInput(std::string("--tz: ") + e.what());
  }
  const scheduler::Instant from = zone->to_instant(set.dtstart);
  // Nanosecond instants end in 2262: stop well before.
  scheduler::Instant to = zone->to_instant(scheduler::parse_local_datetime("2200-01-01T00:00:00"));
  if (a.options.count("until")) {
    to = zone->to_instant(local_arg("until", a.options.at("until"))) + std::chrono::nanoseconds(1);
  }
  std::string out;
  for (const auto t : scheduler::expand(set, *zone, from, to, count)) {
    out += scheduler::format_local_datetime(zone->to_local_seconds(t));
    out += '\n';
  }
  std::cout << out;
  return 0;
}

}  // namespace loaxa::cli
