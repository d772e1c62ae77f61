#pragma once
// The airtime log: one row per play attempt, opened when it starts and closed once
// when it ends. A closed row joins the hash chain (closing order) and never changes.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "airtime/export.hpp"
#include "airtime/row.hpp"
#include "store/sqlite/database.hpp"

namespace loaxa::store {

// The row and its chain are airtime/'s; the store keeps them.
using airtime::airtime_columns;
using airtime::airtime_csv_header;
using airtime::airtime_fields;
using airtime::airtime_row_hash;
using airtime::AirtimeRow;
using airtime::append_csv;
using airtime::append_csv_field;
using airtime::ChainBreak;
using airtime::csv_field;
using airtime::PlayLevels;
using airtime::RowSource;
using airtime::RowStatus;
using airtime::to_csv;
using airtime::to_json;

struct AirtimeFilter {
  std::optional<std::int64_t> from_ms;  // start_ms >= from
  std::optional<std::int64_t> to_ms;    // start_ms < to
  std::optional<std::string> channel;
  std::optional<std::string> topic;
  std::optional<RowStatus> status;
};

class AirtimeLog {
 public:
  explicit AirtimeLog(sqlite::Database& db) : db_(db) {}

  // Writes an open row (status playing). `row.id` is generated when empty. Returns the id.
  std::string open(AirtimeRow row, std::int64_t start_ms);
  // Closes an open row, chaining its hash. Returns false if no such open row.
  bool close(const std::string& id, const std::string& actual_end, double duration_s,
             RowStatus status, const std::string& error, const PlayLevels& levels = {});
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
