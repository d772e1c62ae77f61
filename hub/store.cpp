#include "hub/store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/id.hpp"
#include "scheduler/local_time.hpp"
#include "sync/keys.hpp"

namespace loaxa::hub {

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> all = {
      // 1: the fleet, airtime (partitioned by month of its start), health, alerts, people.
      R"sql(
CREATE TABLE district (id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE box (
  id text PRIMARY KEY,
  name text NOT NULL,
  district_id text NOT NULL REFERENCES district(id),
  commune text NOT NULL,
  public_key text NOT NULL,
  lat double precision,
  lon double precision,
  enrolled_at timestamptz NOT NULL DEFAULT now(),
  chain_hash text NOT NULL DEFAULT '',   -- hash of the last row in the box's chain
  chain_rows bigint NOT NULL DEFAULT 0,
  chain_breaks bigint NOT NULL DEFAULT 0,
  last_push timestamptz,
  last_status timestamptz,
  status jsonb
);
-- One row per play as the box logged and signed it. Month partitions (in the hub's
-- zone) are made as rows arrive: a year is archived or dropped as twelve tables.
CREATE TABLE airtime (
  box_id text NOT NULL,
  id text NOT NULL,
  start_at timestamptz NOT NULL,      -- actual start, or planned when it never started
  start_ms bigint NOT NULL,
  end_ms bigint NOT NULL,
  planned_ms bigint,
  planned_s double precision,
  channel text NOT NULL,
  media_id text NOT NULL,
  title text NOT NULL,
  topic text NOT NULL,
  schedule_id text NOT NULL,
  source text NOT NULL,
  status text NOT NULL,
  clock_synced boolean,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  chain_pos bigint NOT NULL,          -- arrival order in the box's chain
  line text NOT NULL,                 -- the row as the box sent it (NDJSON)
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (box_id, id, start_at)
) PARTITION BY RANGE (start_at);
CREATE INDEX airtime_prev ON airtime (box_id, prev_hash);
CREATE INDEX airtime_start ON airtime (start_at, box_id);
CREATE TABLE box_status_hour (
  box_id text NOT NULL,
  hour timestamptz NOT NULL,
  at timestamptz NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (box_id, hour)
);
CREATE TABLE alert (
  id bigserial PRIMARY KEY,
  box_id text NOT NULL,
  kind text NOT NULL,
  key text NOT NULL,
  since timestamptz NOT NULL DEFAULT now(),
  until timestamptz,
  message text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX alert_open ON alert (box_id, key) WHERE until IS NULL;
CREATE TABLE hub_user (
  name text PRIMARY KEY,
  role text NOT NULL,
  district_id text,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE hub_session (
  sha256 text PRIMARY KEY,
  name text NOT NULL REFERENCES hub_user(name) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  who text NOT NULL,
  remote text NOT NULL,
  action text NOT NULL,
  detail text NOT NULL
);
)sql",
      // 2: emergencies the hub served and each box's receipt of them (receipts.hpp).
      R"sql(
CREATE TABLE emergency (
  id text PRIMARY KEY,
  sequence bigint NOT NULL,           -- the first manifest that carried it
  published_at timestamptz NOT NULL DEFAULT now(),
  text text NOT NULL,
  media text NOT NULL,
  channels jsonb NOT NULL,
  targets jsonb NOT NULL,             -- {"boxes": [globs], "districts": [ids]}
  manifest_targets jsonb NOT NULL,    -- the whole manifest's
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  withdrawn_at timestamptz            -- dropped from the manifest before valid_until
);
CREATE TABLE emergency_receipt (
  emergency_id text NOT NULL REFERENCES emergency(id) ON DELETE CASCADE,
  box_id text NOT NULL REFERENCES box(id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL DEFAULT now(),  -- first status naming it
  released_at timestamptz,                         -- first status that no longer did
  PRIMARY KEY (emergency_id, box_id)
);
CREATE INDEX airtime_schedule ON airtime (schedule_id, box_id) WHERE source = 'emergency';
)sql",
      // 3: emergencies issued from the hub itself (issue.hpp), kept through a `loaxa
      // publish` into the same folder.
      R"sql(
CREATE TABLE issued_emergency (
  id text PRIMARY KEY,
  text text NOT NULL,
  media text NOT NULL,
  channels jsonb NOT NULL,
  targets jsonb NOT NULL,
  repeat int NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  issued_by text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  withdrawn_by text,
  withdrawn_at timestamptz
);
)sql",
      // 4: bulletins drafted and published from the hub (bulletins.cpp): a schedule entry
      // of the manifest each, signed only once published.
      R"sql(
CREATE TABLE issued_bulletin (
  id text PRIMARY KEY,
  title text NOT NULL,
  entry jsonb NOT NULL,               -- the manifest's schedule entry, targets in it
  state text NOT NULL CHECK (state IN ('draft', 'published', 'withdrawn')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_by text,
  published_at timestamptz,
  withdrawn_by text,
  withdrawn_at timestamptz
);
)sql",
      // 5: the hub's media library (library.cpp): files uploaded by officers, probed and
      // measured, kept content-addressed in the publish folder's media/.
      R"sql(
CREATE TABLE hub_media (
  id text PRIMARY KEY,
  title text NOT NULL,
  topic text NOT NULL DEFAULT '',
  kind text NOT NULL,
  sha256 text NOT NULL,
  ext text NOT NULL,
  size bigint NOT NULL,
  duration_ms bigint,
  lufs double precision,
  peak_db double precision,
  uploaded_by text NOT NULL,
  district text NOT NULL DEFAULT '',  -- the uploader's district; '' for the province
  uploaded_at timestamptz NOT NULL DEFAULT now()
);
)sql",
      // 6: playlists made on the hub (playlists.cpp): media ids in order.
      R"sql(
CREATE TABLE hub_playlist (
  id text PRIMARY KEY,
  title text NOT NULL,
  items jsonb NOT NULL,
  created_by text NOT NULL,
  district text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
)sql",
      // 7: days off set on the hub (holidays.cpp); a removed one is kept (removed_at) so
      // the merge knows to take it out of the manifest.
      R"sql(
CREATE TABLE hub_holiday (
  day date PRIMARY KEY,
  name text NOT NULL,
  added_by text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz
);
)sql",
  };
  return all;
}

