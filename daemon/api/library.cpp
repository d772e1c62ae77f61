// The operator's library over HTTP: media (streamed uploads, probed and measured at
// ingest), playlists and schedules kept in the database.

#include <boost/json.hpp>
#include <filesystem>

#include "common/log.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/library/announce.hpp"
#include "daemon/library/ingest.hpp"
#include "daemon/playout/schedule.hpp"
#include "player/output.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa {

namespace fs = std::filesystem;
using api::error_response;
using api::object_body;
using api::Request;
using api::Response;
using api::Role;

namespace {

boost::json::object media_json(const store::MediaRecord& m) {
  boost::json::object o{{"id", m.id},
                        {"title", m.title},
                        {"topic", m.topic},
                        {"kind", m.kind},
                        {"origin", m.origin},
                        {"sha256", m.sha256},
                        {"audience", m.audience},
                        {"duration_s", nullptr},
                        {"loudness_lufs", nullptr},
                        {"peak_db", nullptr}};
  if (m.duration_ms) o["duration_s"] = static_cast<double>(*m.duration_ms) / 1000.0;
  if (m.loudness_lufs) o["loudness_lufs"] = *m.loudness_lufs;
  if (m.peak_db) o["peak_db"] = *m.peak_db;
  return o;
}

// Reads body.items into `p`; an error response when it is not what playlist_items_json writes.
std::optional<Response> read_items(const boost::json::object& body, PlaylistConfig& p) {
  const auto* items = body.if_contains("items");
  if (!items || !items->is_array()) {
    return error_response(400, "bad_body", "body.items: a list of media ids, in playing order");
  }
  const auto& list = items->as_array();
  for (std::size_t k = 0; k < list.size(); ++k) {
    const std::string at = "body.items[" + std::to_string(k) + "]";
    const auto& v = list[k];
    if (v.is_string()) {
      p.items.emplace_back(v.as_string());
      continue;
    }
    const auto* o = v.if_object();
    const auto* media = o ? o->if_contains("media") : nullptr;
    if (!media || !media->is_string()) {
      return error_response(400, "bad_body",
                            at + ": a media id, or {\"media\": \"id\", \"duration\": \"20s\"}");
    }
    if (const auto* d = o->if_contains("duration"); d && !d->is_null()) {
      std::optional<std::chrono::milliseconds> shows;
      try {
        if (d->is_string()) shows = scheduler::parse_duration(std::string(d->as_string()));
      } catch (const std::invalid_argument&) {
      }
      if (!shows || !player::valid_still(*shows)) {
        return error_response(400, "bad_body",
                              at + ".duration: a duration from \"1s\" to \"1h\", e.g. \"20s\"");
      }
      p.durations[p.items.size()] = *shows;
    }
    p.items.emplace_back(media->as_string());
  }
  return std::nullopt;
}

std::optional<std::string> string_field(const boost::json::object& o, const char* key,
                                        Response& error, bool required) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required)
      error = error_response(400, "bad_body", std::string("body.") + key + " is required");
    return std::nullopt;
  }
  if (!v->is_string()) {
    error = error_response(400, "bad_body", std::string("body.") + key + " must be a string");
    return std::nullopt;
  }
  return std::string(v->as_string());
}

// An id for an upload: the one asked for, else the file name's; "-2", "-3"... when
// another file has it.
std::string free_media_id(store::Store& store, std::string id, const std::string& sha) {
  const std::string base = id;
  for (int n = 2; n < 1000; ++n) {
    const auto m = store.catalog().find_media(id);
    if (!m || m->sha256 == sha) return id;
    id = base + "-" + std::to_string(n);
  }
  throw std::runtime_error("too many media named " + base);
}

Response list_media(ApiContext& api, const Request&) {
  boost::json::array out;
  for (const auto& m : api.store.catalog().list_media()) out.push_back(media_json(m));
  return api::json_response(boost::json::serialize(out) + "\n");
}

