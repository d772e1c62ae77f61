#include "scheduler/local_time.hpp"

#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace loaxa::scheduler {
namespace {

using std::chrono::milliseconds;

bool read_int(std::string_view text, std::size_t& pos, std::size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  const char* begin = text.data() + pos;
  auto [ptr, ec] = std::from_chars(begin, begin + digits, out);
  if (ec != std::errc{} || ptr != begin + digits) return false;
  pos += digits;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

LocalDays make_day(int y, int m, int d, std::string_view text) {
  date::year_month_day ymd{date::year{y}, date::month(static_cast<unsigned>(m)),
                           date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) {
    throw std::invalid_argument("'" + std::string(text) + "' is not a valid calendar date");
  }
  return LocalDays{ymd};
}

}  // namespace

std::chrono::seconds parse_time_of_day(std::string_view text) {
  const std::string bad =
      "'" + std::string(text) + "' is not a time of day; expected \"HH:MM\" such as \"21:30\"";
  std::size_t pos = 0;
  int h = 0, m = 0, s = 0;
  if (!read_int(text, pos, 2, h) || !expect(text, pos, ':') || !read_int(text, pos, 2, m)) {
    throw std::invalid_argument(bad);
  }
  if (pos < text.size() && (!expect(text, pos, ':') || !read_int(text, pos, 2, s))) {
    throw std::invalid_argument(bad);
  }
  if (pos != text.size() || h > 23 || m > 59 || s > 59) throw std::invalid_argument(bad);
  return std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(s);
}

LocalDays parse_date(std::string_view text) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!read_int(text, pos, 4, y) || !expect(text, pos, '-') || !read_int(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_int(text, pos, 2, d) || pos != text.size()) {
    throw std::invalid_argument("'" + std::string(text) +
                                "' is not a date; expected \"YYYY-MM-DD\" such as \"2022-12-31\"");
  }
  return make_day(y, mo, d, text);
}

LocalSeconds parse_local_datetime(std::string_view text) {
  const std::string bad = "'" + std::string(text) +
                          "' is not a local date-time; expected \"YYYY-MM-DDTHH:MM:SS\" "
                          "such as \"2022-07-01T06:00:00\"";
  if (text.size() < 16 || (text[10] != 'T' && text[10] != ' ')) throw std::invalid_argument(bad);
  LocalDays day;
  try {
    day = parse_date(text.substr(0, 10));
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(bad);
  }
  std::chrono::seconds tod;
  try {
    tod = parse_time_of_day(text.substr(11));
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(bad);
  }
  return LocalSeconds{day.time_since_epoch() + tod};
}

std::string format_utc(std::int64_t unix_seconds) {
  return date::format("%FT%TZ", date::sys_seconds{std::chrono::seconds(unix_seconds)});
}

std::string format_local_datetime(LocalSeconds t) {
  return date::format("%Y-%m-%dT%H:%M:%S", t);
}

Zone::Zone(std::string_view name) : name_(name) {
  try {
    zone_ = date::locate_zone(name_);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown time zone '" + name_ +
                                "'; use an IANA name such as \"Asia/Ho_Chi_Minh\"");
  }
}

namespace {

// date::time_zone::get_info builds strings (the zone abbreviation) on every call; a
// planner converts hundreds of thousands of times a second within the same offset.
// These per-thread caches remember the last UTC-offset span seen.
struct SpanCache {
  const date::time_zone* zone = nullptr;
  std::int64_t begin = 0, end = 0;  // seconds since the epoch, UTC
  std::chrono::seconds offset{0};
};
thread_local SpanCache sys_cache;

}  // namespace

Instant Zone::to_instant(LocalSeconds local) const {
  const std::int64_t l = local.time_since_epoch().count();
  // Unique if it falls well inside a span (offsets never change by a day or more).
  const SpanCache& c = sys_cache;
  if (c.zone == zone_) {
    const std::int64_t u = l - c.offset.count();
    if (u >= c.begin + 86400 && u < c.end - 86400) return Instant{std::chrono::seconds(u)};
  }
  const auto info = zone_->get_info(local);
  if (info.result == date::local_info::unique) {
    sys_cache = {zone_, info.first.begin.time_since_epoch().count(),
                 info.first.end.time_since_epoch().count(), info.first.offset};
  }
  // Unique; ambiguous: the first of the two occurrences; nonexistent: interpreted with
  // the offset before the gap. All three take info.first's offset.
  return Instant{local.time_since_epoch() - info.first.offset};
}

LocalSeconds Zone::to_local_seconds(Instant t) const {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch();
  const SpanCache& c = sys_cache;
  if (c.zone != zone_ || secs.count() < c.begin || secs.count() >= c.end) {
    const auto info = zone_->get_info(date::sys_seconds{secs});
    sys_cache = {zone_, info.begin.time_since_epoch().count(), info.end.time_since_epoch().count(),
                 info.offset};
  }
  return LocalSeconds{secs + sys_cache.offset};
}

std::string Zone::format_iso(Instant t, bool with_ms) const {
  const auto ms = std::chrono::floor<milliseconds>(t);
  const auto info = zone_->get_info(date::sys_seconds{std::chrono::floor<std::chrono::seconds>(t)});
  const auto local = date::local_time<milliseconds>{ms.time_since_epoch() + info.offset};
  std::string out =
      with_ms ? date::format("%Y-%m-%dT%H:%M:%S", local)
              : date::format("%Y-%m-%dT%H:%M:%S", std::chrono::floor<std::chrono::seconds>(local));
  const auto off = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+',
                static_cast<int>(std::abs(off) / 60), static_cast<int>(std::abs(off) % 60));
  return out + buf;
}

Instant parse_iso_instant(std::string_view text, const Zone& zone) {
  const std::string bad = "'" + std::string(text) +
                          "' is not a date-time; expected ISO-8601 such as "
                          "\"2022-07-01T06:00:00+07:00\"";
  if (text.size() == 10) {  // a bare date means its local midnight
    return zone.to_instant(LocalSeconds{parse_date(text).time_since_epoch()});
  }
  if (text.size() < 19) throw std::invalid_argument(bad);
  LocalSeconds base;
  try {
    base = parse_local_datetime(text.substr(0, 19));
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(bad);
  }
  std::size_t pos = 19;
  std::chrono::nanoseconds frac{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 0) frac += std::chrono::nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) throw std::invalid_argument(bad);
  }
  if (pos == text.size()) return zone.to_instant(base) + frac;
  if (text[pos] == 'Z' && pos + 1 == text.size()) {
    return Instant{base.time_since_epoch()} + frac;
  }
  int oh = 0, om = 0;
  const char sign = text[pos++];
  if ((sign != '+' && sign != '-') || !read_int(text, pos, 2, oh) || !expect(text, pos, ':') ||
      !read_int(text, pos, 2, om) || pos != text.size()) {
    throw std::invalid_argument(bad);
  }
  const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
  const auto utc = base.time_since_epoch() - (sign == '+' ? offset : -offset);
  return Instant{utc} + frac;
}

}  // namespace loaxa::scheduler
