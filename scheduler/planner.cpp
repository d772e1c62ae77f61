#include "scheduler/planner.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

namespace loaxa::scheduler {

std::optional<OverlapPolicy> parse_overlap_policy(std::string_view text) {
  if (text == "resume") return OverlapPolicy::resume;
  if (text == "restart") return OverlapPolicy::restart;
  if (text == "drop") return OverlapPolicy::drop;
  return std::nullopt;
}

using std::chrono::milliseconds;

const char* to_string(EntryStatus s) {
  switch (s) {
    case EntryStatus::airs:
      return "airs";
    case EntryStatus::cut:
      return "cut";
    case EntryStatus::blocked:
      return "blocked";
    case EntryStatus::dropped:
      return "dropped";
  }
  return "airs";
}

const char* to_string(OverlapPolicy p) {
  switch (p) {
    case OverlapPolicy::resume:
      return "resume";
    case OverlapPolicy::restart:
      return "restart";
    case OverlapPolicy::drop:
      return "drop";
  }
  return "resume";
}

namespace {

constexpr std::uint32_t kNone = TimelineEntry::kNone;
constexpr int kEmergencyPriority = 1000;  // a class above every configurable priority

// Configurable priorities are 0-100; anything outside stays below emergencies.
std::int16_t effective_priority(const Rule& r) {
  return static_cast<std::int16_t>(r.emergency ? kEmergencyPriority
                                               : std::clamp(r.priority, -999, 999));
}

// Quiet hours of one channel, answered in instants.
class Quiet {
 public:
  Quiet(std::vector<const QuietHours*> ranges, const Zone& zone)
      : ranges_(std::move(ranges)), zone_(zone) {}

  const QuietHours* at(Instant t) const {
    if (ranges_.empty()) return nullptr;
    const auto local = zone_.to_local_seconds(t);
    const auto tod = local - date::floor<date::days>(local);
    for (const QuietHours* q : ranges_) {
      const bool in =
          q->from <= q->to ? (tod >= q->from && tod < q->to) : (tod >= q->from || tod < q->to);
      if (in) return q;
    }
    return nullptr;
  }

  // The first start of quiet hours after t (within two days), or Instant::max().
  std::pair<Instant, const QuietHours*> next_start(Instant t) const {
    std::pair<Instant, const QuietHours*> best{Instant::max(), nullptr};
    if (ranges_.empty()) return best;
    const auto day = date::floor<date::days>(zone_.to_local_seconds(t));
    for (int d = 0; d < 2; ++d) {
      for (const QuietHours* q : ranges_) {
        const Instant s =
            zone_.to_instant(LocalSeconds{(day + date::days(d)).time_since_epoch() + q->from});
        if (s > t && s < best.first) best = {s, q};
      }
    }
    return best;
  }

 private:
  std::vector<const QuietHours*> ranges_;
  const Zone& zone_;
};

struct Candidate {  // 24 bytes
  std::uint32_t rule;
  Instant planned;
  milliseconds length;  // after max_duration
  bool max_cut;
  std::int16_t priority;
};

// One block on a channel's stack.
struct Seg {
  std::size_t cand;
  milliseconds remaining;
  milliseconds offset{0};
  Instant queued_since;  // waiting since (arrival, or pre-emption)
  std::uint32_t after = kNone;
  bool restarted = false;
  bool started = false;
};

class ChannelPlan {
 public:
  ChannelPlan(const std::vector<Rule>& rules, const std::vector<Candidate>& cands,
              const Quiet& quiet, milliseconds max_wait,
              const std::vector<std::pair<std::uint32_t, std::uint32_t>>& first,
              std::vector<TimelineEntry>& out)
      : rules_(rules),
        cands_(cands),
        quiet_(quiet),
        max_wait_(max_wait),
        first_(first),
        out_(out) {}

  // Candidates in arrival order.
  void run() {
    for (std::size_t ci = 0; ci < cands_.size(); ++ci) {
      drain(cands_[ci].planned);
      arrive(ci);
    }
    drain(Instant::max());
  }

 private:
  const Rule& rule(const Seg& s) const { return rules_[cands_[s.cand].rule]; }
  int prio(const Seg& s) const { return cands_[s.cand].priority; }
  // Whether a block of rule `r` at priority `p` goes above `s`: by priority, unless the
  // two rules' order was chosen (PlanOptions::first).
  bool above(std::uint32_t r, int p, const Seg& s) const {
    const std::uint32_t other = cands_[s.cand].rule;
    if (!first_.empty()) {
      if (std::binary_search(first_.begin(), first_.end(), std::pair(r, other))) return true;
      if (std::binary_search(first_.begin(), first_.end(), std::pair(other, r))) return false;
    }
    return p > prio(s);
  }

