#pragma once
// The airtime row: one play attempt as the box logged it, in the order and text of
// docs/api.md; its SHA-256 over canonical fields; the chain rows make in closing order;
// a row read back from NDJSON. No database: the box's SQLite (store/) and the province
// hub keep rows; this is what a row is and how it is checked.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/names.hpp"

namespace loaxa::airtime {

// What became of a play. `playing` until it ends; `interrupted` when the box died under
// it (closed at the next start from its last position); `missed` when it never began.
enum class RowStatus : std::uint8_t {
  playing,
  completed,
  preempted,
  stopped,
  failed,
  missed,
  interrupted
};
inline constexpr Names<RowStatus, 7> row_status{
    {"playing", "completed", "preempted", "stopped", "failed", "missed", "interrupted"}};

// What put it on air: a schedule's block, an operator's play, an emergency, a live relay
// (a schedule or play of live content), a spoken announcement.
enum class RowSource : std::uint8_t { schedule, manual, emergency, live, announcement };
inline constexpr Names<RowSource, 5> row_source{
    {"schedule", "manual", "emergency", "live", "announcement"}};
// By name, for logs and test messages.
std::ostream& operator<<(std::ostream& out, RowStatus status);
std::ostream& operator<<(std::ostream& out, RowSource source);

struct AirtimeRow {
  std::string id;
  std::string box_id;
  std::string channel;
  std::string media_id;
  std::string title;
  std::string topic;
  std::string playlist_id;
  std::string schedule_id;
  RowSource source = RowSource::schedule;
  std::string planned_start;
  std::string actual_start;
  std::string actual_end;
  std::optional<double> duration_s;
  RowStatus status = RowStatus::playing;
  std::string error;
  std::string prev_hash;
  std::string hash;
  // Columns after docs/api.md's list (schema v4). Both join the hash when set; rows
  // closed before v4 have neither, so their hashes still verify.
  std::optional<bool> clock_synced;  // system clock synchronised when the row was opened
  std::optional<double> planned_s;   // what the planner meant to air; unset for manual plays
  // Audio evidence (schema v6): what the channel measured of the play, after its gain.
  // Join the hash when set; unset for rows that never sounded.
  std::optional<double> rms_db;     // mean level, dBFS
  std::optional<double> peak_db;    // highest peak, dBFS
  std::optional<double> silence_s;  // seconds below the silence level
  // Picture evidence (schema v9), kiosk screens only; join the hash when set.
  std::optional<std::int64_t> frames_rendered;
  std::optional<std::int64_t> frames_dropped;
  // Not exported: Unix ms of the planned start (reports clip planned time at periods).
  std::optional<std::int64_t> planned_ms;
};

// What the channel measured of a play (player::Evidence, in the store's terms).
struct PlayLevels {
  std::optional<double> rms_db;
  std::optional<double> peak_db;
  std::optional<double> silence_s;
  std::optional<std::int64_t> frames_rendered;
  std::optional<std::int64_t> frames_dropped;
};

// The CSV column order of docs/api.md, then clock_synced, planned_s, rms_db, peak_db and
// silence_s, frames_rendered and frames_dropped.
const std::vector<std::string>& airtime_columns();
// The row's fields as text in that order (duration_s with 3 decimals, "" when unset).
std::vector<std::string> airtime_fields(const AirtimeRow& row);
// SHA-256 over the row's canonical fields (CSV order, unit-separated) and prev_hash.
std::string airtime_row_hash(const AirtimeRow& row);

// The first row where the hash chain breaks, if any.
struct ChainBreak {
  std::int64_t position = 0;  // 1-based position in closing order
  std::string id;
  std::string what;  // which check failed
};

// Checks rows fed in closing order.
class ChainWalker {
 public:
  explicit ChainWalker(std::string previous = "", std::int64_t position = 0)
      : previous_(std::move(previous)), position_(position) {}
  std::optional<ChainBreak> feed(const AirtimeRow& row);
  const std::string& last_hash() const { return previous_; }
  std::int64_t position() const { return position_; }

 private:
  std::string previous_;
  std::int64_t position_;
};

// A row as the archive files and NDJSON export hold it; throws std::invalid_argument
// naming the field that is missing or of the wrong type.
AirtimeRow airtime_from_json(std::string_view line);

}  // namespace loaxa::airtime
