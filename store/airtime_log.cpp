#include "store/airtime_log.hpp"

#include <cmath>
#include <cstdio>

#include "common/sha256.hpp"
#include "store/airtime_chain.hpp"

namespace loaxa::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, box_id, channel, media_id, title, topic, playlist_id, schedule_id, source, "
    "planned_start, actual_start, actual_end, duration_s, status, error, prev_hash, hash, "
    "clock_synced, planned_s, planned_ms, rms_db, peak_db, silence_s, frames_rendered, "
    "frames_dropped FROM airtime";
constexpr int kSelectColumns = 25;

// Fills r in place: a cursor over a million rows reuses the strings' storage. A status or
// source the program does not know (a row edited by hand) throws std::invalid_argument.
void read_row(const sqlite::Statement& st, AirtimeRow& r) {
  r.id.assign(st.text_view(0));
  r.box_id.assign(st.text_view(1));
  r.channel.assign(st.text_view(2));
  r.media_id.assign(st.text_view(3));
  r.title.assign(st.text_view(4));
  r.topic.assign(st.text_view(5));
  r.playlist_id.assign(st.text_view(6));
  r.schedule_id.assign(st.text_view(7));
  r.source = airtime::row_source.at(st.text_view(8), "source");
  r.planned_start.assign(st.text_view(9));
  r.actual_start.assign(st.text_view(10));
  r.actual_end.assign(st.text_view(11));
  r.duration_s = st.is_null(12) ? std::nullopt : std::optional<double>(st.real(12));
  r.status = airtime::row_status.at(st.text_view(13), "status");
  r.error.assign(st.text_view(14));
  r.prev_hash.assign(st.text_view(15));
  r.hash.assign(st.text_view(16));
  r.clock_synced = st.is_null(17) ? std::nullopt : std::optional<bool>(st.int64(17) != 0);
  r.planned_s = st.is_null(18) ? std::nullopt : std::optional<double>(st.real(18));
  r.planned_ms = st.is_null(19) ? std::nullopt : std::optional<std::int64_t>(st.int64(19));
  r.rms_db = st.is_null(20) ? std::nullopt : std::optional<double>(st.real(20));
  r.peak_db = st.is_null(21) ? std::nullopt : std::optional<double>(st.real(21));
  r.silence_s = st.is_null(22) ? std::nullopt : std::optional<double>(st.real(22));
  r.frames_rendered = st.is_null(23) ? std::nullopt : std::optional<std::int64_t>(st.int64(23));
  r.frames_dropped = st.is_null(24) ? std::nullopt : std::optional<std::int64_t>(st.int64(24));
}

AirtimeRow read_row(const sqlite::Statement& st) {
  AirtimeRow r;
  read_row(st, r);
  return r;
}

}  // namespace

std::string AirtimeLog::open(AirtimeRow row, std::int64_t start_ms) {
  if (row.id.empty()) row.id = uuid_v7();
  db_.prepare(
         "INSERT INTO airtime(id, box_id, channel, media_id, title, topic, playlist_id, "
         "schedule_id, source, planned_start, actual_start, status, start_ms, clock_synced, "
         "planned_s, planned_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,'playing',?,?,?,?)")
      .bind(1, row.id)
      .bind(2, row.box_id)
      .bind(3, row.channel)
      .bind(4, row.media_id)
      .bind(5, row.title)
      .bind(6, row.topic)
      .bind(7, row.playlist_id)
      .bind(8, row.schedule_id)
      .bind(9, airtime::row_source(row.source))
      .bind(10, row.planned_start)
      .bind(11, row.actual_start)
      .bind(12, start_ms)
      .bind(13, row.clock_synced ? std::optional<std::int64_t>(*row.clock_synced ? 1 : 0)
                                 : std::nullopt)
      .bind(14, row.planned_s)
      .bind(15, row.planned_ms)
      .run();
  return row.id;
}