  TimelineEntry entry(const Seg& s, Instant start, Instant end, EntryStatus st, Why why,
                      std::uint32_t other) const {
    TimelineEntry e;
    e.rule = cands_[s.cand].rule;
    e.planned_start = cands_[s.cand].planned;
    e.start = start;
    e.end = end;
    e.offset = s.offset;
    e.status = st;
    e.why = why;
    e.other = other;
    e.after = s.after;
    e.restarted = s.restarted;
    return e;
  }

  // Puts the stack's top on air at `t`, or drops/blocks it if it can no longer air.
  bool begin_top(Instant t) {
    while (!stack_.empty()) {
      Seg& top = stack_.back();
      const Rule& r = rule(top);
      if (t - top.queued_since > max_wait_) {
        out_.push_back(entry(top, t, t, EntryStatus::dropped, Why::waited_too_long, top.after));
        stack_.pop_back();
        continue;
      }
      if (!r.emergency && quiet_.at(t)) {
        out_.push_back(entry(top, t, t, EntryStatus::blocked, Why::quiet_blocked, kNone));
        stack_.pop_back();
        continue;
      }
      if (top.started && r.policy == OverlapPolicy::restart) {
        top.offset = milliseconds(0);
        top.remaining = cands_[top.cand].length;
        top.restarted = true;
      }
      top.started = true;
      since_ = t;
      return true;
    }
    return false;
  }

  // Plays the stack until `until`, ending blocks whose time is up.
  void drain(Instant until) {
    while (!stack_.empty()) {
      Seg& top = stack_.back();
      const Rule& r = rule(top);
      Instant end = since_ + top.remaining;
      Why why =
          cands_[top.cand].max_cut && top.remaining.count() >= 0 ? Why::max_duration : Why::planned;
      EntryStatus st = cands_[top.cand].max_cut ? EntryStatus::cut : EntryStatus::airs;
      if (!r.emergency) {
        const auto [qs, q] = quiet_.next_start(since_);
        if (q && qs < end) {
          end = qs;
          why = Why::quiet_cut;
          st = EntryStatus::cut;
        }
      }
      if (end > until) return;
      out_.push_back(entry(top, since_, end, st, why, kNone));
      stack_.pop_back();
      if (!stack_.empty()) begin_top(end);
    }
  }

  void arrive(std::size_t ci) {
    const Candidate& a = cands_[ci];
    const Rule& ar = rules_[a.rule];
    Seg s{ci, a.length, milliseconds(0), a.planned};
    if (!ar.emergency && quiet_.at(a.planned)) {
      out_.push_back(entry(s, a.planned, a.planned + a.length, EntryStatus::blocked,
                           Why::quiet_blocked, kNone));
      return;
    }
    if (stack_.empty()) {
      stack_.push_back(s);
      begin_top(a.planned);
      return;
    }
    Seg& top = stack_.back();
    if (above(a.rule, a.priority, top)) {
      const auto played = std::chrono::duration_cast<milliseconds>(a.planned - since_);
      out_.push_back(entry(top, since_, a.planned, EntryStatus::cut, Why::preempted, a.rule));
      top.remaining -= played;
      top.offset += played;
      top.queued_since = a.planned;
      top.after = a.rule;
      if (rule(top).policy == OverlapPolicy::drop || top.remaining.count() <= 0) stack_.pop_back();
      stack_.push_back(s);
      begin_top(a.planned);
      return;
    }
    if (ar.policy == OverlapPolicy::drop) {
      out_.push_back(entry(s, a.planned, a.planned + a.length, EntryStatus::dropped, Why::overlap,
                           cands_[top.cand].rule));
      return;
    }
    s.after = cands_[top.cand].rule;
    // Below every block of the same or a higher priority (or chosen to go first): the
    // earlier one keeps the air.
    auto pos = std::find_if(stack_.begin(), stack_.end(),
                            [&](const Seg& x) { return !above(a.rule, a.priority, x); });
    stack_.insert(pos, s);
  }

