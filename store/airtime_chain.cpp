#include "store/airtime_chain.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "airtime/export.hpp"
#include "common/durable.hpp"
#include "common/sha256.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::store {

namespace json = boost::json;

std::optional<ChainAnchor> chain_anchor(sqlite::Database& db) {
  auto st = db.prepare(
      "SELECT file, last_seq, last_hash FROM airtime_archive ORDER BY last_seq DESC LIMIT 1");
  if (!st.step()) return std::nullopt;
  return ChainAnchor{st.text(0), st.int64(1), st.text(2)};
}

ArchiveResult archive_airtime(sqlite::Database& db, const std::filesystem::path& dir,
                              std::int64_t cutoff_ms, std::int64_t max_rows,
                              std::int64_t up_to_position) {
  ArchiveResult result;
  std::filesystem::create_directories(dir);
  // The rows to move: the chain's head, in closing order, while they are old enough.
  std::vector<std::string> ids;
  std::int64_t first_seq = 0, last_seq = 0;
  std::string last_hash;
  AirtimeLog log(db);
  {
    auto st = db.prepare(
        "SELECT id, closed_seq, start_ms, hash FROM airtime WHERE closed_seq IS NOT NULL "
        "ORDER BY closed_seq LIMIT ?");
    st.bind(1, max_rows);
    while (st.step()) {
      if (st.int64(2) >= cutoff_ms || st.int64(1) > up_to_position) break;
      if (ids.empty()) first_seq = st.int64(1);
      ids.push_back(st.text(0));
      last_seq = st.int64(1);
      last_hash = st.text(3);
    }
  }
  if (ids.empty()) return result;
  const std::string name =
      "airtime-" + std::to_string(first_seq) + "-" + std::to_string(last_seq) + ".ndjson";
  result.file = dir / name;
  write_durably(result.file, [&](std::ostream& out) {
    for (const auto& id : ids) out << json::serialize(to_json(*log.find(id))) << '\n';
  });
  const std::string digest = sha256_file_hex(result.file);
  sqlite::Transaction tx(db);
  const std::string when = scheduler::format_utc(std::time(nullptr));
  db.prepare(
        "INSERT INTO airtime_archive(file, first_seq, last_seq, last_hash, rows, sha256, "
        "written_at) VALUES (?,?,?,?,?,?,?)")
      .bind(1, name)
      .bind(2, first_seq)
      .bind(3, last_seq)
      .bind(4, last_hash)
      .bind(5, static_cast<std::int64_t>(ids.size()))
      .bind(6, digest)
      .bind(7, when)
      .run();
  db.prepare("DELETE FROM airtime WHERE closed_seq IS NOT NULL AND closed_seq BETWEEN ? AND ?")
      .bind(1, first_seq)
      .bind(2, last_seq)
      .run();
  tx.commit();
  result.rows = static_cast<std::int64_t>(ids.size());
  return result;
}

}  // namespace loaxa::store
