#include "store/migrations.hpp"

#include <stdexcept>
#include <string>

namespace loaxa::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, R"sql(
CREATE TABLE media (
  id          TEXT PRIMARY KEY,
  sha256      TEXT NOT NULL,
  file        TEXT NOT NULL,            -- path inside state_dir/media
  title       TEXT NOT NULL DEFAULT '',
  topic       TEXT,
  audience    TEXT,                     -- comma-separated audience keys
  kind        TEXT NOT NULL DEFAULT 'audio',
  duration_ms INTEGER,
  origin      TEXT NOT NULL DEFAULT 'local',  -- local | config | province
  added_at    TEXT NOT NULL
);
CREATE TABLE playlists (
  id     TEXT PRIMARY KEY,
  title  TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT 'local'
);
CREATE TABLE playlist_items (
  playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  media_id    TEXT NOT NULL,
  PRIMARY KEY (playlist_id, position)
);
CREATE TABLE schedules (
  id              TEXT PRIMARY KEY,
  channel         TEXT NOT NULL,
  content_kind    TEXT NOT NULL,         -- playlist | media | stream
  content         TEXT NOT NULL,
  start           TEXT NOT NULL,         -- local date-time
  rrule           TEXT,
  until           TEXT,
  priority        INTEGER NOT NULL DEFAULT 50,
  max_duration_ms INTEGER,
  origin          TEXT NOT NULL DEFAULT 'local'
);
CREATE TABLE airtime (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  box_id         TEXT NOT NULL,
  channel        TEXT NOT NULL,
  media_id       TEXT NOT NULL DEFAULT '',
  title          TEXT NOT NULL DEFAULT '',
  topic          TEXT NOT NULL DEFAULT '',
  playlist_id    TEXT NOT NULL DEFAULT '',
  schedule_id    TEXT NOT NULL DEFAULT '',
  source         TEXT NOT NULL,
  planned_start  TEXT NOT NULL DEFAULT '',
  actual_start   TEXT NOT NULL DEFAULT '',
  actual_end     TEXT NOT NULL DEFAULT '',
  duration_s     REAL,
  status         TEXT NOT NULL,
  error          TEXT NOT NULL DEFAULT '',
  prev_hash      TEXT NOT NULL DEFAULT '',
  hash           TEXT NOT NULL DEFAULT '',
  start_ms       INTEGER NOT NULL,       -- actual (or planned) start, Unix ms, for filters
  closed_seq     INTEGER UNIQUE          -- position in the hash chain; NULL while open
);
)sql"},
      {2, R"sql(
ALTER TABLE airtime ADD COLUMN position_ms INTEGER NOT NULL DEFAULT 0;  -- last checkpoint
CREATE INDEX airtime_start ON airtime(start_ms);
CREATE INDEX airtime_open ON airtime(status) WHERE status = 'playing';
)sql"},
      {3, R"sql(
CREATE TABLE meta (          -- small facts about the box, e.g. last_alive
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE INDEX airtime_schedule ON airtime(schedule_id, planned_start);
)sql"},
      {4, R"sql(
-- Evidence for reports: whether the clock was synchronised when the row was written,
-- how long the planner meant this play to last, and its end and planned start as Unix
-- ms, so that reports clip plays at period boundaries without parsing text.
ALTER TABLE airtime ADD COLUMN clock_synced INTEGER;      -- 1 | 0 | NULL (rows before v4)
ALTER TABLE airtime ADD COLUMN planned_s REAL;            -- NULL: not planned (manual)
ALTER TABLE airtime ADD COLUMN end_ms INTEGER;            -- NULL while open
ALTER TABLE airtime ADD COLUMN planned_ms INTEGER;        -- planned start, Unix ms
UPDATE airtime SET end_ms = start_ms + CAST(ROUND(COALESCE(duration_s, 0) * 1000) AS INTEGER)
  WHERE status <> 'playing';
CREATE TABLE airtime_archive (   -- one row per archive file written by retention
  file       TEXT NOT NULL,      -- name inside state_dir/archive
  first_seq  INTEGER NOT NULL,   -- closed_seq range it holds
  last_seq   INTEGER NOT NULL,
  last_hash  TEXT NOT NULL,      -- the chain continues from here
  rows       INTEGER NOT NULL,
  sha256     TEXT NOT NULL,      -- of the file
  written_at TEXT NOT NULL
);
CREATE TABLE airtime_push (      -- rows sent to [airtime.push] url: a cursor in closing order
  url      TEXT PRIMARY KEY,
  sent_seq INTEGER NOT NULL
);
)sql"},
      {5, R"sql(
-- The operator's decisions on the province's `normal` bulletins (inbox), by schedule id:
-- they hold for later manifests that keep the id.
CREATE TABLE inbox (
  schedule_id TEXT PRIMARY KEY,
  decision    TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
  start       TEXT,              -- accepted with another first start (local date-time)
  rrule       TEXT,              -- ... or another recurrence
  decided_at  TEXT NOT NULL,
  decided_by  TEXT NOT NULL DEFAULT ''
);
-- Files in state_dir/media that no applied manifest or local media refers to any more,
-- since when: removed once the grace has passed (and never while they play).
CREATE TABLE media_orphans (
  file     TEXT PRIMARY KEY,
  since_ms INTEGER NOT NULL
);
)sql"},
      {6, R"sql(
-- Audio evidence of each play, as the channel measured it after the item's gain: mean
-- and peak level (dBFS) and the seconds spent below the silence level. NULL for rows
-- that never sounded and rows before v6.
ALTER TABLE airtime ADD COLUMN rms_db REAL;
ALTER TABLE airtime ADD COLUMN peak_db REAL;
ALTER TABLE airtime ADD COLUMN silence_s REAL;
)sql"},
      {7, R"sql(
-- Integrated loudness (EBU R128, LUFS) and sample peak (dBFS) of each media file, by
-- content, measured once at ingest: playout brings each play to its channel's target.
CREATE TABLE loudness (
  sha256  TEXT PRIMARY KEY,
  lufs    REAL NOT NULL,
  peak_db REAL NOT NULL
);
)sql"},
      {8, R"sql(
-- API tokens made with `loaxa token create` (the service cannot write its config):
-- only the SHA-256 of each token is kept. Sessions from a login live here too, with
-- an expiry.
CREATE TABLE api_token (
  name       TEXT PRIMARY KEY,
  role       TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  sha256     TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  expires_ms INTEGER
);
-- Who did what: emergencies, manual play and stop, deletions, token changes.
CREATE TABLE audit (
  id     INTEGER PRIMARY KEY,
  at     TEXT NOT NULL,
  who    TEXT NOT NULL,
  remote TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql"},
      {9, R"sql(
-- Picture evidence of each play on a kiosk screen: frames given to the screen and
-- frames it dropped late. NULL for loudspeaker rows and rows before v9.
ALTER TABLE airtime ADD COLUMN frames_rendered INTEGER;
ALTER TABLE airtime ADD COLUMN frames_dropped INTEGER;
)sql"},
      {10, R"sql(
-- How long a still image at this position of the playlist shows on a kiosk, when the
-- playlist says so; NULL: the channel's image_duration.
ALTER TABLE playlist_items ADD COLUMN duration_ms INTEGER;
)sql"},
      {11, R"sql(
-- The commune's order between a province bulletin and one of its own schedules that
-- meet on a channel (Circular 39/2020): which airs first. No row: the province's.
CREATE TABLE clash_order (
  province_id TEXT NOT NULL,
  local_id TEXT NOT NULL,
  first TEXT NOT NULL CHECK (first IN ('province', 'local')),
  decided_at TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  PRIMARY KEY (province_id, local_id)
);
)sql"},
  };
  return all;
}

int schema_version(sqlite::Database& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT "
      "NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))");
  auto st = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  st.step();
  return static_cast<int>(st.int64(0));
}

int migrate(sqlite::Database& db, int up_to) {
  int version = schema_version(db);
  const int latest = migrations().back().version;
  if (version > latest) {
    throw std::runtime_error("database schema version " + std::to_string(version) +
                             " is newer than this loaxa knows (" + std::to_string(latest) +
                             "); install the newer loaxa or restore a backup");
  }
  for (const Migration& m : migrations()) {
    if (m.version <= version) continue;
    if (up_to > 0 && m.version > up_to) break;
    sqlite::Transaction tx(db);
    db.exec(m.sql);
    db.prepare("INSERT INTO schema_version(version) VALUES (?)").bind(1, m.version).run();
    tx.commit();
    version = m.version;
  }
  return version;
}

}  // namespace loaxa::store