int migrate(pg::Connection& db) {
  db.script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, "
      "applied_at timestamptz NOT NULL DEFAULT now())");
  // One hub process migrates at a time (several may start behind nginx).
  pg::Transaction lock(db);
  db.exec("SELECT pg_advisory_xact_lock(7140520)");
  auto r = db.exec("SELECT COALESCE(max(version), 0) FROM schema_migrations");
  int version = static_cast<int>(r.int64(0, 0));
  const auto& all = migrations();
  for (; version < static_cast<int>(all.size()); ++version) {
    db.script(all[static_cast<std::size_t>(version)]);
    db.exec("INSERT INTO schema_migrations(version) VALUES ($1)", {pg::num(version + 1)});
  }
  lock.commit();
  return version;
}

bool online(const HubConfig& config, const Box& b) {
  if (b.last_status_at.empty()) return false;
  const auto at = scheduler::parse_iso_instant(b.last_status_at, scheduler::Zone("UTC"));
  return std::chrono::system_clock::now() - at < config.offline_after;
}

Scope Scope::of(const std::string& principal_scope) {
  Scope s;
  if (principal_scope.starts_with("district:")) s.district = principal_scope.substr(9);
  return s;
}

namespace {

constexpr const char* kBoxColumns =
    "b.id, b.name, b.district_id, d.name, b.commune, b.public_key, b.lat, b.lon, "
    "to_char(b.enrolled_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "COALESCE(to_char(b.last_status, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
    "COALESCE(to_char(b.last_push, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
    "b.chain_rows, b.chain_breaks, b.status::text "
    "FROM box b JOIN district d ON d.id = b.district_id";

Box box_of(const pg::Result& r, int i) {
  Box b;
  b.id = r.str(i, 0);
  b.name = r.str(i, 1);
  b.district_id = r.str(i, 2);
  b.district = r.str(i, 3);
  b.commune = r.str(i, 4);
  b.public_key = r.str(i, 5);
  b.lat = r.opt_real(i, 6);
  b.lon = r.opt_real(i, 7);
  b.enrolled_at = r.str(i, 8);
  b.last_status_at = r.str(i, 9);
  b.last_push_at = r.str(i, 10);
  b.chain_rows = r.int64(i, 11);
  b.chain_breaks = r.int64(i, 12);
  if (!r.null(i, 13)) {
    auto v = boost::json::parse(r.str(i, 13));
    if (v.is_object()) b.status = v.as_object();
  }
  return b;
}

constexpr const char* kIso = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

Alert alert_of(const pg::Result& r, int i) {
  Alert a;
  a.id = r.int64(i, 0);
  a.box_id = r.str(i, 1);
  a.kind = r.str(i, 2);
  a.key = r.str(i, 3);
  a.since = r.str(i, 4);
  a.until = r.str(i, 5);
  a.message = r.str(i, 6);
  auto v = boost::json::parse(r.str(i, 7));
  if (v.is_object()) a.detail = v.as_object();
  return a;
}

std::string alert_select() {
  return std::string("SELECT a.id, a.box_id, a.kind, a.key, to_char(a.since, ") + kIso +
         "), COALESCE(to_char(a.until, " + kIso + "), ''), a.message, a.detail::text FROM alert a ";
}

}  // namespace

void Store::add_box(const Box& box) {
  if (!valid_id(box.id)) throw std::invalid_argument("box id \"" + box.id + "\": " + kIdRule);
  if (box.name.empty()) throw std::invalid_argument("--name is empty (the box's name)");
  if (box.commune.empty()) throw std::invalid_argument("--commune is empty (its commune's name)");
  const std::string district_id = id_from_name(box.district);
  if (district_id.empty()) {
    throw std::invalid_argument("--district \"" + box.district +
                                "\" has no letter (the district's name, e.g. \"Đồng Xoài\")");
  }
  if (!sync::base64_decode(box.public_key, 32)) {
    throw std::invalid_argument(
        "--key is not a public key (base64 of 32 bytes, as `loaxa keygen "
        "--show-public box.key` prints it)");
  }
  if ((box.lat && (*box.lat < -90 || *box.lat > 90)) ||
      (box.lon && (*box.lon < -180 || *box.lon > 180))) {
    throw std::invalid_argument("--lat must be within -90..90 and --lon within -180..180");
  }
  pg::Transaction tx(db_);
  db_.exec("INSERT INTO district(id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
           {pg::text(district_id), pg::text(box.district)});
  auto r = db_.exec(
      "INSERT INTO box(id, name, district_id, commune, public_key, lat, lon) "
      "VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (id) DO NOTHING",
      {pg::text(box.id), pg::text(box.name), pg::text(district_id), pg::text(box.commune),
       pg::text(box.public_key), pg::opt(box.lat), pg::opt(box.lon)});
  if (r.affected() == 0) {
    throw std::invalid_argument("box \"" + box.id + "\" is enrolled already (box rm it first)");
  }
  tx.commit();
}

bool Store::remove_box(const std::string& id) {
  return db_.exec("DELETE FROM box WHERE id = $1", {pg::text(id)}).affected() > 0;
}

std::vector<Box> Store::boxes(const Scope& scope) {
  auto r = db_.exec(std::string("SELECT ") + kBoxColumns +
                        " WHERE ($1 = '' OR b.district_id = $1) ORDER BY d.name, b.commune, b.id",
                    {pg::text(scope.district)});
  std::vector<Box> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(box_of(r, i));
  return out;
}

std::optional<Box> Store::box(const std::string& id) {
  auto r = db_.exec(std::string("SELECT ") + kBoxColumns + " WHERE b.id = $1", {pg::text(id)});
  if (r.rows() == 0) return std::nullopt;
  return box_of(r, 0);
}

void Store::store_status(const std::string& box_id, const boost::json::object& status) {
  const std::string body = boost::json::serialize(status);
  pg::Transaction tx(db_);
  db_.exec("UPDATE box SET status = $2::jsonb, last_status = now() WHERE id = $1",
           {pg::text(box_id), pg::text(body)});
  // The history keeps the last status of each hour.
  db_.exec(
      "INSERT INTO box_status_hour(box_id, hour, at, body) "
      "VALUES ($1, date_trunc('hour', now()), now(), $2::jsonb) "
      "ON CONFLICT (box_id, hour) DO UPDATE SET at = EXCLUDED.at, body = EXCLUDED.body",
      {pg::text(box_id), pg::text(body)});
  tx.commit();
}

std::vector<std::pair<std::string, boost::json::object>> Store::status_history(
    const std::string& box_id, int hours) {
  auto r = db_.exec(std::string("SELECT to_char(at, ") + kIso +
                        "), body::text FROM box_status_hour WHERE box_id = $1 "
                        "AND hour > now() - make_interval(hours => $2::int) ORDER BY hour DESC",
                    {pg::text(box_id), pg::num(hours)});
  std::vector<std::pair<std::string, boost::json::object>> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto v = boost::json::parse(r.str(i, 1));
    out.emplace_back(r.str(i, 0), v.is_object() ? v.as_object() : boost::json::object{});
  }
  return out;
}

std::optional<Alert> Store::open_alert(const std::string& box_id, const std::string& kind,
                                       const std::string& key, const std::string& message,
                                       const boost::json::object& detail) {
  auto r = db_.exec(
      "INSERT INTO alert(box_id, kind, key, message, detail) VALUES ($1,$2,$3,$4,$5::jsonb) "
      "ON CONFLICT (box_id, key) WHERE until IS NULL DO NOTHING RETURNING id",
      {pg::text(box_id), pg::text(kind), pg::text(key), pg::text(message),
       pg::text(boost::json::serialize(detail))});
  if (r.rows() == 0) return std::nullopt;
  auto a = db_.exec(alert_select() + "WHERE a.id = $1", {pg::num(r.int64(0, 0))});
  return alert_of(a, 0);
}

void Store::close_alert(const std::string& box_id, const std::string& key) {
  db_.exec("UPDATE alert SET until = now() WHERE box_id = $1 AND key = $2 AND until IS NULL",
           {pg::text(box_id), pg::text(key)});
}

std::vector<Alert> Store::alerts(const Scope& scope, bool closed_too) {
  auto r = db_.exec(alert_select() +
                        "JOIN box b ON b.id = a.box_id WHERE ($1 = '' OR b.district_id = $1) "
                        "AND (a.until IS NULL OR ($2 AND a.until > now() - interval '1 day')) "
                        "ORDER BY a.since DESC, a.id DESC LIMIT 1000",
                    {pg::text(scope.district), pg::boolean(closed_too)});
  std::vector<Alert> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(alert_of(r, i));
  return out;
}

std::vector<Alert> Store::box_alerts(const std::string& box_id) {
  auto r = db_.exec(
      alert_select() + "WHERE a.box_id = $1 AND a.until IS NULL ORDER BY a.since DESC, a.id DESC",
      {pg::text(box_id)});
  std::vector<Alert> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(alert_of(r, i));
  return out;
}

void Store::add_user(const User& user) {
  if (!valid_id(user.name))
    throw std::invalid_argument("user name \"" + user.name + "\": " + kIdRule);
  if (user.role == HubRole::district && user.district.empty()) {
    throw std::invalid_argument("a district user needs --district ID (e.g. dong-xoai)");
  }
  if (user.role == HubRole::district &&
      db_.exec("SELECT 1 FROM district WHERE id = $1", {pg::text(user.district)}).rows() == 0) {
    throw std::invalid_argument("no box is enrolled in district \"" + user.district +
                                "\" (districts come with their boxes: box add first)");
  }
  db_.exec(
      "INSERT INTO hub_user(name, role, district_id, password_hash) VALUES ($1,$2,$3,$4) "
      "ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, district_id = EXCLUDED.district_id, "
      "password_hash = EXCLUDED.password_hash",
      {pg::text(user.name), pg::text(to_string(user.role)),
       user.role == HubRole::district ? pg::text(user.district) : std::nullopt,
       pg::text(user.password_hash)});
}

std::optional<User> Store::user(const std::string& name) {
  auto r = db_.exec(
      "SELECT name, role, COALESCE(district_id, ''), password_hash FROM hub_user WHERE name = $1",
      {pg::text(name)});
  if (r.rows() == 0) return std::nullopt;
  return User{r.str(0, 0), parse_hub_role(r.str(0, 1)), r.str(0, 2), r.str(0, 3)};
}

void Store::add_session(const std::string& sha256, const std::string& name, std::int64_t seconds) {
  db_.exec("DELETE FROM hub_session WHERE expires_at < now()");
  db_.exec(
      "INSERT INTO hub_session(sha256, name, expires_at) "
      "VALUES ($1, $2, now() + make_interval(secs => $3::int))",
      {pg::text(sha256), pg::text(name), pg::num(seconds)});
}

std::optional<User> Store::session(const std::string& sha256) {
  auto r = db_.exec(
      "SELECT u.name, u.role, COALESCE(u.district_id, ''), '' FROM hub_session s "
      "JOIN hub_user u ON u.name = s.name WHERE s.sha256 = $1 AND s.expires_at > now()",
      {pg::text(sha256)});
  if (r.rows() == 0) return std::nullopt;
  return User{r.str(0, 0), parse_hub_role(r.str(0, 1)), r.str(0, 2), ""};
}

void Store::audit(const std::string& who, const std::string& remote, const std::string& action,
                  const std::string& detail) {
  db_.exec("INSERT INTO audit(who, remote, action, detail) VALUES ($1,$2,$3,$4)",
           {pg::text(who), pg::text(remote), pg::text(action), pg::text(detail)});
}

}  // namespace loaxa::hub
