// The hub's media library: files province and district officers upload from the web page,
// examined (hub/media/), kept content-addressed in the publish folder beside what `loaxa
// publish` copies there, and signed into the manifest only while something of the hub's
// plays them. See issue.hpp.

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "common/durable.hpp"
#include "common/errors.hpp"
#include "common/id.hpp"
#include "common/log.hpp"
#include "hub/issue.hpp"

namespace loaxa::hub {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// ".ogg" of "Bản tin sáng.OGG"; empty when the extension is not a short plain one (the
// media store's grammar, sync/manifest.cpp).
std::string plain_extension(const std::string& filename) {
  std::string ext = fs::path(filename).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext.size() < 2 || ext.size() > 6 ||
      ext.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789", 1) != std::string::npos) {
    return "";
  }
  return ext;
}

}  // namespace

json::object Issuer::media_entry(const LibraryMedia& m) {
  json::object o{{"id", m.id},         {"title", m.title}, {"kind", m.kind},
                 {"sha256", m.sha256}, {"size", m.size},   {"url", "media/" + m.store_name()}};
  if (!m.topic.empty()) o["topic"] = m.topic;
  if (m.duration_ms) o["duration_ms"] = *m.duration_ms;
  return o;
}

std::string Issuer::with_library(const std::string& served) const {
  json::value v = json::parse(served);
  // Appends `entry` to the manifest's list `key` unless an entry there has its id.
  const auto add_missing = [&](const char* key, const std::string& id, auto entry) {
    auto& list = v.as_object()[key];
    if (!list.is_array()) list = json::array();
    auto& a = list.as_array();
    const bool there = std::any_of(a.begin(), a.end(), [&](const json::value& x) {
      const auto* i = x.is_object() ? x.as_object().if_contains("id") : nullptr;
      return i && *i == id.c_str();
    });
    if (!there) a.push_back(entry());
  };
  for (const auto& m : library_) add_missing("media", m.id, [&] { return media_entry(m); });
  for (const auto& p : playlists_)
    add_missing("playlists", p.id, [&] { return playlist_entry(p); });
  return json::serialize(v);
}

std::set<std::string> Issuer::media_in_use(bool drafts_too) const {
  std::set<std::string> out;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& e : issued_) {
    if (!e.withdrawn && e.valid_until_ms > now) out.insert(e.media);
  }
  for (const auto& b : bulletins_) {
    if (b.state == "published" || (drafts_too && b.state == "draft")) {
      for (auto& m : media_of(b.entry)) out.insert(std::move(m));
    }
  }
  return out;
}

