#pragma once
// The planner: rules over a window in, a timeline out. The same function serves
// `schedule preview` and real playout, so the two can never disagree. Pure: no clock,
// no I/O.
//
// Per channel, blocks are layered by priority. A higher priority pre-empts what plays:
// the lower block is cut and, by its policy, resumes where it was, restarts, or is
// dropped. An equal or lower priority never pre-empts: it waits for the channel (by its
// policy; at most `max_wait`) or is dropped. Quiet hours block or cut everything but
// emergencies; max_duration cuts; province holidays skip rules that ask for it. A chosen
// order between two rules (PlanOptions::first) stands in for their priorities.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/local_time.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa::scheduler {

// What a block does when something else holds its channel.
enum class OverlapPolicy {
  resume,   // pre-empted: continues from where it was; arriving while busy: waits
  restart,  // pre-empted: starts again from its beginning; arriving while busy: waits
  drop,     // pre-empted: the rest is dropped; arriving while busy: dropped
};
// The config's resume_policy words, as to_string writes them: "resume", "restart", "drop".
std::optional<OverlapPolicy> parse_overlap_policy(std::string_view text);

const char* to_string(OverlapPolicy p);

struct Rule {
  std::string id;                  // schedule id
  std::string channel;             // channel name
  std::string content;             // playlist or media id, or stream URL
  RecurrenceSet recurrence;        // DTSTART (+ RRULE, RDATE, EXDATE)
  std::optional<LocalDays> until;  // last local day on which it may start (inclusive)
  int priority = 50;               // 0-100
  bool emergency = false;          // above every priority, also in quiet hours
  bool skip_holidays = false;
  std::chrono::milliseconds duration{0};  // length of the block from its items
  std::optional<std::chrono::milliseconds> max_duration;
  OverlapPolicy policy = OverlapPolicy::resume;
  // Set when the rule cannot air at all (its channel left the config): every
  // occurrence is shown `blocked` with these words, and none airs.
  std::string unavailable;
};

// Quiet hours of one channel: local [from, to) times of day; to < from crosses midnight.
struct QuietHours {
  std::string channel;
  std::chrono::seconds from{0};
  std::chrono::seconds to{0};
  std::string text;  // "21:30-05:00", for reasons
};

enum class EntryStatus : std::uint8_t { airs, cut, blocked, dropped };
const char* to_string(EntryStatus s);

// Why an entry looks the way it does; Timeline::reason() turns it into words.
enum class Why : std::uint8_t {
  planned,          // airs as planned
  max_duration,     // cut by max_duration
  preempted,        // cut by `other`
  quiet_cut,        // cut where quiet hours begin
  quiet_blocked,    // starts in quiet hours
  holiday,          // a province holiday, skip_holidays
  overlap,          // dropped: `other` holds the channel and the policy is drop
  waited_too_long,  // dropped: waited more than max_wait for `other`
  unavailable,      // blocked: Rule::unavailable says why
};

struct TimelineEntry {
  // 48 bytes: a busy box plans a few hundred thousand of these a year.
  Instant planned_start;                // the occurrence's instant
  Instant start;                        // when this part airs
  Instant end;                          //
  std::chrono::milliseconds offset{0};  // position in the block where this part starts
  std::uint32_t rule = 0;               // index into Timeline::rules
  std::uint32_t other = kNone;          // rule that pre-empted, blocked or delayed it
  std::uint32_t after = kNone;          // rule it waited for or resumed after
  EntryStatus status = EntryStatus::airs;
  Why why = Why::planned;
  bool restarted = false;  // this part plays the block again from its start
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
};

struct PlanOptions {
  std::vector<QuietHours> quiet;
  std::vector<LocalDays> holidays;
  std::chrono::milliseconds max_wait{30 * 60 * 1000};
  // Pairs of rule ids (a, b): when blocks of the two meet on a channel, a's goes first
  // whatever their priorities — it is not cut by b, and cuts it — (Circular 39/2020: the
  // commune orders a province priority bulletin that clashes with its own).
  std::vector<std::pair<std::string, std::string>> first;
};

struct Timeline {
  std::vector<Rule> rules;
  std::vector<TimelineEntry> entries;  // sorted by start, then channel

  const Rule& rule_of(const TimelineEntry& e) const { return rules[e.rule]; }
  // Words: which rule and priority, what pre-empted, blocked or delayed it.
  std::string reason(const TimelineEntry& e, const Zone& zone) const;
};

// Every occurrence starting in [from, to), layered per channel.
Timeline plan(std::vector<Rule> rules, const PlanOptions& options, const Zone& zone, Instant from,
              Instant to);

}  // namespace loaxa::scheduler