// PUT /api/v1/media?filename=...: the body, streamed to a file, probed and measured.
Response upload_media(ApiContext& api, const Request& r) {
  store::Store& store = api.store;
  const auto fn = r.query.find("filename");
  if (fn == r.query.end() || fn->second.empty()) {
    return error_response(400, "bad_query",
                          "filename: say what the file is called, e.g. "
                          "PUT /api/v1/media?filename=ban-tin-sang.mp3");
  }
  const fs::path name = fs::path(fn->second).filename();  // never a path
  std::string ext = name.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext.size() > 6 ||
      ext.find_first_not_of(".abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos) {
    ext.clear();
  }
  // The probe and the media store go by the extension: give the upload its own.
  const fs::path file = r.body_file + ext;
  std::error_code ec;
  fs::rename(r.body_file, file, ec);
  if (ec) return error_response(500, "internal", "cannot prepare the upload: " + ec.message());
  struct Remove {
    fs::path p;
    ~Remove() {
      std::error_code ignored;
      fs::remove(p, ignored);
    }
  } cleanup{file};
  const std::string sha = sha256_file_hex(file);
  const auto asked = r.query.find("id");
  std::string id = asked != r.query.end() && !asked->second.empty()
                       ? id_from_filename(asked->second)
                       : id_from_filename(name);
  id = free_media_id(store, id, sha);
  auto result =
      ingest_file(store, api.controller.config().box.state_dir / "media", file, id, "local");
  if (!result.ok) {
    // Say it in the uploader's terms, not the temporary file's.
    std::string why = result.error;
    if (auto at = why.find(": cannot be played"); at != std::string::npos) {
      why = name.string() + why.substr(at);
    }
    return error_response(422, "unplayable", why);
  }
  auto m = result.media;
  m.title = name.stem().string();
  if (auto t = r.query.find("title"); t != r.query.end() && !t->second.empty()) m.title = t->second;
  if (auto t = r.query.find("topic"); t != r.query.end()) m.topic = t->second;
  if (auto t = r.query.find("audience"); t != r.query.end()) m.audience = t->second;
  store.catalog().upsert_media(m);
  store.access().audit(r.who, r.remote, "media.add", m.id + " (" + name.string() + ")");
  log::info("ingest", "uploaded " + name.string() + " as " + m.id + " by " + r.who);
  return api::json_response(
      boost::json::serialize(media_json(*store.catalog().find_media(m.id))) + "\n", 201);
}

Response remove_media(ApiContext& api, const Request& r) {
  store::Store& store = api.store;
  const std::string& id = r.params.at("id");
  const auto m = store.catalog().find_media(id);
  if (!m) return error_response(404, "not_found", "no media \"" + id + "\"");
  if (m->origin != "local") {
    return error_response(
        409, "refused",
        "media \"" + id + "\" comes from the " + m->origin + "; only uploads can be deleted here");
  }
  if (api.controller.media_in_use(id)) {
    return error_response(
        409, "refused", "media \"" + id + "\" is in a playlist or schedule; remove it there first");
  }
  const auto file = api.controller.config().box.state_dir / "media" / m->file;
  if (api.controller.uses_file(file)) {
    return error_response(409, "refused", "media \"" + id + "\" is on air now");
  }
  store.catalog().remove_media(id);
  bool shared = false;
  for (const auto& other : store.catalog().list_media()) shared = shared || other.file == m->file;
  if (!shared) {
    std::error_code ec;
    fs::remove(file, ec);
  }
  store.access().audit(r.who, r.remote, "media.delete", id);
  return Response{204, "application/json; charset=utf-8", ""};
}

Response list_playlists(ApiContext& api, const Request&) {
  boost::json::array out;
  for (const auto& p : api.controller.playlists()) {
    const auto rec = api.store.catalog().find_playlist(p.id);
    out.push_back(boost::json::object{{"id", p.id},
                                      {"title", p.title},
                                      {"items", playlist_items_json(p)},
                                      {"origin", rec ? rec->origin : "province"}});
  }
  return api::json_response(boost::json::serialize(out) + "\n");
}

// POST (the id in the body) or PUT (the id in the path) of a local playlist.
Response put_playlist(ApiContext& api, const Request& r, std::string id) {
  Response error;
  const auto body = object_body(
      r, error,
      R"({"id": "ban-tin-sang", "title": "Bản tin sáng", "items": ["nhac-hieu", "tin-1"]})");
  if (!body) return error;
  if (id.empty()) {
    auto v = string_field(*body, "id", error, true);
    if (!v) return error;
    id = *v;
  }
  PlaylistConfig p;
  p.id = id;
  p.title = string_field(*body, "title", error, false).value_or("");
  if (auto bad = read_items(*body, p)) return *bad;
  const bool fresh = !api.store.catalog().find_playlist(id);
  api.controller.put_playlist(p);
  api.store.access().audit(r.who, r.remote, fresh ? "playlist.create" : "playlist.update", id);
  return api::json_response(
      boost::json::serialize(boost::json::object{{"id", p.id},
                                                 {"title", p.title},
                                                 {"items", playlist_items_json(p)},
                                                 {"origin", "local"}}) +
          "\n",
      fresh ? 201 : 200);
}

Response create_playlist(ApiContext& api, const Request& r) {
  return put_playlist(api, r, "");
}
Response replace_playlist(ApiContext& api, const Request& r) {
  return put_playlist(api, r, r.params.at("id"));
}

Response remove_playlist(ApiContext& api, const Request& r) {
  api.controller.remove_playlist(r.params.at("id"));
  api.store.access().audit(r.who, r.remote, "playlist.delete", r.params.at("id"));
  return Response{204, "application/json; charset=utf-8", ""};
}

Response list_schedules(ApiContext& api, const Request&) {
  boost::json::array out;
  for (const auto& s : api.controller.schedules()) out.push_back(schedule_json(s));
  return api::json_response(boost::json::serialize(out) + "\n");
}

