#pragma once
// The planner: rules over a window in, a timeline out. The same function serves
// `schedule preview` and real playout, so the two can never disagree.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/local_time.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa::scheduler {

struct Rule {
  std::string id;       // schedule id
  std::string channel;  // channel name
  std::string content;  // playlist or media id, or stream URL
  LocalSeconds start;   // first (or only) occurrence, local
  std::optional<RecurrenceRule> rrule;
  std::optional<LocalDays> until;  // last local day on which it may start (inclusive)
  int priority = 50;
  std::chrono::milliseconds duration{0};  // length of the block from its items
  std::optional<std::chrono::milliseconds> max_duration;
};

// Quiet hours of one channel: local [from, to) times of day; to < from crosses midnight.
struct QuietHours {
  std::string channel;
  std::chrono::seconds from{0};
  std::chrono::seconds to{0};
};

enum class EntryStatus { airs, cut, blocked, dropped };
const char* to_string(EntryStatus s);

struct TimelineEntry {
  std::string channel;
  std::string schedule_id;
  std::string content;
  Instant planned_start;  // the occurrence's instant
  Instant start;          // when it airs (== planned_start for now)
  Instant end;            // when it ends (cut or max_duration applied)
  int priority = 50;
  EntryStatus status = EntryStatus::airs;
  std::string reason;
};

// Every occurrence starting in [from, to), sorted by start then channel.
std::vector<TimelineEntry> plan(const std::vector<Rule>& rules,
                                const std::vector<QuietHours>& quiet, const Zone& zone,
                                Instant from, Instant to);

}  // namespace loaxa::scheduler
