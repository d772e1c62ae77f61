#include "scheduler/planner.hpp"

#include <algorithm>
#include <map>

namespace loaxa::scheduler {

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

namespace {

bool in_quiet(const QuietHours& q, std::chrono::seconds tod) {
  if (q.from <= q.to) return tod >= q.from && tod < q.to;
  return tod >= q.from || tod < q.to;  // crosses midnight
}

std::string describe(const Rule& r) {
  return "rule " + r.id + " (priority " + std::to_string(r.priority) + ")";
}

}  // namespace

std::vector<TimelineEntry> plan(const std::vector<Rule>& rules,
                                const std::vector<QuietHours>& quiet, const Zone& zone,
                                Instant from, Instant to) {
  std::vector<TimelineEntry> out;
  for (const Rule& rule : rules) {
    std::vector<Instant> starts;
    if (rule.rrule) {
      RecurrenceRule rr = *rule.rrule;
      if (rule.until) {
        const LocalSeconds last{rule.until->time_since_epoch() + std::chrono::hours(24) -
                                std::chrono::seconds(1)};
        if (!rr.until_local || *rr.until_local > last) rr.until_local = last;
      }
      starts = expand(rr, rule.start, zone, from, to);
    } else {
      const Instant at = zone.to_instant(rule.start);
      if (at >= from && at < to) starts.push_back(at);
    }
    for (const Instant at : starts) {
      TimelineEntry e;
      e.channel = rule.channel;
      e.schedule_id = rule.id;
      e.content = rule.content;
      e.planned_start = at;
      e.start = at;
      auto length = rule.duration;
      if (rule.max_duration && *rule.max_duration < length) length = *rule.max_duration;
      e.end = at + length;
      e.priority = rule.priority;
      e.reason = describe(rule) + (rule.rrule ? ", recurring" : ", once");
      if (rule.max_duration && *rule.max_duration < rule.duration) {
        e.status = EntryStatus::cut;
        e.reason += "; cut by max_duration " + format_duration(*rule.max_duration);
      }
      const auto tod =
          zone.to_local_seconds(at) - date::floor<date::days>(zone.to_local_seconds(at));
      for (const QuietHours& q : quiet) {
        if (q.channel == rule.channel && in_quiet(q, tod)) {
          e.status = EntryStatus::blocked;
          e.reason += "; blocked by quiet hours";
        }
      }
      out.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(), [](const TimelineEntry& a, const TimelineEntry& b) {
    return std::tie(a.start, a.channel, b.priority) < std::tie(b.start, b.channel, a.priority);
  });

  // One block at a time per channel. A higher priority cuts what plays; an equal or
  // lower one that overlaps is dropped.
  std::map<std::string, TimelineEntry*> on_air;
  for (TimelineEntry& e : out) {
    if (e.status == EntryStatus::blocked) continue;
    TimelineEntry*& current = on_air[e.channel];
    if (current && current->end > e.start) {
      if (e.priority > current->priority) {
        current->end = e.start;
        current->status = EntryStatus::cut;
        current->reason +=
            "; cut by " + e.schedule_id + " (priority " + std::to_string(e.priority) + ")";
      } else {
        e.status = EntryStatus::dropped;
        e.reason += "; dropped: overlaps " + current->schedule_id + " (priority " +
                    std::to_string(current->priority) + ")";
        continue;
      }
    }
    current = &e;
  }
  return out;
}

}  // namespace loaxa::scheduler
