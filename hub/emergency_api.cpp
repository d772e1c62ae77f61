#include "hub/emergency_api.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "airtime/report.hpp"
#include "common/errors.hpp"
#include "common/sha256.hpp"
#include "hub/util.hpp"
#include "sync/manifest.hpp"

namespace loaxa::hub {

namespace json = boost::json;
using api::Request;
using api::Response;

namespace {

Caller caller_of(const Request& r) {
  return Caller{r.who, r.remote, r.role == api::Role::admin, Scope::of(r.scope)};
}

// The issuer and the manifest it changes; Refused when this hub does not issue.
std::pair<Issuer&, const std::string&> issuing(HubContext& hub) {
  if (!hub.issuer || !hub.manifests || hub.manifests->bytes().empty()) {
    throw Refused(
        "this hub does not issue emergencies or bulletins: set [publish] dir and key in its config "
        "(and "
        "publish a first manifest with `loaxa publish`)");
  }
  return {*hub.issuer, hub.manifests->bytes()};
}

std::vector<std::string> strings(const json::object& o, const char* key, const std::string& path) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return out;
  if (!v->is_array()) throw std::invalid_argument(path + " must be a list of strings");
  for (const auto& s : v->as_array()) {
    if (!s.is_string()) throw std::invalid_argument(path + " must be a list of strings");
    out.emplace_back(s.as_string());
  }
  return out;
}

// A string field of a request body ("" when absent or null).
std::string str(const json::object& body, const char* k) {
  const auto* v = body.if_contains(k);
  if (v && !v->is_string() && !v->is_null()) {
    throw std::invalid_argument(std::string(k) + " must be a string");
  }
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

sync::ManifestTargets targets(const json::object& body) {
  sync::ManifestTargets out;
  if (const auto* t = body.if_contains("targets"); t && !t->is_null()) {
    if (!t->is_object()) {
      throw std::invalid_argument(R"(targets must be {"districts": [...], "boxes": [...]})");
    }
    out.districts = strings(t->as_object(), "districts", "targets.districts");
    out.boxes = strings(t->as_object(), "boxes", "targets.boxes");
  }
  return out;
}

}  // namespace

Response publish_options(HubContext& hub, const Request& r) {
  const Caller caller = caller_of(r);
  json::array media, districts;
  std::int64_t sequence = 0;
  if (hub.manifests && !hub.manifests->bytes().empty()) {
    const auto m = sync::parse_manifest(hub.manifests->bytes());
    sequence = m.sequence;
    for (const auto& x : m.media) {
      json::object o{{"id", x.id}, {"title", x.title}, {"kind", x.kind}, {"library", false}};
      if (x.duration_ms) o["duration_ms"] = *x.duration_ms;
      media.push_back(std::move(o));
    }
    // The hub's library: what officers uploaded (in the manifest only while it plays).
    for (const auto& x : hub.issuer ? hub.issuer->library() : std::vector<LibraryMedia>{}) {
      if (m.find_media(x.id)) continue;
      json::object o{{"id", x.id}, {"title", x.title}, {"kind", x.kind}, {"library", true}};
      if (x.duration_ms) o["duration_ms"] = *x.duration_ms;
      media.push_back(std::move(o));
    }
  }
  json::array playlists;  // the served manifest's and the hub's (`library`)
  if (hub.manifests && !hub.manifests->bytes().empty()) {
    const auto m = sync::parse_manifest(hub.manifests->bytes());
    for (const auto& p : m.playlists) {
      playlists.push_back({{"id", p.id}, {"title", p.title}, {"library", false}});
    }
    for (const auto& p : hub.issuer ? hub.issuer->hub_playlists() : std::vector<HubPlaylist>{}) {
      if (std::none_of(m.playlists.begin(), m.playlists.end(),
                       [&](const sync::ManifestPlaylist& x) { return x.id == p.id; })) {
        playlists.push_back({{"id", p.id}, {"title", p.title}, {"library", true}});
      }
    }
  }
  json::array topics;  // what the reports count by (the boxes' default keys and labels)
  for (const auto& [key, label] : airtime::default_topics()) {
    topics.push_back({{"key", key}, {"label", label}});
  }
  const auto rows =
      hub.store.db().exec("SELECT id, name FROM district WHERE ($1 = '' OR id = $1) ORDER BY name",
                          {pg::text(caller.scope.district)});
  for (int i = 0; i < rows.rows(); ++i) {
    districts.push_back({{"id", rows.str(i, 0)}, {"name", rows.str(i, 1)}});
  }
  // The communes (enrolled boxes) a caller may choose among: a bulletin or an emergency
  // may go to some communes of a district rather than to all of it.
  json::array boxes;
  const auto enrolled = hub.store.db().exec(
      "SELECT id, commune, district_id FROM box WHERE ($1 = '' OR district_id = $1) "
      "ORDER BY district_id, commune, id",
      {pg::text(caller.scope.district)});
  for (int i = 0; i < enrolled.rows(); ++i) {
    boxes.push_back({{"id", enrolled.str(i, 0)},
                     {"commune", enrolled.str(i, 1)},
                     {"district", enrolled.str(i, 2)}});
  }
  const bool may = caller.admin || !caller.scope.district.empty();
  return ok(json::object{{"can_issue", may && hub.issuer && sequence > 0},
                         {"province_wide", caller.admin},
                         {"confirm_word", kProvinceWide},
                         {"sequence", sequence},
                         {"media", std::move(media)},
                         {"playlists", std::move(playlists)},
                         {"topics", std::move(topics)},
                         {"districts", std::move(districts)},
                         {"boxes", std::move(boxes)}});
}

Response list_emergencies(HubContext& hub, const Request& r) {
  return ok(hub.receipts.list(Scope::of(r.scope)));
}

Response emergency_receipts(HubContext& hub, const Request& r) {
  auto out = hub.receipts.receipts(r.params.at("id"), Scope::of(r.scope));
  const auto by = hub.issuer ? hub.issuer->issued_by(r.params.at("id")) : std::nullopt;
  out["issued_by"] = by ? json::value(*by) : json::value(nullptr);
  return ok(out);
}

Response issue_emergency(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  Response error;
  auto body = api::object_body(
      r, error,
      R"({"text": "Cơn bão số 4 ...", "media": "canh-bao-bao", "targets": {"districts": ["dong-xoai"]}, "valid_minutes": 60})");
  if (!body) return error;
  EmergencyDraft d;
  auto integer = [&](const char* k, int fallback) {
    const auto* v = body->if_contains(k);
    if (!v || v->is_null()) return fallback;
    if (!v->is_int64()) throw std::invalid_argument(std::string(k) + " must be a whole number");
    return static_cast<int>(std::clamp<std::int64_t>(v->as_int64(), -1, 1'000'000));
  };
  d.id = str(*body, "id");
  d.text = str(*body, "text");
  d.media = str(*body, "media");
  d.confirm = str(*body, "confirm");
  if (auto c = strings(*body, "channels", "channels"); !c.empty()) d.channels = std::move(c);
  d.valid_minutes = integer("valid_minutes", 60);
  d.repeat = integer("repeat", 1);
  d.targets = targets(*body);
  const auto [id, sequence] = issuer.issue(std::move(d), caller_of(r), served);
  hub.manifests->poke();
  return ok(json::object{{"id", id}, {"sequence", sequence}}, 201);
}

Response withdraw_emergency(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  const auto sequence = issuer.withdraw(r.params.at("id"), caller_of(r), served);
  hub.manifests->poke();
  return ok(json::object{{"withdrawn", r.params.at("id")}, {"sequence", sequence}});
}

Response list_bulletins(HubContext& hub, const Request& r) {
  if (!hub.issuer) return ok(json::array());
  return ok(hub.issuer->bulletins(Scope::of(r.scope)));
}

Response get_bulletin(HubContext& hub, const Request& r) {
  if (!hub.issuer) throw NotFound("this hub issues no bulletins");
  return ok(hub.issuer->bulletin(r.params.at("id"), Scope::of(r.scope)));
}

Response draft_bulletin(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  Response error;
  auto body = api::object_body(
      r, error,
      R"({"media": "ban-tin-cchc", "start": "2026-12-07T06:30:00", "level": "normal", "targets": {"districts": ["dong-xoai"]}})");
  if (!body) return error;
  BulletinDraft d;
  d.id = str(*body, "id");
  d.title = str(*body, "title");
  d.media = str(*body, "media");
  d.playlist = str(*body, "playlist");
  if (auto c = str(*body, "channel"); !c.empty()) d.channel = c;
  if (auto l = str(*body, "level"); !l.empty()) d.level = l;
  d.start = str(*body, "start");
  d.rrule = str(*body, "rrule");
  d.until = str(*body, "until");
  d.confirm = str(*body, "confirm");
  d.targets = targets(*body);
  const std::string id = issuer.draft_bulletin(std::move(d), caller_of(r), served);
  return ok(issuer.bulletin(id, Scope::of(r.scope)), 201);
}

Response publish_bulletin(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  const auto sequence = issuer.publish_bulletin(r.params.at("id"), caller_of(r), served);
  hub.manifests->poke();
  return ok(json::object{{"published", r.params.at("id")}, {"sequence", sequence}});
}

Response withdraw_bulletin(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  const auto sequence = issuer.withdraw_bulletin(r.params.at("id"), caller_of(r), served);
  if (sequence) hub.manifests->poke();
  return ok(json::object{{sequence ? "withdrawn" : "discarded", r.params.at("id")},
                         {"sequence", sequence}});
}

namespace {

json::object library_json(const LibraryMedia& m, const std::set<std::string>& in_use) {
  auto opt = [](const auto& v) { return v ? json::value(*v) : json::value(nullptr); };
  return json::object{{"id", m.id},
                      {"title", m.title},
                      {"topic", m.topic},
                      {"kind", m.kind},
                      {"sha256", m.sha256},
                      {"size", m.size},
                      {"duration_ms", opt(m.duration_ms)},
                      {"lufs", opt(m.lufs)},
                      {"peak_db", opt(m.peak_db)},
                      {"uploaded_by", m.by},
                      {"district", m.district},
                      {"uploaded_at", m.uploaded_at},
                      {"in_use", in_use.count(m.id) > 0}};
}

}  // namespace

Response list_library(HubContext& hub, const Request&) {
  json::array out;
  if (hub.issuer) {
    const auto in_use = hub.issuer->media_in_use(true);
    for (const auto& m : hub.issuer->library()) out.push_back(library_json(m, in_use));
  }
  return ok(out);
}

Response upload_media(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  if (!hub.examine || !hub.workers || !hub.io) {
    throw Refused("this hub cannot examine media (it was started without the examiner)");
  }
  const std::string filename = std::filesystem::path(query(r, "filename")).filename().string();
  if (filename.empty()) {
    throw std::invalid_argument(
        "filename: say what the file is called, e.g. PUT /api/v1/media?filename=ban-tin-sang.mp3");
  }
  // The probe goes by the extension: the body gets the upload's own (and is ours now).
  std::string ext = std::filesystem::path(filename).extension().string();
  if (ext.size() > 6 || ext.find_first_of("/\\") != std::string::npos) ext.clear();
  const std::filesystem::path file = r.body_file + ext;
  std::filesystem::rename(r.body_file, file);
  Response res;
  res.later = [&hub, &issuer = issuer, file, filename, caller = caller_of(r), id = query(r, "id"),
               title = query(r, "title"),
               topic = query(r, "topic")](std::function<void(Response)> answer) {
    // Decoding a long file takes seconds: on the worker, and the answer back on the loop.
    boost::asio::post(*hub.workers, [&hub, &issuer, file, filename, caller, id, title, topic,
                                     answer = std::move(answer)]() mutable {
      MediaFacts facts;
      std::string sha, failure;
      try {
        facts = hub.examine(file);
        if (facts.playable) sha = sha256_file_hex(file);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      boost::asio::post(*hub.io, [&hub, &issuer, file, filename, caller, id, title, topic, facts,
                                  sha, failure, answer = std::move(answer)]() {
        Response out;
        try {
          if (!failure.empty()) throw std::runtime_error("examining " + filename + ": " + failure);
          if (!facts.playable) {
            out = api::error_response(422, "unplayable",
                                      filename + ": cannot be played: " + facts.error);
          } else {
            const auto m = issuer.add_media(file, filename, facts, sha, id, title, topic, caller,
                                            hub.manifests->bytes());
            out = ok(library_json(m, {}), 201);
          }
        } catch (const std::exception& e) {
          out = api::error_answer(e);
        }
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
        answer(std::move(out));
      });
    });
  };
  return res;
}

Response remove_library_media(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  issuer.remove_media(r.params.at("id"), caller_of(r));
  return ok(json::object{{"removed", r.params.at("id")}});
}

Response list_playlists(HubContext& hub, const Request&) {
  json::array out;
  if (hub.issuer) {
    const auto in_use = hub.issuer->playlists_in_use(true);
    for (const auto& p : hub.issuer->hub_playlists()) {
      json::array items;
      for (const auto& i : p.items) items.emplace_back(i);
      out.push_back({{"id", p.id},
                     {"title", p.title},
                     {"items", std::move(items)},
                     {"created_by", p.by},
                     {"district", p.district},
                     {"created_at", p.created_at},
                     {"in_use", in_use.count(p.id) > 0}});
    }
  }
  return ok(out);
}

Response put_playlist(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  Response error;
  auto body = api::object_body(
      r, error, R"({"title": "Bản tin sáng thứ Hai", "items": ["nhac-hieu", "ban-tin-cchc"]})");
  if (!body) return error;
  HubPlaylist p;
  p.id = r.params.at("id");
  p.title = str(*body, "title");
  p.items = strings(*body, "items", "items");
  const bool fresh = std::none_of(issuer.hub_playlists().begin(), issuer.hub_playlists().end(),
                                  [&](const HubPlaylist& x) { return x.id == p.id; });
  const auto saved = issuer.put_playlist(std::move(p), caller_of(r), served);
  json::array items;
  for (const auto& i : saved.items) items.emplace_back(i);
  return ok(json::object{{"id", saved.id}, {"title", saved.title}, {"items", std::move(items)}},
            fresh ? 201 : 200);
}

Response remove_playlist(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  issuer.remove_playlist(r.params.at("id"), caller_of(r));
  return ok(json::object{{"removed", r.params.at("id")}});
}

Response list_holidays(HubContext& hub, const Request&) {
  json::array out;
  std::set<std::string> ours;
  if (hub.issuer) {
    for (const auto& h : hub.issuer->hub_holidays()) {
      if (h.removed) continue;
      ours.insert(h.day);
      out.push_back({{"day", h.day}, {"name", h.name}, {"by", h.by}, {"set_on", "hub"}});
    }
  }
  if (hub.manifests && !hub.manifests->bytes().empty()) {
    for (const auto& d : sync::parse_manifest(hub.manifests->bytes()).holidays) {
      if (!ours.count(d)) {
        out.push_back({{"day", d}, {"name", ""}, {"by", ""}, {"set_on", "province.toml"}});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const json::value& a, const json::value& b) {
    return a.at("day").as_string() < b.at("day").as_string();
  });
  return ok(out);
}

Response add_holiday(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  Response error;
  auto body = api::object_body(r, error, R"({"day": "2027-09-02", "name": "Quốc khánh"})");
  if (!body) return error;
  const std::string day = str(*body, "day");
  const auto sequence = issuer.add_holiday(day, str(*body, "name"), caller_of(r), served);
  hub.manifests->poke();
  return ok(json::object{{"added", day}, {"sequence", sequence}}, 201);
}

Response remove_holiday(HubContext& hub, const Request& r) {
  auto [issuer, served] = issuing(hub);
  const auto sequence = issuer.remove_holiday(r.params.at("day"), caller_of(r), served);
  hub.manifests->poke();
  return ok(json::object{{"removed", r.params.at("day")}, {"sequence", sequence}});
}

}  // namespace loaxa::hub