void AirtimeLog::close_chained(AirtimeRow& row) {
  auto last = db_.prepare(
      "SELECT hash, COALESCE(closed_seq, 0) FROM airtime WHERE closed_seq IS NOT NULL "
      "ORDER BY closed_seq DESC LIMIT 1");
  std::int64_t seq = 0;
  row.prev_hash.clear();
  if (last.step()) {
    row.prev_hash = last.text(0);
    seq = last.int64(1);
  } else if (auto anchor = chain_anchor(db_)) {  // retention archived every closed row
    row.prev_hash = anchor->last_hash;
    seq = anchor->last_seq;
  }
  row.hash = airtime_row_hash(row);
  db_.prepare(
         "UPDATE airtime SET actual_end=?, duration_s=?, status=?, error=?, prev_hash=?, hash=?, "
         "closed_seq=?, end_ms = start_ms + ?, rms_db=?, peak_db=?, silence_s=?, "
         "frames_rendered=?, frames_dropped=? WHERE id=?")
      .bind(1, row.actual_end)
      .bind(2, row.duration_s)
      .bind(3, airtime::row_status(row.status))
      .bind(4, row.error)
      .bind(5, row.prev_hash)
      .bind(6, row.hash)
      .bind(7, seq + 1)
      .bind(8, static_cast<std::int64_t>(std::llround(row.duration_s.value_or(0.0) * 1000.0)))
      .bind(9, row.rms_db)
      .bind(10, row.peak_db)
      .bind(11, row.silence_s)
      .bind(12, row.frames_rendered)
      .bind(13, row.frames_dropped)
      .bind(14, row.id)
      .run();
}

bool AirtimeLog::close(const std::string& id, const std::string& actual_end, double duration_s,
                       RowStatus status, const std::string& error, const PlayLevels& levels) {
  sqlite::Transaction tx(db_);
  auto row = find(id);
  if (!row || row->status != RowStatus::playing) return false;
  // Stored as they are hashed: rounded as the CSV writes them.
  auto rounded = [](std::optional<double> v, double unit) -> std::optional<double> {
    if (!v) return v;
    return std::round(*v / unit) * unit;
  };
  row->rms_db = rounded(levels.rms_db, 0.1);
  row->peak_db = rounded(levels.peak_db, 0.1);
  row->silence_s = rounded(levels.silence_s, 0.001);
  row->frames_rendered = levels.frames_rendered;
  row->frames_dropped = levels.frames_dropped;
  row->actual_end = actual_end;
  row->duration_s = duration_s;
  row->status = status;
  row->error = error;
  close_chained(*row);
  tx.commit();
  return true;
}

std::string AirtimeLog::insert_closed(AirtimeRow row, std::int64_t start_ms) {
  sqlite::Transaction tx(db_);
  const AirtimeRow closing = row;
  row.id = open(row, start_ms);
  AirtimeRow done = closing;
  done.id = row.id;
  close_chained(done);
  tx.commit();
  return done.id;
}

void AirtimeLog::checkpoint(const std::string& id, std::int64_t position_ms) {
  db_.prepare("UPDATE airtime SET position_ms=? WHERE id=? AND status='playing'")
      .bind(1, position_ms)
      .bind(2, id)
      .run();
}

int AirtimeLog::close_interrupted(
    const std::function<std::string(const std::string&, std::int64_t)>& end_of,
    const std::map<std::string, std::int64_t>& newer) {
  sqlite::Transaction tx(db_);
  auto st = db_.prepare(
      "SELECT id, position_ms, actual_start FROM airtime WHERE status='playing' ORDER BY seq");
  std::vector<std::tuple<std::string, std::int64_t, std::string>> pending;
  while (st.step()) pending.emplace_back(st.text(0), st.int64(1), st.text(2));
  for (auto& [id, pos, start] : pending) {
    if (auto it = newer.find(id); it != newer.end() && it->second > pos) pos = it->second;
    auto row = find(id);
    row->actual_end = end_of(start, pos);
    row->duration_s = static_cast<double>(pos) / 1000.0;
    row->status = RowStatus::interrupted;
    row->error =
        "the daemon stopped while this played (crash or power cut); duration is the "
        "last position it kept";
    close_chained(*row);
  }
  tx.commit();
  return static_cast<int>(pending.size());
}

