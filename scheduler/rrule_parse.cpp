#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

#include "scheduler/rrule.hpp"

namespace loaxa::scheduler {
namespace {

constexpr const char* kWeekdays[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};

[[noreturn]] void fail(std::string_view part, const std::string& why) {
  throw std::invalid_argument(std::string(part) + ": " + why);
}

int parse_int(std::string_view part, std::string_view text) {
  int v = 0;
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size()) {
    fail(part, "'" + std::string(text) + "' is not an integer");
  }
  return v;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t end = text.find(sep, pos);
    out.push_back(text.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

// Integers in [lo, hi], or with `negative` also in [-hi, -lo]; zero never.
std::vector<int> parse_list(std::string_view part, std::string_view value, int lo, int hi,
                            bool negative) {
  std::vector<int> out;
  for (std::string_view item : split(value, ',')) {
    const int v = parse_int(part, item);
    const bool ok = (v >= lo && v <= hi) || (negative && v <= -std::max(lo, 1) && v >= -hi);
    if (!ok || (v == 0 && lo > 0)) {
      fail(part, std::to_string(v) + " is out of range (" + std::to_string(lo) + " to " +
                     std::to_string(hi) + (negative ? ", or negative from the end)" : ")"));
    }
    out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

unsigned parse_weekday(std::string_view part, std::string_view text) {
  for (unsigned i = 0; i < 7; ++i) {
    if (text == kWeekdays[i]) return i;
  }
  fail(part, "'" + std::string(text) + "' is not a weekday (SU, MO, TU, WE, TH, FR, SA)");
}

std::vector<WeekdayNum> parse_byday(std::string_view part, std::string_view value) {
  std::vector<WeekdayNum> out;
  for (std::string_view item : split(value, ',')) {
    if (item.size() < 2) fail(part, "'" + std::string(item) + "' is not a weekday");
    WeekdayNum w;
    w.weekday = parse_weekday(part, item.substr(item.size() - 2));
    const std::string_view ord = item.substr(0, item.size() - 2);
    if (!ord.empty()) {
      w.ordinal = parse_int(part, ord);
      if (w.ordinal == 0 || w.ordinal > 53 || w.ordinal < -53) {
        fail(part, "ordinal " + std::string(ord) + " must be 1 to 53 or -1 to -53");
      }
    }
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

void parse_until(std::string_view part, std::string_view value, RecurrenceRule& rule) {
  const std::string bad = "expected YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ";
  auto digits = [&](std::size_t at, std::size_t n) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(value.data() + at, value.data() + at + n, v);
    if (ec != std::errc{} || ptr != value.data() + at + n) fail(part, bad);
    return v;
  };
  if (value.size() != 8 && value.size() != 15 && value.size() != 16) fail(part, bad);
  const date::year_month_day ymd{date::year{digits(0, 4)},
                                 date::month(static_cast<unsigned>(digits(4, 2))),
                                 date::day(static_cast<unsigned>(digits(6, 2)))};
  if (!ymd.ok()) fail(part, "not a calendar date");
  std::chrono::seconds tod{0};
  if (value.size() > 8) {
    if (value[8] != 'T') fail(part, bad);
    const int h = digits(9, 2), m = digits(11, 2), s = digits(13, 2);
    if (h > 23 || m > 59 || s > 60) fail(part, "not a time of day");
    tod = std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(s);
  } else {
    tod = std::chrono::hours(24) - std::chrono::seconds(1);  // a date includes its whole day
  }
  const LocalSeconds local{LocalDays{ymd}.time_since_epoch() + tod};
  if (value.size() == 16) {
    if (value[15] != 'Z') fail(part, bad);
    rule.until_utc = Instant{local.time_since_epoch()};
  } else {
    rule.until_local = local;
  }
}

}  // namespace

namespace {

Frequency parse_freq(std::string_view part, std::string_view value) {
  static const std::pair<const char*, Frequency> freqs[] = {
      {"YEARLY", Frequency::yearly}, {"MONTHLY", Frequency::monthly},
      {"WEEKLY", Frequency::weekly}, {"DAILY", Frequency::daily},
      {"HOURLY", Frequency::hourly}, {"MINUTELY", Frequency::minutely}};
  for (const auto& [n, f] : freqs) {
    if (value == n) return f;
  }
  fail(part, value == "SECONDLY"
                 ? "SECONDLY is not supported (a loudspeaker schedule needs minutes at most)"
                 : "expected YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY or MINUTELY");
}

std::uint32_t parse_positive(std::string_view part, std::string_view value) {
  const int v = parse_int(part, value);
  if (v < 1) fail(part, "must be a positive integer");
  return static_cast<std::uint32_t>(v);
}

// One NAME=VALUE part into the rule.
void read_part(RecurrenceRule& rule, const std::string& name, std::string_view part,
               std::string_view value) {
  if (name == "FREQ") {
    rule.freq = parse_freq(part, value);
  } else if (name == "INTERVAL") {
    rule.interval = parse_positive(part, value);
  } else if (name == "COUNT") {
    rule.count = parse_positive(part, value);
  } else if (name == "UNTIL") {
    parse_until(part, value, rule);
  } else if (name == "BYSECOND") {
    rule.by_second = parse_list(part, value, 0, 60, false);
  } else if (name == "BYMINUTE") {
    rule.by_minute = parse_list(part, value, 0, 59, false);
  } else if (name == "BYHOUR") {
    rule.by_hour = parse_list(part, value, 0, 23, false);
  } else if (name == "BYDAY") {
    rule.by_day = parse_byday(part, value);
  } else if (name == "BYMONTHDAY") {
    rule.by_month_day = parse_list(part, value, 1, 31, true);
  } else if (name == "BYYEARDAY") {
    rule.by_year_day = parse_list(part, value, 1, 366, true);
  } else if (name == "BYWEEKNO") {
    rule.by_week_no = parse_list(part, value, 1, 53, true);
  } else if (name == "BYMONTH") {
    rule.by_month = parse_list(part, value, 1, 12, false);
  } else if (name == "BYSETPOS") {
    rule.by_set_pos = parse_list(part, value, 1, 366, true);
  } else if (name == "WKST") {
    rule.wkst = parse_weekday(part, value);
  } else {
    fail(part, "unknown rule part " + name);
  }
}

// The combinations RFC 5545 3.3.10 rules out.
void check_combinations(const RecurrenceRule& rule) {
  if (rule.count && (rule.until_local || rule.until_utc)) {
    throw std::invalid_argument("COUNT and UNTIL must not both be given (RFC 5545 3.3.10)");
  }
  const bool ordinals = std::any_of(rule.by_day.begin(), rule.by_day.end(),
                                    [](const WeekdayNum& w) { return w.ordinal != 0; });
  if (ordinals && rule.freq != Frequency::monthly && rule.freq != Frequency::yearly) {
    throw std::invalid_argument(
        "BYDAY: ordinals such as 2TH only go with FREQ=MONTHLY or FREQ=YEARLY");
  }
  if (ordinals && rule.freq == Frequency::yearly && !rule.by_week_no.empty()) {
    throw std::invalid_argument("BYDAY: ordinals must not be used with BYWEEKNO");
  }
  if (!rule.by_week_no.empty() && rule.freq != Frequency::yearly) {
    throw std::invalid_argument("BYWEEKNO: only goes with FREQ=YEARLY");
  }
  if (!rule.by_year_day.empty() &&
      (rule.freq == Frequency::daily || rule.freq == Frequency::weekly ||
       rule.freq == Frequency::monthly)) {
    throw std::invalid_argument("BYYEARDAY: does not go with FREQ=DAILY, WEEKLY or MONTHLY");
  }
  if (!rule.by_month_day.empty() && rule.freq == Frequency::weekly) {
    throw std::invalid_argument("BYMONTHDAY: does not go with FREQ=WEEKLY");
  }
  if (!rule.by_set_pos.empty() && rule.by_second.empty() && rule.by_minute.empty() &&
      rule.by_hour.empty() && rule.by_day.empty() && rule.by_month_day.empty() &&
      rule.by_year_day.empty() && rule.by_week_no.empty() && rule.by_month.empty()) {
    throw std::invalid_argument("BYSETPOS: needs another BYxxx rule part to select from");
  }
}

}  // namespace

RecurrenceRule parse_rrule(std::string_view input) {
  std::string text(input);
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (text.starts_with("RRULE:")) text.erase(0, 6);
  RecurrenceRule rule;
  std::set<std::string> seen;
  for (std::string_view part : split(text, ';')) {
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) fail(part, "expected NAME=VALUE");
    const std::string name(part.substr(0, eq));
    const std::string_view value = part.substr(eq + 1);
    if (value.empty()) fail(part, "empty value");
    if (!seen.insert(name).second) fail(part, name + " is given twice");
    read_part(rule, name, part, value);
  }
  if (!seen.count("FREQ")) throw std::invalid_argument("FREQ is required (e.g. FREQ=DAILY)");
  check_combinations(rule);
  return rule;
}

}  // namespace loaxa::scheduler
