#include "store/catalog.hpp"

namespace loaxa::store {
namespace {

constexpr const char* kMediaSelect =
    "SELECT id, media.sha256, file, title, COALESCE(topic,''), kind, duration_ms, origin, "
    "loudness.lufs, loudness.peak_db, COALESCE(audience,'') FROM media LEFT JOIN loudness "
    "USING (sha256)";

MediaRecord read_media(const sqlite::Statement& st) {
  MediaRecord m;
  m.id = st.text(0);
  m.sha256 = st.text(1);
  m.file = st.text(2);
  m.title = st.text(3);
  m.topic = st.text(4);
  m.kind = st.text(5);
  if (!st.is_null(6)) m.duration_ms = st.int64(6);
  m.origin = st.text(7);
  if (!st.is_null(8)) m.loudness_lufs = st.real(8);
  if (!st.is_null(9)) m.peak_db = st.real(9);
  m.audience = st.text(10);
  return m;
}

}  // namespace

void Catalog::upsert_media(const MediaRecord& m) {
  db_.prepare(
         "INSERT INTO media(id, sha256, file, title, topic, kind, duration_ms, origin, audience, "
         "added_at) VALUES (?,?,?,?,?,?,?,?,?, strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
         "ON CONFLICT(id) DO UPDATE SET sha256=excluded.sha256, file=excluded.file, "
         "title=excluded.title, topic=excluded.topic, kind=excluded.kind, "
         "duration_ms=excluded.duration_ms, origin=excluded.origin, audience=excluded.audience")
      .bind(1, m.id)
      .bind(2, m.sha256)
      .bind(3, m.file)
      .bind(4, m.title)
      .bind(5, m.topic)
      .bind(6, m.kind)
      .bind(7, m.duration_ms)
      .bind(8, m.origin)
      .bind(9, m.audience)
      .run();
}

void Catalog::set_loudness(const std::string& sha256, double lufs, double peak_db) {
  db_.prepare("INSERT OR REPLACE INTO loudness(sha256, lufs, peak_db) VALUES (?,?,?)")
      .bind(1, sha256)
      .bind(2, lufs)
      .bind(3, peak_db)
      .run();
}

bool Catalog::has_loudness(const std::string& sha256) const {
  auto st = db_.prepare("SELECT 1 FROM loudness WHERE sha256 = ?");
  st.bind(1, sha256);
  return st.step();
}

std::optional<MediaRecord> Catalog::find_media(const std::string& id) const {
  auto st = db_.prepare(std::string(kMediaSelect) + " WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_media(st);
}

std::optional<MediaRecord> Catalog::find_media_by_sha256(const std::string& sha256) const {
  auto st = db_.prepare(std::string(kMediaSelect) + " WHERE media.sha256 = ? LIMIT 1");
  st.bind(1, sha256);
  if (!st.step()) return std::nullopt;
  return read_media(st);
}

std::vector<MediaRecord> Catalog::list_media() const {
  std::vector<MediaRecord> out;
  auto st = db_.prepare(std::string(kMediaSelect) + " ORDER BY id");
  while (st.step()) out.push_back(read_media(st));
  return out;
}

void Catalog::replace_playlists(const std::string& origin,
                                const std::vector<PlaylistRecord>& lists) {
  sqlite::Transaction tx(db_);
  db_.prepare("DELETE FROM playlists WHERE origin = ?").bind(1, origin).run();
  for (const auto& p : lists) {
    db_.prepare("INSERT OR REPLACE INTO playlists(id, title, origin) VALUES (?,?,?)")
        .bind(1, p.id)
        .bind(2, p.title)
        .bind(3, origin)
        .run();
    db_.prepare("DELETE FROM playlist_items WHERE playlist_id = ?").bind(1, p.id).run();
    auto ins = db_.prepare(
        "INSERT INTO playlist_items(playlist_id, position, media_id, duration_ms) "
        "VALUES (?,?,?,?)");
    for (std::size_t pos = 0; pos < p.items.size(); ++pos) {
      std::optional<std::int64_t> shows;
      if (auto d = p.durations.find(pos); d != p.durations.end()) shows = d->second.count();
      ins.reset();
      ins.bind(1, p.id)
          .bind(2, static_cast<std::int64_t>(pos))
          .bind(3, p.items[pos])
          .bind(4, shows)
          .run();
    }
  }
  tx.commit();
}

void Catalog::replace_schedules(const std::string& origin,
                                const std::vector<ScheduleRecord>& rows) {
  sqlite::Transaction tx(db_);
  db_.prepare("DELETE FROM schedules WHERE origin = ?").bind(1, origin).run();
  for (const auto& s : rows) {
    db_.prepare(
           "INSERT OR REPLACE INTO schedules(id, channel, content_kind, content, start, rrule, "
           "until, priority, max_duration_ms, origin) VALUES (?,?,?,?,?,?,?,?,?,?)")
        .bind(1, s.id)
        .bind(2, s.channel)
        .bind(3, s.content_kind)
        .bind(4, s.content)
        .bind(5, s.start)
        .bind(6, s.rrule)
        .bind(7, s.until)
        .bind(8, s.priority)
        .bind(9, s.max_duration_ms)
        .bind(10, origin)
        .run();
  }
  tx.commit();
}

std::optional<PlaylistRecord> Catalog::find_playlist(const std::string& id) const {
  auto st = db_.prepare("SELECT id, title, origin FROM playlists WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  PlaylistRecord p{st.text(0), st.text(1), st.text(2), {}, {}};
  auto items = db_.prepare(
      "SELECT media_id, duration_ms FROM playlist_items WHERE playlist_id = ? ORDER BY position");
  items.bind(1, id);
  while (items.step()) {
    if (!items.is_null(1)) p.durations[p.items.size()] = std::chrono::milliseconds(items.int64(1));
    p.items.push_back(items.text(0));
  }
  return p;
}

std::vector<PlaylistRecord> Catalog::list_playlists(const std::string& origin) const {
  std::vector<std::string> ids;
  auto st = db_.prepare("SELECT id FROM playlists WHERE origin = ? ORDER BY id");
  st.bind(1, origin);
  while (st.step()) ids.push_back(st.text(0));
  std::vector<PlaylistRecord> out;
  for (const auto& id : ids) {
    if (auto p = find_playlist(id)) out.push_back(std::move(*p));
  }
  return out;
}

std::vector<ScheduleRecord> Catalog::list_schedules() const {
  std::vector<ScheduleRecord> out;
  auto st = db_.prepare(
      "SELECT id, channel, content_kind, content, start, rrule, until, priority, "
      "max_duration_ms, origin FROM schedules ORDER BY id");
  while (st.step()) {
    ScheduleRecord s;
    s.id = st.text(0);
    s.channel = st.text(1);
    s.content_kind = st.text(2);
    s.content = st.text(3);
    s.start = st.text(4);
    s.rrule = st.optional_text(5);
    s.until = st.optional_text(6);
    s.priority = static_cast<int>(st.int64(7));
    if (!st.is_null(8)) s.max_duration_ms = st.int64(8);
    s.origin = st.text(9);
    out.push_back(std::move(s));
  }
  return out;
}

bool Catalog::remove_media(const std::string& id) {
  db_.prepare("DELETE FROM media WHERE id = ?").bind(1, id).run();
  return db_.changes() > 0;
}

std::vector<std::string> Catalog::playlists_using(const std::string& media_id) const {
  std::vector<std::string> out;
  auto st = db_.prepare(
      "SELECT DISTINCT playlist_id FROM playlist_items WHERE media_id = ? ORDER BY playlist_id");
  st.bind(1, media_id);
  while (st.step()) out.push_back(st.text(0));
  return out;
}

void Catalog::remove_media_with_file(const std::string& file) {
  db_.prepare("DELETE FROM media WHERE file = ?").bind(1, file).run();
}

std::optional<InboxDecision> Catalog::inbox_decision(const std::string& schedule_id) const {
  auto st = db_.prepare(
      "SELECT schedule_id, decision, start, rrule, decided_at, decided_by FROM inbox WHERE "
      "schedule_id = ?");
  st.bind(1, schedule_id);
  if (!st.step()) return std::nullopt;
  InboxDecision d;
  d.schedule_id = st.text(0);
  d.decision = decision_names.at(st.text_view(1), "inbox.decision");
  d.start = st.optional_text(2);
  d.rrule = st.optional_text(3);
  d.decided_at = st.text(4);
  d.decided_by = st.text(5);
  return d;
}

void Catalog::set_inbox_decision(const InboxDecision& d) {
  auto st = db_.prepare(
      "INSERT INTO inbox(schedule_id, decision, start, rrule, decided_at, decided_by) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(schedule_id) DO UPDATE SET decision = ?2, start = ?3, "
      "rrule = ?4, decided_at = ?5, decided_by = ?6");
  st.bind(1, d.schedule_id).bind(2, decision_names(d.decision));
  if (d.start)
    st.bind(3, *d.start);
  else
    st.bind_null(3);
  if (d.rrule)
    st.bind(4, *d.rrule);
  else
    st.bind_null(4);
  st.bind(5, d.decided_at).bind(6, d.decided_by);
  st.run();
}

std::vector<ClashOrder> Catalog::clash_orders() const {
  auto st = db_.prepare(
      "SELECT province_id, local_id, first, decided_at, decided_by FROM clash_order ORDER BY "
      "province_id, local_id");
  std::vector<ClashOrder> out;
  while (st.step()) {
    out.push_back({st.text(0), st.text(1), st.text_view(2) == "local", st.text(3), st.text(4)});
  }
  return out;
}

void Catalog::set_clash_order(const ClashOrder& o) {
  db_.prepare(
         "INSERT INTO clash_order(province_id, local_id, first, decided_at, decided_by) VALUES "
         "(?1, ?2, ?3, ?4, ?5) ON CONFLICT(province_id, local_id) DO UPDATE SET first = ?3, "
         "decided_at = ?4, decided_by = ?5")
      .bind(1, o.province_id)
      .bind(2, o.local_id)
      .bind(3, std::string(o.local_first ? "local" : "province"))
      .bind(4, o.decided_at)
      .bind(5, o.decided_by)
      .run();
}

}  // namespace loaxa::store