  const std::vector<Rule>& rules_;
  const std::vector<Candidate>& cands_;
  const Quiet& quiet_;
  milliseconds max_wait_;
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& first_;  // sorted
  std::vector<TimelineEntry>& out_;
  std::vector<Seg> stack_;
  Instant since_{};
};

// Packs (planned start, priority, rule) of every candidate into one integer whose order
// is arrival order, each field as wide as its range needs (a year of minute-aligned
// starts, a few priorities and a thousand rules fit in about 40 bits). Returns the bits
// used, or 0 when they do not fit in 64 (sub-second starts over centuries): the caller
// then sorts the slow way.
int pack_keys(const std::vector<Candidate>& list, Instant base,
              std::vector<std::pair<std::uint64_t, std::uint32_t>>& keys) {
  keys.clear();
  if (list.empty()) return 1;
  std::int64_t max_t = 0;
  int min_p = list[0].priority;
  int max_p = min_p;
  std::uint32_t max_r = 0;
  bool whole_seconds = true;
  for (const Candidate& x : list) {
    const auto since = std::chrono::duration_cast<milliseconds>(x.planned - base);
    if (since.count() < 0 || since != x.planned - base) return 0;
    whole_seconds = whole_seconds && since.count() % 1000 == 0;
    max_t = std::max<std::int64_t>(max_t, since.count());
    min_p = std::min<int>(min_p, x.priority);
    max_p = std::max<int>(max_p, x.priority);
    max_r = std::max(max_r, x.rule);
  }
  const std::int64_t unit = whole_seconds ? 1000 : 1;
  max_t /= unit;
  const auto width = [](std::uint64_t n) { return static_cast<int>(std::bit_width(n)); };
  const int rw = width(max_r), pw = width(static_cast<std::uint64_t>(max_p - min_p));
  const int tw = width(static_cast<std::uint64_t>(max_t));
  if (tw + pw + rw > 64 || list.size() > std::numeric_limits<std::uint32_t>::max()) return 0;
  keys.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Candidate& x = list[i];
    const auto t = static_cast<std::uint64_t>(
        std::chrono::duration_cast<milliseconds>(x.planned - base).count() / unit);
    const auto p = static_cast<std::uint64_t>(max_p - x.priority);  // higher first
    keys.emplace_back((t << (pw + rw)) | (p << rw) | x.rule, static_cast<std::uint32_t>(i));
  }
  return std::max(tw + pw + rw, 1);
}

// LSD radix sort by the packed key of `bits` bits, in as few passes of at most 14 bits
// (a 64 KiB count table) as the width allows.
void radix_sort(std::vector<std::pair<std::uint64_t, std::uint32_t>>& keys,
                std::vector<std::pair<std::uint64_t, std::uint32_t>>& scratch, int bits) {
  const int passes = (bits + 13) / 14;
  const int digit = (bits + passes - 1) / passes;
  const std::uint64_t mask = (std::uint64_t{1} << digit) - 1;
  scratch.resize(keys.size());
  std::vector<std::uint32_t> count(std::size_t{1} << digit);
  for (int shift = 0; shift < bits; shift += digit) {
    std::fill(count.begin(), count.end(), 0);
    for (const auto& k : keys) ++count[(k.first >> shift) & mask];
    std::uint32_t sum = 0;
    for (auto& n : count) sum += std::exchange(n, sum);
    for (const auto& k : keys) scratch[count[(k.first >> shift) & mask]++] = k;
    keys.swap(scratch);
  }
}

std::string hms(milliseconds d) {
  return format_duration(std::chrono::duration_cast<std::chrono::seconds>(d));
}

}  // namespace