LibraryMedia Issuer::add_media(const fs::path& file, const std::string& filename,
                               const MediaFacts& facts, const std::string& sha, std::string id,
                               std::string title, const std::string& topic, const Caller& caller,
                               const std::string& served) {
  if (!caller.admin && caller.scope.district.empty()) {
    store_.audit(caller.who, caller.remote, "media.refused",
                 filename + ": a viewer may not upload media");
    throw Forbidden("a viewer may not upload media; a province or district officer may");
  }
  if (!facts.playable) {
    throw std::invalid_argument(filename + ": cannot be played: " + facts.error);
  }
  const std::string ext = plain_extension(filename);
  if (ext.empty()) {
    throw std::invalid_argument(filename +
                                ": the file name needs an extension of 1 to 5 letters or digits "
                                "(.mp3, .ogg, .wav, .png…): boxes choose the decoder by it");
  }
  if (title.empty()) title = facts.title.empty() ? fs::path(filename).stem().string() : facts.title;
  if (title.size() > 500) throw std::invalid_argument("title: at most 500 bytes");
  if (!topic.empty() && !valid_id(topic)) {
    throw std::invalid_argument("topic: \"" + topic +
                                "\" is not a topic key; the reports count by keys such as "
                                "\"institutions\" (GET /api/v1/publish lists them)");
  }
  const std::string base = id.empty() ? id_from_filename(filename) : id;
  if (!valid_id(base)) {
    throw std::invalid_argument("id: \"" + base + "\" is not an id: " + kIdRule);
  }
  // Free in the library and in the manifest served (province.toml's media keep theirs).
  const auto served_media = sync::parse_manifest(served);
  id = base;
  for (int n = 2;; ++n) {
    const bool taken =
        served_media.find_media(id) != nullptr ||
        std::any_of(library_.begin(), library_.end(), [&](const auto& m) { return m.id == id; });
    if (!taken) break;
    if (n > 999) throw std::invalid_argument("id: too many media named \"" + base + "\"");
    id = base + "-" + std::to_string(n);
  }

  LibraryMedia m;
  m.id = id;
  m.title = title;
  m.topic = topic;
  m.kind = facts.kind;
  m.sha256 = sha;
  m.ext = ext;
  m.size = static_cast<std::int64_t>(fs::file_size(file));
  m.duration_ms = facts.duration_ms;
  m.lufs = facts.lufs;
  m.peak_db = facts.peak_db;
  m.by = caller.who;
  m.district = caller.admin ? "" : caller.scope.district;
  // The file first, then its row: a row never names a file that is not there.
  const fs::path to = config_.publish_dir / "media" / m.store_name();
  fs::create_directories(to.parent_path());
  std::error_code ec;
  if (!fs::exists(to, ec) || fs::file_size(to, ec) != static_cast<std::uintmax_t>(m.size)) {
    copy_durably(file, to);
  }
  const auto r = store_.db().exec(
      "INSERT INTO hub_media (id, title, topic, kind, sha256, ext, size, duration_ms, lufs, "
      "peak_db, uploaded_by, district) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
      "RETURNING to_char(uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
      {pg::text(m.id), pg::text(m.title), pg::text(m.topic), pg::text(m.kind), pg::text(m.sha256),
       pg::text(m.ext), pg::num(m.size), pg::opt(m.duration_ms), pg::opt(m.lufs),
       pg::opt(m.peak_db), pg::text(m.by), pg::text(m.district)});
  m.uploaded_at = r.str(0, 0);
  library_.push_back(m);
  store_.audit(caller.who, caller.remote, "media.upload",
               m.id + " (" + filename + ", " + m.kind + ", " + std::to_string(m.size) + " B)");
  log::info("issue", "media " + m.id + " uploaded by " + caller.who + " (" + filename + ")");
  return m;
}

void Issuer::remove_media(const std::string& id, const Caller& caller) {
  auto it = std::find_if(library_.begin(), library_.end(),
                         [&](const LibraryMedia& m) { return m.id == id; });
  if (it == library_.end()) throw NotFound("no media \"" + id + "\" in the hub's library");
  check_owner("media \"" + id + "\"", it->district, caller, "remove", "media.refused");
  if (media_in_use(true).count(id)) {
    throw Refused("media \"" + id +
                  "\" is played by a bulletin (draft or published) or an emergency in force; "
                  "withdraw that first");
  }
  for (const auto& p : playlists_) {
    if (std::find(p.items.begin(), p.items.end(), id) != p.items.end()) {
      throw Refused("media \"" + id + "\" is in the hub's playlist \"" + p.id +
                    "\"; take it out of the playlist first");
    }
  }
  store_.db().exec("DELETE FROM hub_media WHERE id = $1", {pg::text(id)});
  // The file stays: a box may still be fetching it for a manifest served a moment ago,
  // and another upload or province.toml may share its content.
  store_.audit(caller.who, caller.remote, "media.remove", id + " (" + it->title + ")");
  library_.erase(it);
}

void Issuer::check_owner(const std::string& what, const std::string& owner, const Caller& caller,
                         const char* verb, const char* refused) {
  if (caller.admin || (!caller.scope.district.empty() && owner == caller.scope.district)) return;
  store_.audit(caller.who, caller.remote, refused, what + ": not theirs to " + verb);
  throw Forbidden(what + " was made by " +
                  (owner.empty() ? std::string("the province") : "district " + owner) +
                  "; only they or the province may " + verb + " it");
}

}  // namespace loaxa::hub
