#pragma once
// The airtime log's hash chain across the database and its archive files.
//
// Retention (`[airtime] retention`) moves the oldest closed rows, in closing order, to
// NDJSON files under state_dir/archive before deleting them; the database remembers
// where each file ends (table airtime_archive), and the chain continues from there.
// `loaxa verify-log DB ARCHIVE...` walks the files and then the database as one chain.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "store/airtime_log.hpp"

namespace loaxa::store {

using airtime::airtime_from_json;
using airtime::ChainWalker;

// Where the database's chain starts when retention archived its head.
struct ChainAnchor {
  std::string file;  // archive file name
  std::int64_t last_seq = 0;
  std::string last_hash;
};
std::optional<ChainAnchor> chain_anchor(sqlite::Database& db);

struct ArchiveResult {
  std::int64_t rows = 0;
  std::filesystem::path file;  // empty when nothing was old enough
};

// Archives closed rows that started before `cutoff_ms`, oldest first in closing order
// (stopping at the first newer one), into `dir`/airtime-<first>-<last>.ndjson, fsynced,
// then deletes them in one transaction. At most `max_rows` per call, and none past
// closing position `up_to_position` (what an [airtime.push] receiver has acknowledged).
ArchiveResult archive_airtime(sqlite::Database& db, const std::filesystem::path& dir,
                              std::int64_t cutoff_ms, std::int64_t max_rows = 100000,
                              std::int64_t up_to_position = INT64_MAX);

}  // namespace loaxa::store