Timeline plan(std::vector<Rule> rules, const PlanOptions& options, const Zone& zone, Instant from,
              Instant to) {
  Timeline tl;
  tl.rules = std::move(rules);
  // Channels as small integers, so sorting never compares strings.
  std::vector<std::string> channels;
  std::vector<std::size_t> channel_of(tl.rules.size());
  for (std::size_t i = 0; i < tl.rules.size(); ++i) {
    auto it = std::find(channels.begin(), channels.end(), tl.rules[i].channel);
    channel_of[i] = static_cast<std::size_t>(it - channels.begin());
    if (it == channels.end()) channels.push_back(tl.rules[i].channel);
  }
  // The chosen orders, as sorted pairs of rule indices.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> first;
  for (const auto& [a, b] : options.first) {
    for (std::uint32_t i = 0; i < tl.rules.size(); ++i) {
      if (tl.rules[i].id != a) continue;
      for (std::uint32_t j = 0; j < tl.rules.size(); ++j) {
        if (tl.rules[j].id == b && j != i) first.emplace_back(i, j);
      }
    }
  }
  std::sort(first.begin(), first.end());
  std::vector<std::vector<Candidate>> by_channel(channels.size());
  std::size_t total = 0;
  std::vector<LocalDays> holidays = options.holidays;
  std::sort(holidays.begin(), holidays.end());
  // Expanded first, so each channel's candidates are allocated once.
  std::vector<std::vector<Instant>> occurrences(tl.rules.size());
  std::vector<std::optional<LocalSeconds>> lasts(tl.rules.size());
  {
    std::vector<std::size_t> per_channel(channels.size());
    for (std::size_t i = 0; i < tl.rules.size(); ++i) {
      const Rule& r = tl.rules[i];
      RecurrenceSet set = r.recurrence;
      std::optional<LocalSeconds> last;
      if (r.until) {
        last = LocalSeconds{r.until->time_since_epoch() + std::chrono::hours(24) -
                            std::chrono::seconds(1)};
        if (set.rule && (!set.rule->until_local || *set.rule->until_local > *last)) {
          set.rule->until_local = last;
        }
      }
      occurrences[i] = expand(set, zone, from, to);
      lasts[i] = last;
      per_channel[channel_of[i]] += occurrences[i].size();
    }
    for (std::size_t c = 0; c < channels.size(); ++c) by_channel[c].reserve(per_channel[c]);
  }
  for (std::size_t i = 0; i < tl.rules.size(); ++i) {
    const Rule& r = tl.rules[i];
    const auto& last = lasts[i];
    const bool recurring = r.recurrence.rule.has_value();
    auto& list = by_channel[channel_of[i]];
    for (const Instant at : occurrences[i]) {
      if (last && !recurring && zone.to_local_seconds(at) > *last) continue;
      milliseconds length = r.duration;
      bool max_cut = false;
      if (r.max_duration && *r.max_duration < length) {
        length = *r.max_duration;
        max_cut = true;
      }
      const bool holiday =
          r.skip_holidays && std::binary_search(holidays.begin(), holidays.end(),
                                                date::floor<date::days>(zone.to_local_seconds(at)));
      if (holiday || !r.unavailable.empty()) {
        TimelineEntry e;
        e.rule = static_cast<std::uint32_t>(i);
        e.planned_start = e.start = at;
        e.end = at + length;
        e.status = EntryStatus::blocked;
        e.why = r.unavailable.empty() ? Why::holiday : Why::unavailable;
        tl.entries.push_back(e);
        continue;
      }
      list.push_back({static_cast<std::uint32_t>(i), at, length, max_cut, effective_priority(r)});
      ++total;
    }
  }
  tl.entries.reserve(tl.entries.size() + total + total / 8);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keys, scratch;  // (packed key, cand)
  std::vector<Candidate> sorted;
  std::vector<std::size_t> runs{0, tl.entries.size()};  // [holidays][channel 0][channel 1]...
  for (std::size_t c = 0; c < channels.size(); ++c) {
    auto& list = by_channel[c];
    // Arrival order: planned start, then higher priority, then rule. Packed into one
    // integer each and radix-sorted, which is several times faster than comparing.
    const int bits = pack_keys(list, from, keys);
    if (bits == 0) {
      std::sort(list.begin(), list.end(), [&](const Candidate& x, const Candidate& y) {
        return std::tuple(x.planned, -x.priority, x.rule) <
               std::tuple(y.planned, -y.priority, y.rule);
      });
    } else {
      radix_sort(keys, scratch, bits);
      sorted.clear();
      sorted.reserve(list.size());
      for (const auto& k : keys) sorted.push_back(list[k.second]);
      list.swap(sorted);
    }
    std::vector<const QuietHours*> ranges;
    for (const auto& q : options.quiet) {
      if (q.channel == channels[c]) ranges.push_back(&q);
    }
    const Quiet quiet(std::move(ranges), zone);
    ChannelPlan(tl.rules, list, quiet, options.max_wait, first, tl.entries).run();
    runs.push_back(tl.entries.size());
  }
  std::vector<std::size_t> rank(channels.size());  // channel order by name
  for (std::size_t a = 0; a < channels.size(); ++a) {
    for (std::size_t b = 0; b < channels.size(); ++b) rank[a] += channels[b] < channels[a];
  }
  const auto before = [&](const TimelineEntry& a, const TimelineEntry& b) {
    if (a.start != b.start) return a.start < b.start;
    const std::size_t ca = rank[channel_of[a.rule]], cb = rank[channel_of[b.rule]];
    if (ca != cb) return ca < cb;
    return a.end < b.end;
  };
  // A channel's entries come out of its simulation nearly in order (a blocked or dropped
  // block is emitted at its arrival, a little ahead of the part that was on air): an
  // insertion sort puts each run in order in about linear time, then the runs merge.
  auto& v = tl.entries;
  for (std::size_t r = 0; r + 1 < runs.size(); ++r) {
    const auto first = v.begin() + static_cast<std::ptrdiff_t>(runs[r]);
    const auto last = v.begin() + static_cast<std::ptrdiff_t>(runs[r + 1]);
    std::size_t moves = 0;
    const std::size_t budget = 8 * static_cast<std::size_t>(last - first) + 64;
    for (auto it = first + (first == last ? 0 : 1); it < last && moves <= budget; ++it) {
      if (!before(*it, *(it - 1))) continue;
      TimelineEntry x = std::move(*it);
      auto j = it;
      while (j > first && before(x, *(j - 1)) && moves <= budget) {
        *j = std::move(*(j - 1));
        --j;
        ++moves;
      }
      *j = std::move(x);
    }
    if (moves > budget) std::sort(first, last, before);
  }
  // One pass merges the runs (holidays, then a run per channel) into the result.
  if (runs.size() > 3) {
    std::vector<std::pair<std::size_t, std::size_t>> heads;  // (next, end) of each run
    for (std::size_t r = 0; r + 1 < runs.size(); ++r) {
      if (runs[r] < runs[r + 1]) heads.emplace_back(runs[r], runs[r + 1]);
    }
    std::vector<TimelineEntry> merged;
    merged.reserve(v.size());
    while (!heads.empty()) {
      std::size_t best = 0;
      for (std::size_t h = 1; h < heads.size(); ++h) {
        if (before(v[heads[h].first], v[heads[best].first])) best = h;
      }
      merged.push_back(v[heads[best].first]);
      if (++heads[best].first == heads[best].second) heads.erase(heads.begin() + best);
    }
    v.swap(merged);
  } else if (runs.size() == 3) {
    std::inplace_merge(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(runs[1]), v.end(),
                       before);
  }
  return tl;
}

