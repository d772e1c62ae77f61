#include "scheduler/rrule.hpp"

#include <algorithm>
#include <cstdint>

namespace loaxa::scheduler {
namespace {

using std::int64_t;
constexpr int64_t kDay = 86400;

int64_t days_of(int y, unsigned m, unsigned d) {
  return date::sys_days{date::year{y} / date::month{m} / date::day{d}}.time_since_epoch().count();
}

bool is_leap(int y) {
  return date::year{y}.is_leap();
}

unsigned month_length(int y, unsigned m) {
  static constexpr unsigned kLen[] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kLen[m];
}

unsigned weekday_of(int64_t dn) {  // 0 = Sunday; 1970-01-01 was a Thursday
  return static_cast<unsigned>(((dn % 7) + 7 + 4) % 7);
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// The rule with RFC 5545's defaults filled in from DTSTART, in a form cheap to test
// one day or one time against.
class Expander {
 public:
  Expander(const RecurrenceRule& r, LocalSeconds dtstart) : r_(r) {
    const int64_t secs = dtstart.time_since_epoch().count();
    start_day_ = floor_div(secs, kDay);
    const int64_t tod = secs - start_day_ * kDay;
    const date::year_month_day ymd{date::sys_days{date::days{start_day_}}};
    y0_ = static_cast<int>(ymd.year());
    m0_ = static_cast<unsigned>(ymd.month());
    d0_ = static_cast<unsigned>(ymd.day());
    dtstart_ = secs;

    for (int m : r.by_month) month_mask_ |= 1u << m;
    month_days_ = r.by_month_day;
    for (const auto& w : r.by_day) {
      if (w.ordinal == 0) {
        weekday_mask_ |= 1u << w.weekday;
      } else {
        ordinal_days_.push_back(w);
      }
    }
    if (r.by_week_no.empty() && r.by_year_day.empty() && r.by_month_day.empty() &&
        r.by_day.empty()) {
      if (r.freq == Frequency::yearly) {
        if (!month_mask_) month_mask_ = 1u << m0_;
        month_days_ = {static_cast<int>(d0_)};
      } else if (r.freq == Frequency::monthly) {
        month_days_ = {static_cast<int>(d0_)};
      } else if (r.freq == Frequency::weekly) {
        weekday_mask_ = 1u << weekday_of(start_day_);
      }
    }
    const int h0 = static_cast<int>(tod / 3600), mi0 = static_cast<int>(tod / 60 % 60),
              s0 = static_cast<int>(tod % 60);
    hours_ = !r.by_hour.empty()           ? r.by_hour
             : r.freq <= Frequency::daily ? std::vector<int>{h0}
                                          : std::vector<int>{};
    minutes_ = !r.by_minute.empty()          ? r.by_minute
               : r.freq <= Frequency::hourly ? std::vector<int>{mi0}
                                             : std::vector<int>{};
    seconds_ = !r.by_second.empty() ? r.by_second : std::vector<int>{s0};
    // Times of day for the coarse frequencies, sorted.
    if (r.freq <= Frequency::daily) {
      for (int h : hours_) {
        for (int m : minutes_) {
          for (int s : seconds_) times_.push_back(h * 3600 + m * 60 + s);
        }
      }
    }
    simple_day_ = !month_mask_ && month_days_.empty() && r.by_year_day.empty() &&
                  r.by_week_no.empty() && !weekday_mask_ && ordinal_days_.empty();
  }

  // Calls emit(local seconds) for each occurrence in order until it returns false.
  template <typename Emit>
  void run(int64_t from, int64_t to, Emit&& emit) {
    const bool window_skip = !r_.count;
    std::uint32_t produced = 0;
    auto offer = [&](int64_t t) {
      if (t < dtstart_) return true;
      if (r_.until_local && t > r_.until_local->time_since_epoch().count()) return false;
      // UNTIL in UTC is checked exactly on instants by the caller; no zone is 14 h off.
      if (r_.until_utc &&
          t > r_.until_utc->time_since_epoch().count() / 1'000'000'000 + 14 * 3600) {
        return false;
      }
      if (r_.count && produced >= *r_.count) return false;
      ++produced;
      if (t >= to) return false;
      if (t >= from) return emit(t);
      return true;
    };
    const int64_t every = r_.interval;
    switch (r_.freq) {
      case Frequency::yearly: {
        int64_t k = window_skip ? std::max<int64_t>(
                                      0, (floor_div(from, kDay * 366) + 1970 - y0_) / every - 1)
                                : 0;
        for (;; ++k) {
          const int y = static_cast<int>(y0_ + k * every);
          if (y > 9999 || days_of(y, 1, 1) * kDay >= to) return;
          days_.clear();
          for (unsigned m = 1; m <= 12; ++m) {
            if (month_mask_ && !(month_mask_ & (1u << m))) continue;
            const int64_t first = days_of(y, m, 1);
            for (unsigned d = 1, n = month_length(y, m); d <= n; ++d) {
              if (day_matches(y, m, d, first + d - 1)) days_.push_back(first + d - 1);
            }
          }
          if (!emit_period(offer)) return;
        }
      }
      case Frequency::monthly: {
        const int64_t month0 = static_cast<int64_t>(y0_) * 12 + (m0_ - 1);
        int64_t k = 0;
        if (window_skip) {
          const date::year_month_day f{date::sys_days{date::days{floor_div(from, kDay)}}};
          const int64_t fm = static_cast<int64_t>(static_cast<int>(f.year())) * 12 +
                             (static_cast<unsigned>(f.month()) - 1);
          k = std::max<int64_t>(0, (fm - month0) / every - 1);
        }
        for (;; ++k) {
          const int64_t mi = month0 + k * every;
          const int y = static_cast<int>(floor_div(mi, 12));
          const unsigned m = static_cast<unsigned>(mi - int64_t{y} * 12 + 1);
          if (y > 9999 || days_of(y, m, 1) * kDay >= to) return;
          days_.clear();
          if (!month_mask_ || (month_mask_ & (1u << m))) {
            const int64_t first = days_of(y, m, 1);
            for (unsigned d = 1, n = month_length(y, m); d <= n; ++d) {
              if (day_matches(y, m, d, first + d - 1)) days_.push_back(first + d - 1);
            }
          }
          if (!emit_period(offer)) return;
        }
      }
      case Frequency::weekly:
      case Frequency::daily: {
        const bool weekly = r_.freq == Frequency::weekly;
        const int64_t step = (weekly ? 7 : 1) * every;
        const int64_t base =
            weekly ? start_day_ - ((weekday_of(start_day_) + 7 - r_.wkst) % 7) : start_day_;
        int64_t k =
            window_skip ? std::max<int64_t>(0, (floor_div(from, kDay) - base) / step - 1) : 0;
        for (;; ++k) {
          const int64_t first = base + k * step;
          if (first * kDay >= to || first > 2932896) return;  // 9999-12-31
          days_.clear();
          for (int64_t dn = first; dn < first + (weekly ? 7 : 1); ++dn) {
            if (simple_day_ || day_matches(dn)) days_.push_back(dn);
          }
          if (!emit_period(offer)) return;
        }
      }
      case Frequency::hourly:
      case Frequency::minutely: {
        const bool hourly = r_.freq == Frequency::hourly;
        const int64_t unit = hourly ? 3600 : 60;
        const int64_t origin = floor_div(dtstart_, unit);
        int64_t k =
            window_skip ? std::max<int64_t>(0, (floor_div(from, unit) - origin) / every - 1) : 0;
        int64_t checked_day = INT64_MIN;
        bool day_ok = false;
        for (;; ++k) {
          const int64_t t0 = (origin + k * every) * unit;
          if (t0 >= to) return;
          const int64_t dn = floor_div(t0, kDay);
          if (dn > 2932896) return;
          if (dn != checked_day) {
            checked_day = dn;
            day_ok = simple_day_ || day_matches(dn);
          }
          if (!day_ok) {  // jump to the first period of the next day
            const int64_t next = (dn + 1) * kDay / unit;
            k = std::max(k, (next - origin + every - 1) / every - 1);
            continue;
          }
          const int hour = static_cast<int>((t0 - dn * kDay) / 3600);
          const int minute = static_cast<int>((t0 - dn * kDay) / 60 % 60);
          if (!r_.by_hour.empty() && !std::binary_search(hours_.begin(), hours_.end(), hour)) {
            continue;
          }
          if (!hourly && !r_.by_minute.empty() &&
              !std::binary_search(minutes_.begin(), minutes_.end(), minute)) {
            continue;
          }
          candidates_.clear();
          if (hourly) {
            for (int m : minutes_) {
              for (int s : seconds_) candidates_.push_back(t0 + m * 60 + s);
            }
          } else {
            for (int s : seconds_) candidates_.push_back(t0 + s);
          }
          if (!emit_candidates(offer)) return;
        }
      }
    }
  }

 private:
  bool day_matches(int64_t dn) {
    const date::year_month_day ymd{date::sys_days{date::days{dn}}};
    return day_matches(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), dn);
  }

  bool day_matches(int y, unsigned m, unsigned d, int64_t dn) const {
    if (month_mask_ && !(month_mask_ & (1u << m))) return false;
    if (!month_days_.empty()) {
      const int len = static_cast<int>(month_length(y, m));
      bool ok = false;
      for (int n : month_days_)
        ok = ok || (n > 0 ? static_cast<int>(d) == n : static_cast<int>(d) == len + n + 1);
      if (!ok) return false;
    }
    if (!r_.by_year_day.empty()) {
      const int doy = static_cast<int>(dn - days_of(y, 1, 1)) + 1;
      const int len = is_leap(y) ? 366 : 365;
      bool ok = false;
      for (int n : r_.by_year_day) ok = ok || (n > 0 ? doy == n : doy == len + n + 1);
      if (!ok) return false;
    }
    if (!r_.by_week_no.empty()) {
      const auto [n, neg] = week_number(dn);
      bool ok = false;
      for (int w : r_.by_week_no) ok = ok || w == n || w == neg;
      if (!ok) return false;
    }
    if (weekday_mask_ || !ordinal_days_.empty()) {
      const unsigned wd = weekday_of(dn);
      bool ok = (weekday_mask_ >> wd) & 1u;
      if (!ok && !ordinal_days_.empty()) {
        // Ordinals count within the month (MONTHLY, or YEARLY with BYMONTH), else the year.
        const bool in_month = r_.freq == Frequency::monthly || !r_.by_month.empty();
        const int pos =
            in_month ? static_cast<int>(d) : static_cast<int>(dn - days_of(y, 1, 1)) + 1;
        const int len = in_month ? static_cast<int>(month_length(y, m)) : (is_leap(y) ? 366 : 365);
        const int nth = (pos - 1) / 7 + 1;
        const int nth_last = -((len - pos) / 7 + 1);
        for (const auto& w : ordinal_days_) {
          ok = ok || (w.weekday == wd && (w.ordinal == nth || w.ordinal == nth_last));
        }
      }
      if (!ok) return false;
    }
    return true;
  }

  // RFC 5545 week number with WKST: week 1 is the first with at least 4 days in the year.
  std::pair<int, int> week_number(int64_t dn) const {
    auto week_start = [&](int64_t x) {
      return x - static_cast<int64_t>((weekday_of(x) + 7 - r_.wkst) % 7);
    };
    const int64_t ws = week_start(dn);
    const int y = static_cast<int>(date::year_month_day{date::sys_days{date::days{ws + 3}}}.year());
    const int64_t first = week_start(days_of(y, 1, 4));
    const int64_t next_first = week_start(days_of(y + 1, 1, 4));
    const int n = static_cast<int>((ws - first) / 7) + 1;
    const int total = static_cast<int>((next_first - first) / 7);
    return {n, n - total - 1};
  }

  template <typename Offer>
  bool emit_period(Offer& offer) {
    candidates_.clear();
    for (int64_t dn : days_) {
      for (int t : times_) candidates_.push_back(dn * kDay + t);
    }
    return emit_candidates(offer);
  }

  template <typename Offer>
  bool emit_candidates(Offer& offer) {
    if (!r_.by_set_pos.empty()) {
      selected_.clear();
      const int n = static_cast<int>(candidates_.size());
      for (int p : r_.by_set_pos) {
        const int idx = p > 0 ? p - 1 : n + p;
        if (idx >= 0 && idx < n) selected_.push_back(candidates_[static_cast<std::size_t>(idx)]);
      }
      std::sort(selected_.begin(), selected_.end());
      selected_.erase(std::unique(selected_.begin(), selected_.end()), selected_.end());
      candidates_.swap(selected_);
    }
    for (int64_t t : candidates_) {
      if (!offer(t)) return false;
    }
    return true;
  }

  const RecurrenceRule& r_;
  int64_t dtstart_ = 0, start_day_ = 0;
  int y0_ = 0;
  unsigned m0_ = 1, d0_ = 1;
  std::uint32_t month_mask_ = 0, weekday_mask_ = 0;
  std::vector<int> month_days_;
  std::vector<WeekdayNum> ordinal_days_;
  std::vector<int> hours_, minutes_, seconds_, times_;
  bool simple_day_ = false;
  std::vector<int64_t> days_, candidates_, selected_;
};

}  // namespace

std::vector<LocalSeconds> expand_local(const RecurrenceSet& set, LocalSeconds from, LocalSeconds to,
                                       std::size_t limit) {
  std::vector<int64_t> out;
  const int64_t f = from.time_since_epoch().count(), t = to.time_since_epoch().count();
  if (set.rule) {
    Expander ex(*set.rule, set.dtstart);
    // Room for EXDATEs that will be removed below.
    const std::size_t cap = limit + set.exdates.size();
    ex.run(f, t, [&](int64_t x) {
      out.push_back(x);
      return out.size() < cap;
    });
  } else {
    const int64_t d = set.dtstart.time_since_epoch().count();
    if (d >= f && d < t) out.push_back(d);
  }
  for (const auto& r : set.rdates) {
    const int64_t x = r.time_since_epoch().count();
    if (x >= f && x < t) out.push_back(x);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::vector<LocalSeconds> result;
  result.reserve(std::min(out.size(), limit));
  for (int64_t x : out) {
    const LocalSeconds l{std::chrono::seconds(x)};
    if (std::find(set.exdates.begin(), set.exdates.end(), l) != set.exdates.end()) continue;
    result.push_back(l);
    if (result.size() >= limit) break;
  }
  return result;
}

std::vector<Instant> expand(const RecurrenceSet& set, const Zone& zone, Instant from, Instant to,
                            std::size_t limit) {
  // Local bounds one day wider than the instants, for any UTC offset.
  const LocalSeconds lf = zone.to_local_seconds(from) - date::days(1);
  const LocalSeconds lt = zone.to_local_seconds(to) + date::days(1);
  std::vector<Instant> out;
  const Instant until_utc = set.rule && set.rule->until_utc ? *set.rule->until_utc : Instant::max();
  for (const LocalSeconds l : expand_local(set, lf, lt, limit + 64)) {
    const Instant at = zone.to_instant(l);
    if (at > until_utc) break;
    if (at < from || at >= to) continue;
    if (!out.empty() && out.back() >= at) continue;  // a DST gap can map two times to one
    out.push_back(at);
    if (out.size() >= limit) break;
  }
  return out;
}

std::vector<Instant> expand(const RecurrenceRule& rule, LocalSeconds dtstart, const Zone& zone,
                            Instant from, Instant to, std::size_t limit) {
  return expand(RecurrenceSet{dtstart, rule, {}, {}}, zone, from, to, limit);
}

}  // namespace loaxa::scheduler