namespace {

sqlite::Statement filtered(sqlite::Database& db, const AirtimeFilter& f) {
  std::string sql = std::string(kSelect) + " WHERE 1=1";
  if (f.from_ms) sql += " AND start_ms >= ?1";
  if (f.to_ms) sql += " AND start_ms < ?2";
  if (f.channel) sql += " AND channel = ?3";
  if (f.topic) sql += " AND topic = ?4";
  if (f.status) sql += " AND status = ?5";
  sql += " ORDER BY start_ms, seq";
  auto st = db.prepare(sql);
  if (f.from_ms) st.bind(1, *f.from_ms);
  if (f.to_ms) st.bind(2, *f.to_ms);
  if (f.channel) st.bind(3, *f.channel);
  if (f.topic) st.bind(4, *f.topic);
  if (f.status) st.bind(5, airtime::row_status(*f.status));
  return st;
}

}  // namespace

AirtimeLog::Cursor::Cursor(sqlite::Database& db, const AirtimeFilter& filter)
    : st_(filtered(db, filter)) {}

bool AirtimeLog::Cursor::next(AirtimeRow& row) {
  if (!st_.step()) return false;
  read_row(st_, row);
  return true;
}

void AirtimeLog::for_each(const AirtimeFilter& f,
                          const std::function<void(const AirtimeRow&)>& visit) const {
  Cursor cursor(db_, f);
  AirtimeRow row;
  while (cursor.next(row)) visit(row);
}

std::optional<ChainBreak> AirtimeLog::verify(std::int64_t& checked) const {
  const auto anchor = chain_anchor(db_);
  ChainWalker walker(anchor ? anchor->last_hash : "", anchor ? anchor->last_seq : 0);
  auto st = db_.prepare(std::string(kSelect) + " WHERE closed_seq IS NOT NULL ORDER BY closed_seq");
  checked = 0;
  AirtimeRow row;
  while (st.step()) {
    ++checked;
    try {
      read_row(st, row);
    } catch (const std::invalid_argument& e) {  // edited to a value no box writes
      return ChainBreak{walker.position() + 1, st.text(0), e.what()};
    }
    if (auto broken = walker.feed(row)) return broken;
  }
  return std::nullopt;
}

int AirtimeLog::closed_after(
    std::int64_t after, int limit,
    const std::function<void(std::int64_t, const AirtimeRow&)>& visit) const {
  std::string sql = kSelect;
  sql.insert(sql.rfind(" FROM airtime"), ", closed_seq");
  auto st = db_.prepare(sql + " WHERE closed_seq > ? ORDER BY closed_seq LIMIT ?");
  st.bind(1, after).bind(2, std::int64_t{limit});
  AirtimeRow row;
  int n = 0;
  while (st.step()) {
    read_row(st, row);
    visit(st.int64(kSelectColumns), row);  // after kSelect's columns
    ++n;
  }
  return n;
}

std::int64_t AirtimeLog::push_cursor(const std::string& url) const {
  auto st = db_.prepare("SELECT sent_seq FROM airtime_push WHERE url = ?");
  st.bind(1, url);
  return st.step() ? st.int64(0) : 0;
}

void AirtimeLog::set_push_cursor(const std::string& url, std::int64_t position) {
  db_.prepare(
         "INSERT INTO airtime_push(url, sent_seq) VALUES (?1, ?2) "
         "ON CONFLICT(url) DO UPDATE SET sent_seq = MAX(sent_seq, ?2)")
      .bind(1, url)
      .bind(2, position)
      .run();
}

bool AirtimeLog::has_row(const std::string& schedule_id, const std::string& planned_start) const {
  auto st =
      db_.prepare("SELECT 1 FROM airtime WHERE schedule_id = ? AND planned_start = ? LIMIT 1");
  st.bind(1, schedule_id).bind(2, planned_start);
  return st.step();
}

std::optional<AirtimeRow> AirtimeLog::find(const std::string& id) const {
  auto st = db_.prepare(std::string(kSelect) + " WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_row(st);
}

}  // namespace loaxa::store