std::string Timeline::reason(const TimelineEntry& e, const Zone& zone) const {
  const Rule& r = rules[e.rule];
  auto name = [&](std::size_t i) {
    const Rule& o = rules[i];
    return o.id + (o.emergency ? " (emergency)" : " (priority " + std::to_string(o.priority) + ")");
  };
  auto clock = [&](Instant t) { return zone.format_iso(t, false).substr(11, 5); };
  std::string s = "rule " + name(e.rule) + (r.recurrence.rule ? ", recurring" : ", once");
  if (e.after != TimelineEntry::kNone && e.status != EntryStatus::dropped) {
    if (e.offset.count() > 0 || e.restarted) {
      s += e.restarted ? "; restarts after " + name(e.after)
                       : "; resumes after " + name(e.after) + " at " + hms(e.offset);
    } else if (e.start > e.planned_start) {
      s += "; waited for " + name(e.after) + " until " + clock(e.start);
    }
  }
  switch (e.why) {
    case Why::planned:
      break;
    case Why::max_duration:
      s += "; cut by max_duration " + format_duration(*r.max_duration);
      break;
    case Why::preempted:
      s += "; cut at " + clock(e.end) + " by " + name(e.other) +
           (r.policy == OverlapPolicy::drop ? ", not resumed (policy drop)" : "");
      break;
    case Why::quiet_cut:
      s += "; cut at " + clock(e.end) + " where quiet hours begin";
      break;
    case Why::quiet_blocked:
      s += "; blocked: quiet hours";
      break;
    case Why::holiday:
      s += "; skipped: province holiday " +
           date::format("%Y-%m-%d", date::floor<date::days>(zone.to_local_seconds(e.start)));
      break;
    case Why::unavailable:
      s += "; blocked: " + r.unavailable;
      break;
    case Why::overlap:
      s += "; dropped: overlaps " + name(e.other) + " and its policy is drop";
      break;
    case Why::waited_too_long:
      s += "; dropped: waited too long for " +
           (e.other == TimelineEntry::kNone ? std::string("the channel") : name(e.other));
      break;
  }
  return s;
}

}  // namespace loaxa::scheduler