// A schedule as the API takes it; an error answer when a field is wrong.
std::optional<Response> read_schedule(const boost::json::object& body, ScheduleConfig& s) {
  for (const auto& [key, value] : body) {
    static const std::set<std::string> known = {"id",    "channel", "content",  "start",
                                                "rrule", "until",   "priority", "max_duration_s"};
    if (!known.count(std::string(key))) {
      return error_response(400, "bad_body",
                            "body." + std::string(key) +
                                " is not a schedule field (id, channel, content, start, rrule, "
                                "until, priority, max_duration_s)");
    }
  }
  Response error;
  auto channel = string_field(body, "channel", error, true);
  if (!channel) return error;
  auto content = string_field(body, "content", error, true);
  if (!content) return error;
  auto start = string_field(body, "start", error, true);
  if (!start) return error;
  s.channel = *channel;
  s.content = *content;
  s.start = *start;
  s.id = string_field(body, "id", error, false).value_or("");
  s.rrule = string_field(body, "rrule", error, false);
  s.until = string_field(body, "until", error, false);
  if (auto* p = body.if_contains("priority")) {
    if (!p->is_int64()) return error_response(400, "bad_body", "body.priority: 0 to 100");
    s.priority = static_cast<int>(std::clamp<std::int64_t>(p->as_int64(), -1, 101));
  }
  if (auto* d = body.if_contains("max_duration_s")) {
    if (!d->is_number() || d->to_number<double>() <= 0 || d->to_number<double>() > 86400) {
      return error_response(400, "bad_body", "body.max_duration_s: seconds, up to 86400");
    }
    s.max_duration =
        std::chrono::milliseconds(static_cast<std::int64_t>(d->to_number<double>() * 1000));
  }
  return std::nullopt;
}

Response create_schedule(ApiContext& api, const Request& r) {
  Response error;
  const auto body = object_body(
      r, error,
      R"({"channel": "loudspeaker", "content": "ban-tin-sang", "start": "2022-07-01T06:00:00", "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "until": "2022-09-30", "priority": 50})");
  if (!body) return error;
  ScheduleConfig s;
  if (auto bad = read_schedule(*body, s)) return *bad;
  const auto added = api.controller.add_schedule(s);
  api.store.access().audit(r.who, r.remote, "schedule.create",
                           added.id + ": " + added.content + " from " + added.start +
                               (added.rrule ? " " + *added.rrule : ""));
  return api::json_response(boost::json::serialize(schedule_json(added)) + "\n", 201);
}

Response remove_schedule(ApiContext& api, const Request& r) {
  api.controller.remove_schedule(r.params.at("id"));
  api.store.access().audit(r.who, r.remote, "schedule.delete", r.params.at("id"));
  return Response{204, "application/json; charset=utf-8", ""};
}

// Words spoken by the box's TTS, kept as a media item (the same words again: the same one).
Response announce_text(ApiContext& api, const Request& r) {
  Response error;
  const auto body = object_body(
      r, error, R"({"text": "Kính thưa bà con...", "voice": "vi", "topic": "institutions"})");
  if (!body) return error;
  const auto text = string_field(*body, "text", error, true);
  if (!text) return error;
  const std::string voice = string_field(*body, "voice", error, false).value_or("");
  const std::string topic = string_field(*body, "topic", error, false).value_or("");
  const auto a = announce(api.store, api.controller.config(), *text, voice, topic);
  if (!a.ingest.ok) return error_response(422, "tts_failed", a.ingest.error);
  if (!a.cached) api.store.access().audit(r.who, r.remote, "announcement", a.ingest.media.id);
  auto out = media_json(a.ingest.media);
  out["cached"] = a.cached;
  return api::json_response(boost::json::serialize(out) + "\n", a.cached ? 200 : 201);
}

constexpr Route kLibraryRoutes[] = {
    {"GET", "/api/v1/media", Role::viewer, list_media},
    {"DELETE", "/api/v1/media/{id}", Role::operator_, remove_media},
    {"GET", "/api/v1/playlists", Role::viewer, list_playlists},
    {"POST", "/api/v1/playlists", Role::operator_, create_playlist},
    {"PUT", "/api/v1/playlists/{id}", Role::operator_, replace_playlist},
    {"DELETE", "/api/v1/playlists/{id}", Role::operator_, remove_playlist},
    {"GET", "/api/v1/schedules", Role::viewer, list_schedules},
    {"POST", "/api/v1/schedules", Role::operator_, create_schedule},
    {"DELETE", "/api/v1/schedules/{id}", Role::operator_, remove_schedule},
    {"POST", "/api/v1/announcements", Role::operator_, announce_text},
};

}  // namespace

void add_library_routes(ApiContext& api) {
  api.server.routes(api, kLibraryRoutes);
  // PUT /api/v1/media streams its body to a file before the handler runs.
  const Config& config = api.controller.config();
  api::HttpServer::Upload upload;
  upload.role = Role::operator_;
  upload.dir = config.box.state_dir / "upload";
  upload.max_bytes = static_cast<std::uint64_t>(config.api ? config.api->max_upload : 200 << 20);
  upload.handler = [&api](const Request& r) { return upload_media(api, r); };
  api.server.upload_route("PUT", "/api/v1/media", std::move(upload));
}

}  // namespace loaxa
