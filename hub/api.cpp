#include "hub/api.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "common/errors.hpp"
#include "common/password.hpp"
#include "common/sha256.hpp"
#include "hub/emergency_api.hpp"
#include "hub/json_path.hpp"
#include "hub/report.hpp"
#include "hub/util.hpp"
#include "hub/web_assets.hpp"

namespace loaxa::hub {

namespace {

namespace json = boost::json;
using api::Request;
using api::Response;
using api::Role;
using Route = api::RouteRow<HubContext>;

constexpr std::int64_t kSessionSeconds = 12 * 3600;
// The largest file the media library takes: a kiosk's clip of several minutes.
constexpr std::uint64_t kMaxUpload = 500ULL << 20;

std::string header(const Request& r, const std::string& key) {
  auto it = r.headers.find(key);
  return it == r.headers.end() ? "" : it->second;
}

// The box named in the path, if the caller may see it. A district user asking for a box
// of another district, or for one that does not exist, hears the same 403.
Box visible_box(HubContext& hub, const Request& r) {
  const Scope scope = Scope::of(r.scope);
  auto box = hub.store.box(r.params.at("id"));
  if (!scope.district.empty() && (!box || !scope.covers(*box))) {
    throw Forbidden("box \"" + r.params.at("id") + "\" is not in your district");
  }
  if (!box) throw NotFound("no box \"" + r.params.at("id") + "\" is enrolled");
  return *box;
}

// The status field at `path` as a JSON value (null when the box did not send it).
json::value at_path(const json::object* o, std::initializer_list<const char*> path) {
  const json::value* v = find_at(o, path);
  return v ? *v : json::value(nullptr);
}

json::object box_json(HubContext& hub, const Box& b, bool with_alerts) {
  const json::object* s = b.status ? &*b.status : nullptr;
  json::array channels;
  if (auto c = at_path(s, {"channels"}); c.is_array()) {
    for (const auto& ch : c.as_array()) {
      if (!ch.is_object()) continue;
      const auto& o = ch.as_object();
      json::value now = at_path(&o, {"now_playing", "title"});
      channels.push_back(
          {{"name", at_path(&o, {"name"})}, {"state", at_path(&o, {"state"})}, {"now", now}});
    }
  }
  json::object out{{"id", b.id},
                   {"name", b.name},
                   {"district", b.district},
                   {"district_id", b.district_id},
                   {"commune", b.commune},
                   {"online", online(hub.config, b)},
                   {"last_seen", b.last_status_at},
                   {"last_push", b.last_push_at},
                   {"version", at_path(s, {"version"})},
                   {"applied_sequence", at_path(s, {"sync", "applied_sequence"})},
                   {"clock_synced", at_path(s, {"clock", "synchronized"})},
                   {"disk_free_bytes", at_path(s, {"disk", "free_bytes"})},
                   {"channels", std::move(channels)},
                   {"chain_rows", b.chain_rows},
                   {"chain_breaks", b.chain_breaks}};
  if (b.lat) out["lat"] = *b.lat;
  if (b.lon) out["lon"] = *b.lon;
  if (with_alerts) {
    json::array alerts;
    for (const auto& a : hub.store.box_alerts(b.id)) alerts.push_back(alert_json(a));
    out["alerts"] = std::move(alerts);
  }
  return out;
}

// --- from boxes ---------------------------------------------------------------------

Response ingest_airtime(HubContext& hub, const Request& r) {
  const Box box =
      hub.ingest.authenticate(header(r, "x-loaxa-box"), header(r, "x-loaxa-signature"), r.body);
  const auto result = hub.ingest.airtime(box, r.body);
  return ok(json::object{{"stored", result.stored}, {"duplicates", result.duplicates}});
}

Response ingest_status(HubContext& hub, const Request& r) {
  const Box box =
      hub.ingest.authenticate(header(r, "x-loaxa-box"), header(r, "x-loaxa-signature"), r.body);
  hub.ingest.status(box, r.body);
  const auto status = json::parse(r.body).as_object();
  hub.alerts.check_status(box, box.status, status);
  hub.receipts.on_status(box, status);
  return ok(
      json::object{{"ok", true}, {"status_interval_s", hub.config.status_interval.count() / 1000}});
}

// --- people -------------------------------------------------------------------------

Response login(HubContext& hub, const Request& r) {
  if (auto locked = hub.server.locked_out(r.remote)) return *locked;
  Response error;
  auto body = api::object_body(r, error, R"({"name": "phong-noi-vu", "password": "..."})");
  if (!body) return error;
  const auto* name = body->if_contains("name");
  const auto* pass = body->if_contains("password");
  if (!name || !name->is_string() || !pass || !pass->is_string()) {
    return api::error_response(400, "bad_body", "name and password are required strings");
  }
  auto user = hub.store.user(std::string(name->as_string()));
  static const std::string kDummy = hash_password("loaxa-hub-dummy");
  const bool good =
      verify_password(user ? user->password_hash : kDummy, std::string(pass->as_string())) &&
      user.has_value();
  if (!good) {
    hub.server.note_failure(r.remote);
    return api::error_response(401, "unauthenticated", "wrong name or password");
  }
  const std::string token = random_token();
  hub.store.add_session(sha256_hex(token), user->name, kSessionSeconds);
  hub.store.audit(user->name, r.remote, "login", "");
  json::object out{{"token", token},
                   {"name", user->name},
                   {"role", to_string(user->role)},
                   {"expires_in_s", kSessionSeconds}};
  if (!user->district.empty()) out["district"] = user->district;
  return ok(out);
}

Response whoami(HubContext& hub, const Request& r) {
  const Scope scope = Scope::of(r.scope);
  json::object out{{"name", r.who},
                   {"role", r.role == Role::admin    ? "admin"
                            : scope.district.empty() ? "viewer"
                                                     : "district"},
                   {"hub", hub.config.name}};
  if (!scope.district.empty()) out["district"] = scope.district;
  return ok(out);
}

// --- the fleet ----------------------------------------------------------------------

Response list_boxes(HubContext& hub, const Request& r) {
  json::array out;
  for (const auto& b : hub.store.boxes(Scope::of(r.scope))) out.push_back(box_json(hub, b, true));
  return ok(out);
}

Response get_box(HubContext& hub, const Request& r) {
  const Box b = visible_box(hub, r);
  auto out = box_json(hub, b, true);
  json::array history;
  for (const auto& [at, status] : hub.store.status_history(b.id, 24 * 7)) {
    history.push_back({{"at", at}, {"status", status}});
  }
  out["history"] = std::move(history);
  if (b.status) out["status"] = *b.status;
  return ok(out);
}

Response box_chain(HubContext& hub, const Request& r) {
  const Box b = visible_box(hub, r);
  json::array gaps, forks, edits;
  auto& db = hub.store.db();
  auto res = db.exec(
      "SELECT kind, detail::text FROM alert WHERE box_id = $1 AND kind LIKE 'chain_%' "
      "ORDER BY since",
      {pg::text(b.id)});
  for (int i = 0; i < res.rows(); ++i) {
    auto detail = json::parse(res.str(i, 1));
    const std::string kind = res.str(i, 0);
    (kind == "chain_gap" ? gaps : kind == "chain_fork" ? forks : edits).push_back(detail);
  }
  return ok(json::object{{"box", b.id},
                         {"rows", b.chain_rows},
                         {"verified", b.chain_breaks == 0},
                         {"breaks", b.chain_breaks},
                         {"gaps", std::move(gaps)},
                         {"forks", std::move(forks)},
                         {"edited", std::move(edits)}});
}

Response add_box(HubContext& hub, const Request& r) {
  Response error;
  auto body = api::object_body(
      r, error,
      R"({"id": "bp-dong-xoai-tan-phu", "district": "Đồng Xoài", "commune": "Tân Phú", "name": "...", "key": "BASE64"})");
  if (!body) return error;
  auto str = [&](const char* k) {
    const auto* v = body->if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto num = [&](const char* k) -> std::optional<double> {
    const auto* v = body->if_contains(k);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_number()) throw std::invalid_argument(std::string(k) + " must be a number");
    return v->to_number<double>();
  };
  Box b;
  b.id = str("id");
  b.district = str("district");
  b.commune = str("commune");
  b.name = str("name");
  b.public_key = str("key");
  b.lat = num("lat");
  b.lon = num("lon");
  hub.store.add_box(b);
  hub.store.audit(r.who, r.remote, "box.add", b.id);
  return ok(box_json(hub, *hub.store.box(b.id), false), 201);
}

Response remove_box(HubContext& hub, const Request& r) {
  if (!hub.store.remove_box(r.params.at("id"))) {
    throw NotFound("no box \"" + r.params.at("id") + "\" is enrolled");
  }
  hub.store.audit(r.who, r.remote, "box.rm", r.params.at("id"));
  return ok(json::object{{"removed", r.params.at("id")}});
}

Response list_alerts(HubContext& hub, const Request& r) {
  json::array out;
  const bool closed = query(r, "closed") == "1" || query(r, "closed") == "true";
  for (const auto& a : hub.store.alerts(Scope::of(r.scope), closed)) out.push_back(alert_json(a));
  return ok(out);
}

// --- airtime and reports ------------------------------------------------------------

Response airtime_rows(HubContext& hub, const Request& r) {
  const Scope scope = Scope::of(r.scope);
  const std::string box = query(r, "box"), district = query(r, "district");
  if (!scope.district.empty() && !district.empty() && district != scope.district) {
    throw Forbidden("district \"" + district + "\" is not yours");
  }
  if (!box.empty()) {
    Request inner = r;
    inner.params["id"] = box;
    visible_box(hub, inner);
  }
  const std::string d = !scope.district.empty() ? scope.district : district;
  const std::string format = query(r, "format").empty() ? "ndjson" : query(r, "format");
  if (format != "ndjson" && format != "json") {
    throw std::invalid_argument("format must be ndjson or json");
  }
  int limit = 1000;
  if (auto l = query(r, "limit"); !l.empty()) limit = std::clamp(std::stoi(l), 1, 100000);
  const auto zone = scheduler::Zone(hub.config.timezone);
  auto bound = [&](const char* key, std::int64_t fallback) -> std::int64_t {
    const std::string v = query(r, key);
    if (v.empty()) return fallback;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               scheduler::parse_iso_instant(v, zone).time_since_epoch())
        .count();
  };
  auto rows = hub.store.db().exec(
      "SELECT a.line FROM airtime a JOIN box b ON b.id = a.box_id WHERE ($1 = '' OR a.box_id = $1) "
      "AND ($2 = '' OR b.district_id = $2) AND a.start_ms >= $3 AND a.start_ms < $4 "
      "ORDER BY a.start_ms DESC, a.box_id, a.chain_pos DESC LIMIT $5",
      {pg::text(box), pg::text(d), pg::num(bound("from", 0)),
       pg::num(bound("to", std::numeric_limits<std::int64_t>::max())), pg::num(limit)});
  std::string out = format == "json" ? "[" : "";
  for (int i = 0; i < rows.rows(); ++i) {
    if (format == "json") {
      out += (i ? "," : "") + rows.str(i, 0);
    } else {
      out += rows.str(i, 0) + "\n";
    }
  }
  if (format == "json") return api::json_response(out + "]\n");
  return Response{200, "application/x-ndjson; charset=utf-8", out};
}

Response report(HubContext& hub, const Request& r) {
  ReportAsk ask;
  ask.period = query(r, "period");
  if (ask.period.empty()) throw std::invalid_argument("period is required (e.g. period=2022-Q3)");
  if (auto by = query(r, "by"); !by.empty()) ask.by = by;
  ask.district = query(r, "district");
  const std::string format = query(r, "format").empty() ? "json" : query(r, "format");
  const auto rep = fleet_report(hub.store, Scope::of(r.scope), ask, hub.zone, hub.config.name);
  const std::string file =
      "bao-cao-" + rep.period.text + "-" + (ask.district.empty() ? "tinh" : ask.district);
  if (format == "json") return api::json_response(fleet_report_json(rep));
  if (format == "csv") {
    Response out{200, "text/csv; charset=utf-8", fleet_report_csv(rep)};
    out.content_disposition = "attachment; filename=\"" + file + ".csv\"";
    return out;
  }
  if (format != "xlsx") throw std::invalid_argument("format must be json, csv or xlsx");
  char tmpl[] = "/tmp/loaxa-hub-report-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("cannot make a temporary file for the XLSX");
  ::close(fd);
  const std::string path = std::string(tmpl) + ".xlsx";
  std::filesystem::rename(tmpl, path);
  struct Remove {
    std::string p;
    ~Remove() {
      std::error_code ec;
      std::filesystem::remove(p, ec);
    }
  } remove{path};
  fleet_report_xlsx(rep, path);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Response out{200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               std::move(bytes)};
  out.content_disposition = "attachment; filename=\"" + file + ".xlsx\"";
  return out;
}

Response audit_log(HubContext& hub, const Request&) {
  auto res = hub.store.db().exec(
      "SELECT to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), who, remote, action, detail FROM "
      "audit ORDER BY id DESC LIMIT 500");
  json::array out;
  for (int i = 0; i < res.rows(); ++i) {
    out.push_back({{"at", res.str(i, 0)},
                   {"who", res.str(i, 1)},
                   {"remote", res.str(i, 2)},
                   {"action", res.str(i, 3)},
                   {"detail", res.str(i, 4)}});
  }
  return ok(out);
}

Response healthz(HubContext& hub, const Request&) {
  hub.store.db().exec("SELECT 1");
  return api::json_response("{\"ok\":true}\n");
}

// The signed tree for the boxes (no token: a box checks the province's signature, as
// with any web server).
ManifestServer& manifests(HubContext& hub) {
  if (!hub.manifests) {
    throw NotFound("this hub serves no manifest; set [publish] dir in its config");
  }
  return *hub.manifests;
}
Response get_manifest(HubContext& hub, const Request& r) {
  return manifests(hub).manifest(r);
}
Response get_signature(HubContext& hub, const Request& r) {
  return manifests(hub).signature(r);
}
Response get_media(HubContext& hub, const Request& r) {
  return manifests(hub).media(r);
}

constexpr Route kRoutes[] = {
    {"GET", "/manifest.json", Role::none, get_manifest},
    {"GET", "/manifest.json.sig", Role::none, get_signature},
    {"GET", "/media/{name}", Role::none, get_media},
    {"GET", "/healthz", Role::none, healthz},
    {"POST", "/api/v1/ingest/airtime", Role::none, ingest_airtime},
    {"POST", "/api/v1/ingest/status", Role::none, ingest_status},
    {"POST", "/api/v1/login", Role::none, login},
    {"GET", "/api/v1/whoami", Role::viewer, whoami},
    {"GET", "/api/v1/boxes", Role::viewer, list_boxes},
    {"POST", "/api/v1/boxes", Role::admin, add_box},
    {"GET", "/api/v1/boxes/{id}", Role::viewer, get_box},
    {"DELETE", "/api/v1/boxes/{id}", Role::admin, remove_box},
    {"GET", "/api/v1/boxes/{id}/chain", Role::viewer, box_chain},
    {"GET", "/api/v1/alerts", Role::viewer, list_alerts},
    {"GET", "/api/v1/airtime", Role::viewer, airtime_rows},
    {"GET", "/api/v1/reports/airtime", Role::viewer, report},
    {"GET", "/api/v1/publish", Role::viewer, publish_options},
    {"GET", "/api/v1/emergencies", Role::viewer, list_emergencies},
    {"POST", "/api/v1/emergencies", Role::viewer, issue_emergency},  // checks the reach
    {"DELETE", "/api/v1/emergencies/{id}", Role::viewer, withdraw_emergency},
    {"GET", "/api/v1/emergencies/{id}/receipts", Role::viewer, emergency_receipts},
    {"GET", "/api/v1/bulletins", Role::viewer, list_bulletins},
    {"GET", "/api/v1/bulletins/{id}", Role::viewer, get_bulletin},
    {"POST", "/api/v1/bulletins", Role::viewer, draft_bulletin},  // checks the reach
    {"POST", "/api/v1/bulletins/{id}/publish", Role::viewer, publish_bulletin},
    {"DELETE", "/api/v1/bulletins/{id}", Role::viewer, withdraw_bulletin},
    {"GET", "/api/v1/media", Role::viewer, list_library},
    {"DELETE", "/api/v1/media/{id}", Role::operator_, remove_library_media},
    {"GET", "/api/v1/playlists", Role::viewer, list_playlists},
    {"PUT", "/api/v1/playlists/{id}", Role::operator_, put_playlist},
    {"DELETE", "/api/v1/playlists/{id}", Role::operator_, remove_playlist},
    {"GET", "/api/v1/holidays", Role::viewer, list_holidays},
    {"POST", "/api/v1/holidays", Role::admin, add_holiday},
    {"DELETE", "/api/v1/holidays/{day}", Role::admin, remove_holiday},
    {"GET", "/api/v1/audit", Role::admin, audit_log},
};

std::optional<api::Principal> authenticate(HubContext& hub, const std::string& token) {
  if (token.empty()) return std::nullopt;
  const std::string hash = sha256_hex(token);
  auto principal = [](const std::string& name, HubRole role, const std::string& district) {
    api::Principal p;
    p.name = name;
    // A district officer acts for its district (uploads, drafts, emergencies): the
    // server's operator; what it may reach is checked against its scope.
    p.role = role == HubRole::admin      ? Role::admin
             : role == HubRole::district ? Role::operator_
                                         : Role::viewer;
    if (role == HubRole::district) p.scope = "district:" + district;
    return p;
  };
  for (const auto& t : hub.config.tokens) {
    if (t.sha256 == hash) return principal(t.name, t.role, t.district);
  }
  if (auto u = hub.store.session(hash)) return principal(u->name, u->role, u->district);
  return std::nullopt;
}

}  // namespace

void add_hub_routes(HubContext& hub) {
  hub.server.routes(hub, kRoutes);
  // Uploads to the media library, streamed to a file (never held in memory); a viewer is
  // refused on the headers, before any of the body is read.
  api::HttpServer::Upload upload;
  upload.role = Role::operator_;
  upload.dir = std::filesystem::temp_directory_path() / "loaxa-hub-upload";
  upload.max_bytes = kMaxUpload;
  upload.handler = [&hub](const Request& r) { return upload_media(hub, r); };
  hub.server.upload_route("PUT", "/api/v1/media", std::move(upload));
  hub.server.set_authenticator(
      [&hub](const std::string& token) { return authenticate(hub, token); });
  hub.server.set_static([](const Request& r) {
    const std::string path = r.path == "/" ? "/index.html" : r.path;
    return api::asset_response(path, hub_web_asset(path));
  });
}

}  // namespace loaxa::hub
