#include "scheduler/planner.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace loaxa::scheduler {

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

constexpr std::size_t kNone = TimelineEntry::kNone;
constexpr int kEmergencyPriority = 1000;  // a class above every configurable priority

int effective_priority(const Rule& r) {
  return r.emergency ? kEmergencyPriority : r.priority;
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

struct Candidate {
  std::size_t rule;
  Instant planned;
  milliseconds length;  // after max_duration
  bool max_cut;
  int priority;
};

// One block on a channel's stack.
struct Seg {
  std::size_t cand;
  milliseconds remaining;
  milliseconds offset{0};
  Instant queued_since;  // waiting since (arrival, or pre-emption)
  std::size_t after = kNone;
  bool restarted = false;
  bool started = false;
};

class ChannelPlan {
 public:
  ChannelPlan(const std::vector<Rule>& rules, const std::vector<Candidate>& cands,
              const Quiet& quiet, milliseconds max_wait, std::vector<TimelineEntry>& out)
      : rules_(rules), cands_(cands), quiet_(quiet), max_wait_(max_wait), out_(out) {}

  void run(const std::vector<std::size_t>& order) {
    for (std::size_t ci : order) {
      const Candidate& a = cands_[ci];
      drain(a.planned);
      arrive(ci);
    }
    drain(Instant::max());
  }

 private:
  const Rule& rule(const Seg& s) const { return rules_[cands_[s.cand].rule]; }
  int prio(const Seg& s) const { return cands_[s.cand].priority; }

  TimelineEntry entry(const Seg& s, Instant start, Instant end, EntryStatus st, Why why,
                      std::size_t other) const {
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
    if (a.priority > prio(top)) {
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
    // Below every block of the same or a higher priority: the earlier one keeps the air.
    auto pos = std::find_if(stack_.begin(), stack_.end(),
                            [&](const Seg& x) { return prio(x) >= a.priority; });
    stack_.insert(pos, s);
  }

  const std::vector<Rule>& rules_;
  const std::vector<Candidate>& cands_;
  const Quiet& quiet_;
  milliseconds max_wait_;
  std::vector<TimelineEntry>& out_;
  std::vector<Seg> stack_;
  Instant since_{};
};

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
  std::vector<std::vector<std::size_t>> by_channel(channels.size());  // candidate indices
  std::vector<Candidate> cands;
  std::vector<LocalDays> holidays = options.holidays;
  std::sort(holidays.begin(), holidays.end());
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
    auto& list = by_channel[channel_of[i]];
    for (const Instant at : expand(set, zone, from, to)) {
      if (last && !set.rule && zone.to_local_seconds(at) > *last) continue;
      milliseconds length = r.duration;
      bool max_cut = false;
      if (r.max_duration && *r.max_duration < length) {
        length = *r.max_duration;
        max_cut = true;
      }
      if (r.skip_holidays &&
          std::binary_search(holidays.begin(), holidays.end(),
                             date::floor<date::days>(zone.to_local_seconds(at)))) {
        TimelineEntry e;
        e.rule = i;
        e.planned_start = e.start = at;
        e.end = at + length;
        e.status = EntryStatus::blocked;
        e.why = Why::holiday;
        tl.entries.push_back(e);
        continue;
      }
      list.push_back(cands.size());
      cands.push_back({i, at, length, max_cut, effective_priority(r)});
    }
  }
  tl.entries.reserve(tl.entries.size() + cands.size() + cands.size() / 4);
  struct Key {
    std::int64_t at;
    int neg_priority;
    std::size_t rule, cand;
    bool operator<(const Key& o) const {
      return std::tie(at, neg_priority, rule) < std::tie(o.at, o.neg_priority, o.rule);
    }
  };
  std::vector<Key> keys;
  std::vector<std::size_t> runs{0, tl.entries.size()};  // [holidays][channel 0][channel 1]...
  for (std::size_t c = 0; c < channels.size(); ++c) {
    auto& list = by_channel[c];
    // `list` is one sorted run per rule: merge the runs (a heap of run heads) rather than
    // sort everything.
    keys.clear();
    std::vector<std::pair<std::size_t, std::size_t>> heads;  // (position, end) per run
    for (std::size_t k = 0; k < list.size();) {
      std::size_t e = k + 1;
      while (e < list.size() && cands[list[e]].rule == cands[list[k]].rule) ++e;
      heads.emplace_back(k, e);
      k = e;
    }
    auto key_at = [&](std::size_t pos, std::size_t run) {
      const Candidate& x = cands[list[pos]];
      return Key{x.planned.time_since_epoch().count(), -x.priority, x.rule, run};
    };
    for (std::size_t h = 0; h < heads.size(); ++h) keys.push_back(key_at(heads[h].first, h));
    const auto later = [](const Key& a, const Key& b) { return b < a; };
    std::make_heap(keys.begin(), keys.end(), later);
    std::vector<std::size_t> merged;
    merged.reserve(list.size());
    while (!keys.empty()) {
      std::pop_heap(keys.begin(), keys.end(), later);
      auto& [pos, end] = heads[keys.back().cand];
      merged.push_back(list[pos]);
      if (++pos < end) {
        keys.back() = key_at(pos, keys.back().cand);
        std::push_heap(keys.begin(), keys.end(), later);
      } else {
        keys.pop_back();
      }
    }
    list.swap(merged);
    std::vector<const QuietHours*> ranges;
    for (const auto& q : options.quiet) {
      if (q.channel == channels[c]) ranges.push_back(&q);
    }
    const Quiet quiet(std::move(ranges), zone);
    ChannelPlan(tl.rules, cands, quiet, options.max_wait, tl.entries).run(list);
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
  for (std::size_t r = 2; r < runs.size(); ++r) {
    std::inplace_merge(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(runs[r - 1]),
                       v.begin() + static_cast<std::ptrdiff_t>(runs[r]), before);
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
