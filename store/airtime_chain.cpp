#include "store/airtime_chain.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "common/durable.hpp"
#include "common/sha256.hpp"
#include "scheduler/local_time.hpp"
#include "store/airtime_export.hpp"

namespace loaxa::store {

namespace json = boost::json;

std::optional<ChainBreak> ChainWalker::feed(const AirtimeRow& r) {
  ++position_;
  if (r.prev_hash != previous_) {
    return ChainBreak{position_, r.id,
                      "prev_hash does not match the hash of the row closed before it "
                      "(a row was removed, inserted or reordered)"};
  }
  if (airtime_row_hash(r) != r.hash) {
    return ChainBreak{position_, r.id,
                      "hash does not match the row's fields (a field was changed)"};
  }
  previous_ = r.hash;
  return std::nullopt;
}

std::optional<ChainAnchor> chain_anchor(sqlite::Database& db) {
  auto st = db.prepare(
      "SELECT file, last_seq, last_hash FROM airtime_archive ORDER BY last_seq DESC LIMIT 1");
  if (!st.step()) return std::nullopt;
  return ChainAnchor{st.text(0), st.int64(1), st.text(2)};
}

namespace {

const json::value& field(const json::object& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end()) throw std::invalid_argument(std::string("missing field \"") + name + "\"");
  return it->value();
}

std::string text(const json::object& o, const char* name) {
  const auto& v = field(o, name);
  if (!v.is_string()) throw std::invalid_argument(std::string("\"") + name + "\" must be a string");
  return std::string(v.get_string());
}

std::optional<double> number(const json::object& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_number()) {
    throw std::invalid_argument(std::string("\"") + name + "\" must be a number or null");
  }
  return it->value().to_number<double>();
}

}  // namespace

AirtimeRow airtime_from_json(std::string_view line) {
  json::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) throw std::invalid_argument("not JSON: " + ec.message());
  if (!v.is_object()) throw std::invalid_argument("a row must be a JSON object");
  const json::object& o = v.get_object();
  AirtimeRow r;
  r.id = text(o, "id");
  r.box_id = text(o, "box_id");
  r.channel = text(o, "channel");
  r.media_id = text(o, "media_id");
  r.title = text(o, "title");
  r.topic = text(o, "topic");
  r.playlist_id = text(o, "playlist_id");
  r.schedule_id = text(o, "schedule_id");
  r.source = text(o, "source");
  r.planned_start = text(o, "planned_start");
  r.actual_start = text(o, "actual_start");
  r.actual_end = text(o, "actual_end");
  r.duration_s = number(o, "duration_s");
  r.status = text(o, "status");
  r.error = text(o, "error");
  r.prev_hash = text(o, "prev_hash");
  r.hash = text(o, "hash");
  if (auto it = o.find("clock_synced"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_bool())
      throw std::invalid_argument("\"clock_synced\" must be true, false or null");
    r.clock_synced = it->value().get_bool();
  }
  r.planned_s = number(o, "planned_s");
  r.rms_db = number(o, "rms_db");
  r.peak_db = number(o, "peak_db");
  r.silence_s = number(o, "silence_s");
  for (const auto& [key, field] : {std::pair{"frames_rendered", &r.frames_rendered},
                                   std::pair{"frames_dropped", &r.frames_dropped}}) {
    if (auto n = number(o, key)) *field = static_cast<std::int64_t>(*n);
  }
  return r;
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
