#pragma once
// The airtime log: one row per play attempt, opened when it starts and closed once
// when it ends. A closed row joins the hash chain (closing order) and never changes.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite/database.hpp"

namespace loaxa::store {

struct AirtimeRow {
  std::string id;
  std::string box_id;
  std::string channel;
  std::string media_id;
  std::string title;
  std::string topic;
  std::string playlist_id;
  std::string schedule_id;
  std::string source;  // schedule | manual | emergency | live | announcement
  std::string planned_start;
  std::string actual_start;
  std::string actual_end;
  std::optional<double> duration_s;
  std::string status;  // playing | completed | preempted | stopped | failed | missed | interrupted
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

struct AirtimeFilter {
  std::optional<std::int64_t> from_ms;  // start_ms >= from
  std::optional<std::int64_t> to_ms;    // start_ms < to
  std::optional<std::string> channel;
  std::optional<std::string> topic;
  std::optional<std::string> status;
};

// The first row where the hash chain breaks, if any.
struct ChainBreak {
  std::int64_t position = 0;  // 1-based position in closing order
  std::string id;
  std::string what;  // which check failed
};

class AirtimeLog {
 public:
  explicit AirtimeLog(sqlite::Database& db) : db_(db) {}

  // Writes an open row (status playing). `row.id` is generated when empty. Returns the id.
  std::string open(AirtimeRow row, std::int64_t start_ms);
  // Closes an open row, chaining its hash. Returns false if no such open row.
  bool close(const std::string& id, const std::string& actual_end, double duration_s,
             const std::string& status, const std::string& error, const PlayLevels& levels = {});
  // Writes a row that is closed from the start (failed before it began, missed).
  std::string insert_closed(AirtimeRow row, std::int64_t start_ms);
  void checkpoint(const std::string& id, std::int64_t position_ms);
  // Closes every row left open by a crash as `interrupted`, with the last checkpointed
  // duration, or the later position in `newer` (row id -> ms: what the daemon kept in
  // the page cache each second, which survives a crash of the process but not of the
  // power). `end_of` turns (actual_start, position_ms) into the actual_end text.
  int close_interrupted(const std::function<std::string(const std::string&, std::int64_t)>& end_of,
                        const std::map<std::string, std::int64_t>& newer = {});

  void for_each(const AirtimeFilter& filter,
                const std::function<void(const AirtimeRow&)>& visit) const;
  // The same rows as a cursor, for streaming: next() fills `row` until it returns false.
  class Cursor {
   public:
    Cursor(sqlite::Database& db, const AirtimeFilter& filter);
    bool next(AirtimeRow& row);

   private:
    sqlite::Statement st_;
  };
  std::optional<AirtimeRow> find(const std::string& id) const;
  // Whether any row exists for this (schedule, planned start): a block never airs twice.
  bool has_row(const std::string& schedule_id, const std::string& planned_start) const;
  // Walks closed rows in closing order, recomputing each hash. `checked` gets the count.
  // Starts from the last archived row when retention has archived the chain's head.
  std::optional<ChainBreak> verify(std::int64_t& checked) const;

  // For [airtime.push]: closed rows after position `after` in closing order, at most
  // `limit`; visit gets each row's position. Returns how many were visited.
  int closed_after(std::int64_t after, int limit,
                   const std::function<void(std::int64_t, const AirtimeRow&)>& visit) const;
  // The last closing position a receiver acknowledged (0: none yet), per push URL.
  std::int64_t push_cursor(const std::string& url) const;
  void set_push_cursor(const std::string& url, std::int64_t position);

 private:
  void close_chained(AirtimeRow& row);
  sqlite::Database& db_;
};

}  // namespace loaxa::store
