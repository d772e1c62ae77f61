#include "scheduler/rrule.hpp"

#include <charconv>
#include <stdexcept>

namespace loaxa::scheduler {
namespace {

std::uint32_t parse_positive(std::string_view name, std::string_view value) {
  std::uint32_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || ptr != value.data() + value.size() || n == 0) {
    throw std::invalid_argument(std::string(name) + "=" + std::string(value) +
                                ": expected a positive integer");
  }
  return n;
}

void parse_until(std::string_view value, RecurrenceRule& rule) {
  // RFC 5545: UNTIL=19971224T000000Z, UNTIL=19971224T000000 or UNTIL=19971224.
  const std::string bad =
      "UNTIL=" + std::string(value) + ": expected YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ";
  auto digits = [&](std::size_t at, std::size_t n) {
    int v = 0;
    if (at + n > value.size()) throw std::invalid_argument(bad);
    auto [ptr, ec] = std::from_chars(value.data() + at, value.data() + at + n, v);
    if (ec != std::errc{} || ptr != value.data() + at + n) throw std::invalid_argument(bad);
    return v;
  };
  if (value.size() != 8 && value.size() != 15 && value.size() != 16) {
    throw std::invalid_argument(bad);
  }
  date::year_month_day ymd{date::year{digits(0, 4)},
                           date::month(static_cast<unsigned>(digits(4, 2))),
                           date::day(static_cast<unsigned>(digits(6, 2)))};
  if (!ymd.ok()) throw std::invalid_argument(bad);
  std::chrono::seconds tod{0};
  if (value.size() > 8) {
    if (value[8] != 'T') throw std::invalid_argument(bad);
    tod = std::chrono::hours(digits(9, 2)) + std::chrono::minutes(digits(11, 2)) +
          std::chrono::seconds(digits(13, 2));
  } else {
    tod = std::chrono::hours(24) - std::chrono::seconds(1);  // a date includes its whole day
  }
  const LocalSeconds local{LocalDays{ymd}.time_since_epoch() + tod};
  if (value.size() == 16) {
    if (value[15] != 'Z') throw std::invalid_argument(bad);
    rule.until_utc = Instant{local.time_since_epoch()};
  } else {
    rule.until_local = local;
  }
}

}  // namespace

RecurrenceRule parse_rrule(std::string_view text) {
  RecurrenceRule rule;
  bool have_freq = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find(';', pos), text.size());
    const std::string_view part = text.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      throw std::invalid_argument(std::string(part) + ": expected NAME=VALUE");
    }
    const std::string_view name = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (name == "FREQ") {
      if (value == "DAILY") {
        rule.freq = Frequency::daily;
      } else if (value == "WEEKLY") {
        rule.freq = Frequency::weekly;
      } else {
        throw std::invalid_argument("FREQ=" + std::string(value) +
                                    ": not supported yet (DAILY and WEEKLY are)");
      }
      have_freq = true;
    } else if (name == "INTERVAL") {
      rule.interval = parse_positive(name, value);
    } else if (name == "COUNT") {
      rule.count = parse_positive(name, value);
    } else if (name == "UNTIL") {
      parse_until(value, rule);
    } else {
      throw std::invalid_argument(std::string(part) + ": rule part " + std::string(name) +
                                  " is not supported yet");
    }
  }
  if (!have_freq) throw std::invalid_argument("FREQ is required (e.g. FREQ=DAILY)");
  if (rule.count && (rule.until_local || rule.until_utc)) {
    throw std::invalid_argument("COUNT and UNTIL must not both be given (RFC 5545 3.3.10)");
  }
  return rule;
}

std::vector<Instant> expand(const RecurrenceRule& rule, LocalSeconds dtstart, const Zone& zone,
                            Instant from, Instant to, std::size_t limit) {
  std::vector<Instant> out;
  const auto step = date::days((rule.freq == Frequency::weekly ? 7 : 1) * rule.interval);
  std::uint32_t produced = 0;
  for (LocalSeconds local = dtstart;; local += step) {
    if (rule.count && produced >= *rule.count) break;
    if (rule.until_local && local > *rule.until_local) break;
    const Instant at = zone.to_instant(local);
    if (rule.until_utc && at > *rule.until_utc) break;
    if (at >= to) break;
    ++produced;
    if (at >= from) {
      out.push_back(at);
      if (out.size() >= limit) break;
    }
  }
  return out;
}

}  // namespace loaxa::scheduler
