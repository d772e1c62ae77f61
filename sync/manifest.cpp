#include "sync/manifest.hpp"

#include <fnmatch.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <regex>
#include <set>

#include "common/id.hpp"
#include "player/output.hpp"
#include "scheduler/local_time.hpp"
#include "scheduler/rrule.hpp"
#include "sync/keys.hpp"

namespace loaxa::sync {

namespace json = boost::json;

namespace {

std::string type_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "?";
}

// One JSON object being read, with its path for error messages.
class Reader {
 public:
  Reader(const json::value& v, std::string path) : path_(std::move(path)) {
    if (!v.is_object()) throw ManifestError(path_, "must be an object, not " + type_name(v));
    obj_ = &v.as_object();
  }

  std::string at(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  const json::value* get(const char* key, bool required) const {
    const auto* v = obj_->if_contains(key);
    if (v && v->is_null()) v = nullptr;
    if (!v && required) throw ManifestError(at(key), "is required");
    return v;
  }

  std::optional<std::string> str(const char* key, bool required, std::size_t max_len = 1000) const {
    const auto* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) throw ManifestError(at(key), "must be a string, not " + type_name(*v));
    std::string s(v->as_string());
    if (s.size() > max_len) {
      throw ManifestError(at(key), "is " + std::to_string(s.size()) + " bytes long; at most " +
                                       std::to_string(max_len) + " are accepted");
    }
    return s;
  }

  std::string id(const char* key, bool required = true) const {
    auto s = str(key, required, 64);
    if (!s) return "";
    if (!valid_id(*s)) {
      throw ManifestError(at(key), "\"" + *s +
                                       "\" is not an id: lowercase letters, digits, '-' and '_', "
                                       "starting with a letter or digit, at most 64");
    }
    return *s;
  }

  std::optional<std::int64_t> integer(const char* key, bool required, std::int64_t lo,
                                      std::int64_t hi) const {
    const auto* v = get(key, required);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->as_int64();
    } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      n = static_cast<std::int64_t>(v->as_uint64());
    } else {
      throw ManifestError(at(key), "must be an integer, not " + type_name(*v));
    }
    if (n < lo || n > hi) {
      throw ManifestError(at(key), std::to_string(n) + " is out of range " + std::to_string(lo) +
                                       ".." + std::to_string(hi));
    }
    return n;
  }

  std::optional<bool> boolean(const char* key) const {
    const auto* v = get(key, false);
    if (!v) return std::nullopt;
    if (!v->is_bool()) throw ManifestError(at(key), "must be true or false, not " + type_name(*v));
    return v->as_bool();
  }

  const json::array* array(const char* key, bool required, std::size_t max_items) const {
    const auto* v = get(key, required);
    if (!v) return nullptr;
    if (!v->is_array()) throw ManifestError(at(key), "must be an array, not " + type_name(*v));
    if (v->as_array().size() > max_items) {
      throw ManifestError(at(key), "has " + std::to_string(v->as_array().size()) +
                                       " entries; at most " + std::to_string(max_items));
    }
    return &v->as_array();
  }

  std::vector<std::string> strings(const char* key, std::size_t max_items,
                                   std::size_t max_len = 200) const {
    std::vector<std::string> out;
    const auto* a = array(key, false, max_items);
    if (!a) return out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto& v = (*a)[i];
      const std::string p = at(key) + "[" + std::to_string(i) + "]";
      if (!v.is_string()) throw ManifestError(p, "must be a string, not " + type_name(v));
      if (v.as_string().size() > max_len) throw ManifestError(p, "is too long");
      out.emplace_back(v.as_string());
    }
    return out;
  }

  const std::string& path() const { return path_; }

 private:
  const json::object* obj_ = nullptr;
  std::string path_;
};

std::string item_path(const char* list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

void check_date(const std::string& path, const std::string& text) {
  try {
    scheduler::parse_date(text);
  } catch (const std::exception& e) {
    throw ManifestError(path, "\"" + text + "\" is not a date YYYY-MM-DD (" + e.what() + ")");
  }
}

std::int64_t instant_ms(const std::string& path, const std::string& text) {
  // An instant in a manifest carries its offset: boxes in other zones read it the same.
  static const std::regex offset(R"(.*T.*(Z|[+-]\d\d:\d\d)$)");
  if (!std::regex_match(text, offset)) {
    throw ManifestError(path, "\"" + text +
                                  "\" must be an ISO-8601 date-time with its offset, e.g. "
                                  "2022-09-27T10:00:00+07:00");
  }
  try {
    const scheduler::Zone utc("UTC");
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               scheduler::parse_iso_instant(text, utc).time_since_epoch())
        .count();
  } catch (const std::exception& e) {
    throw ManifestError(path, "\"" + text + "\" is not a date-time: " + e.what());
  }
}

std::string extension_of(std::string_view url) {
  const auto slash = url.rfind('/');
  const auto name = url.substr(slash == std::string_view::npos ? 0 : slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  std::string ext(name.substr(dot + 1));
  if (ext.size() > 5) return "";
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return "";
  }
  return ext;
}

json::value parse_json(std::string_view bytes) {
  json::stream_parser p;
  boost::system::error_code ec;
  const std::size_t used = p.write_some(bytes.data(), bytes.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    const std::size_t at = std::min(used, bytes.size());
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < at; ++i) {
      if (bytes[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw ManifestError("", "not valid JSON at byte " + std::to_string(at) + " (line " +
                                std::to_string(line) + ", column " + std::to_string(col) +
                                "): " + ec.message());
  }
  return p.release();
}

std::vector<unsigned char> from_base64(std::string_view text, std::size_t want,
                                       const std::string& what) {
  auto bytes = base64_decode(text, want);
  if (!bytes)
    throw ManifestError("", what + " is not base64 of " + std::to_string(want) + " bytes");
  return std::move(*bytes);
}

}  // namespace

void check_relative_url(std::string_view url) {
  if (url.empty()) throw std::invalid_argument("is empty");
  auto parsed = boost::urls::parse_relative_ref(url);
  if (!parsed && boost::urls::parse_uri(url)) {
    throw std::invalid_argument("\"" + std::string(url) +
                                "\" must be relative to the manifest (like media/<sha256>.ogg), "
                                "not a URL of its own");
  }
  if (!parsed) {
    throw std::invalid_argument("\"" + std::string(url) + "\" is not a relative URL (" +
                                parsed.error().message() + ")");
  }
  if (parsed->has_authority() || url.front() == '/') {
    throw std::invalid_argument("\"" + std::string(url) +
                                "\" must be relative to the manifest (like media/<sha256>.ogg), "
                                "not an absolute path or another host");
  }
  if (parsed->has_query() || parsed->has_fragment()) {
    throw std::invalid_argument("\"" + std::string(url) + "\" must not have a query or fragment");
  }
  for (const auto& seg : parsed->segments()) {  // decoded: %2e%2e is ".." too
    if (seg.empty() || seg == "." || seg == ".." || seg.find('/') != std::string::npos ||
        seg.find('\\') != std::string::npos || seg.find('\0') != std::string::npos) {
      throw std::invalid_argument("\"" + std::string(url) +
                                  "\" leaves the manifest's folder or has an empty, '.' or '..' "
                                  "segment");
    }
  }
}

const ManifestMedia* Manifest::find_media(const std::string& id) const {
  for (const auto& m : media) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

bool ManifestTargets::match(const std::string& box_id, const std::string& district) const {
  if (every_box()) return true;
  for (const auto& glob : boxes) {
    if (::fnmatch(glob.c_str(), box_id.c_str(), 0) == 0) return true;
  }
  return !district.empty() &&
         std::find(districts.begin(), districts.end(), district) != districts.end();
}

bool Manifest::targets_box(const std::string& box_id, const std::string& district) const {
  return targets.match(box_id, district);
}

std::vector<std::string> Manifest::media_of_schedule(const ManifestSchedule& s) const {
  if (s.content_kind == "media") return {s.content};
  std::vector<std::string> out;
  for (const auto& p : playlists) {
    if (p.id != s.content) continue;
    for (const auto& item : p.items) {
      if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    }
  }
  return out;
}

std::size_t verify_manifest_signature(std::string_view bytes, std::string_view signature_b64,
                                      const std::vector<std::string>& public_keys) {
  if (sodium_init() < 0) throw ManifestError("", "libsodium cannot initialise");
  if (public_keys.empty()) {
    throw ManifestError("", "no [sync] public_keys are configured, so no manifest can be trusted");
  }
  const auto sig =
      from_base64(signature_b64, crypto_sign_BYTES, "the signature (manifest.json.sig)");
  for (std::size_t i = 0; i < public_keys.size(); ++i) {
    const auto key = from_base64(public_keys[i], crypto_sign_PUBLICKEYBYTES,
                                 "[sync] public_keys[" + std::to_string(i) + "]");
    if (crypto_sign_verify_detached(sig.data(),
                                    reinterpret_cast<const unsigned char*>(bytes.data()),
                                    bytes.size(), key.data()) == 0) {
      return i;
    }
  }
  throw ManifestError("", "the signature does not match any of the " +
                              std::to_string(public_keys.size()) +
                              " configured public key(s): the manifest was not signed by the "
                              "province, or was altered on the way");
}

namespace {

// One entry of "media".
ManifestMedia read_media(const Reader& r, std::set<std::string>& ids) {
  ManifestMedia x;
  x.id = r.id("id");
  if (!ids.insert(x.id).second) throw ManifestError(r.at("id"), "\"" + x.id + "\" is used twice");
  x.title = r.str("title", false, 500).value_or(x.id);
  x.topic = r.str("topic", false, 64).value_or("");
  if (!x.topic.empty() && !valid_id(x.topic)) {
    throw ManifestError(r.at("topic"), "\"" + x.topic + "\" is not a topic key (an id)");
  }
  x.audience = r.strings("audience", 20, 64);
  x.kind = r.str("kind", false, 16).value_or("audio");
  if (x.kind != "audio" && x.kind != "video" && x.kind != "image") {
    throw ManifestError(r.at("kind"), "\"" + x.kind + "\" must be audio, video or image");
  }
  x.sha256 = *r.str("sha256", true, 64);
  static const std::regex hex("[0-9a-f]{64}");
  if (!std::regex_match(x.sha256, hex)) {
    throw ManifestError(r.at("sha256"), "must be 64 lowercase hex digits (SHA-256)");
  }
  x.size = *r.integer("size", true, 1, kMaxMediaSize);
  x.duration_ms = r.integer("duration_ms", false, 0, std::int64_t{7} * 24 * 3600 * 1000);
  x.url = *r.str("url", true, 1000);
  try {
    check_relative_url(x.url);
  } catch (const std::invalid_argument& e) {
    throw ManifestError(r.at("url"), e.what());
  }
  x.extension = extension_of(x.url);
  return x;
}

// A "targets" object ({"boxes": [globs], "districts": [ids]}) under `r`, if present. An
// entry's empty one is refused (leave the key out for every box); the manifest's own may
// be empty, as loaxa-manifest/1 always allowed.
ManifestTargets read_targets(const Reader& r, bool entry = true) {
  ManifestTargets t;
  const auto* v = r.get("targets", false);
  if (!v) return t;
  const Reader tr(*v, r.at("targets"));
  t.boxes = tr.strings("boxes", 1000, 64);
  t.districts = tr.strings("districts", 1000, 64);
  for (std::size_t k = 0; k < t.districts.size(); ++k) {
    if (!valid_id(t.districts[k])) {
      throw ManifestError(tr.at("districts") + "[" + std::to_string(k) + "]",
                          "\"" + t.districts[k] + "\" is not a district id");
    }
  }
  if (entry && t.every_box()) {
    throw ManifestError(r.at("targets"),
                        "names no box and no district; leave \"targets\" out for every box");
  }
  return t;
}

// A playlist's items: each a media id, or {"media": id, "duration": "20s"} for a still
// that shows longer or shorter than the kiosk's image_duration.
void read_playlist_items(const Reader& r, ManifestPlaylist& p) {
  if (const auto* items = r.array("items", false, 1000)) {
    for (std::size_t k = 0; k < items->size(); ++k) {
      const auto& v = (*items)[k];
      const std::string at = r.at("items") + "[" + std::to_string(k) + "]";
      if (v.is_string()) {
        if (v.as_string().size() > 64) throw ManifestError(at, "is too long");
        p.items.emplace_back(v.as_string());
        continue;
      }
      if (!v.is_object()) {
        throw ManifestError(at,
                            "must be a media id or an object {\"media\": id, "
                            "\"duration\": \"20s\"}, not " +
                                type_name(v));
      }
      const Reader ir(v, at);
      p.items.push_back(ir.id("media"));
      if (auto text = ir.str("duration", false, 32)) {
        std::chrono::milliseconds d{0};
        try {
          d = scheduler::parse_duration(*text);
        } catch (const std::invalid_argument& e) {
          throw ManifestError(ir.at("duration"), e.what());
        }
        if (!player::valid_still(d)) {
          throw ManifestError(ir.at("duration"), "\"" + *text + "\" must be between 1s and 1h");
        }
        p.durations[k] = d;
      }
    }
  }
}

// One entry of "playlists"; its items must be in `m`'s media.
ManifestPlaylist read_playlist(const Reader& r, const Manifest& m, std::set<std::string>& ids) {
  ManifestPlaylist p;
  p.id = r.id("id");
  if (!ids.insert(p.id).second) throw ManifestError(r.at("id"), "\"" + p.id + "\" is used twice");
  p.title = r.str("title", false, 500).value_or(p.id);
  read_playlist_items(r, p);
  p.targets = read_targets(r);
  if (p.items.empty()) throw ManifestError(r.at("items"), "is required and must not be empty");
  for (std::size_t k = 0; k < p.items.size(); ++k) {
    if (!m.find_media(p.items[k])) {
      throw ManifestError(r.at("items") + "[" + std::to_string(k) + "]",
                          "\"" + p.items[k] + "\" is not the id of an entry in media");
    }
  }
  return p;
}

// One entry of "schedules"; what it plays must be in `m`.
ManifestSchedule read_schedule(const Reader& r, const Manifest& m,
                               const std::set<std::string>& playlist_ids,
                               std::set<std::string>& ids) {
  ManifestSchedule s;
  s.id = r.id("id");
  if (!ids.insert(s.id).second) throw ManifestError(r.at("id"), "\"" + s.id + "\" is used twice");
  s.channel = r.id("channel");
  s.targets = read_targets(r);
  const auto playlist = r.str("playlist", false, 64);
  const auto media = r.str("media", false, 64);
  if (playlist.has_value() == media.has_value()) {
    throw ManifestError(r.path(), "needs exactly one of playlist and media");
  }
  s.content_kind = playlist ? "playlist" : "media";
  s.content = playlist ? *playlist : *media;
  if (playlist && !playlist_ids.count(*playlist)) {
    throw ManifestError(r.at("playlist"),
                        "\"" + *playlist + "\" is not the id of an entry in playlists");
  }
  if (media && !m.find_media(*media)) {
    throw ManifestError(r.at("media"), "\"" + *media + "\" is not the id of an entry in media");
  }
  s.level = r.str("level", false, 16).value_or("normal");
  if (s.level != "normal" && s.level != "priority") {
    throw ManifestError(r.at("level"), "\"" + s.level +
                                           "\" must be normal or priority (emergencies go in "
                                           "the emergencies list)");
  }
  if (auto p = r.integer("priority", false, 0, 100)) s.priority = static_cast<int>(*p);
  s.start = *r.str("start", true, 32);
  static const std::regex local_dt(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)");
  try {
    if (!std::regex_match(s.start, local_dt)) throw std::invalid_argument("wrong form");
    scheduler::parse_local_datetime(s.start);
  } catch (const std::exception& e) {
    throw ManifestError(r.at("start"), "\"" + s.start +
                                           "\" is not a local date-time "
                                           "YYYY-MM-DDTHH:MM:SS (" +
                                           e.what() + ")");
  }
  s.rrule = r.str("rrule", false, 500);
  if (s.rrule) {
    try {
      scheduler::parse_rrule(*s.rrule);
    } catch (const std::exception& e) {
      throw ManifestError(r.at("rrule"), e.what());
    }
  }
  s.until = r.str("until", false, 10);
  if (s.until) check_date(r.at("until"), *s.until);
  if (auto d = r.str("max_duration", false, 32)) {
    try {
      s.max_duration_ms = scheduler::parse_duration(*d).count();
    } catch (const std::exception& e) {
      throw ManifestError(r.at("max_duration"),
                          "\"" + *d + "\" is not a duration like \"30m\" (" + e.what() + ")");
    }
  }
  s.skip_holidays = r.boolean("skip_holidays").value_or(false);
  s.exdates = r.strings("exdate", 1000, 32);
  for (std::size_t k = 0; k < s.exdates.size(); ++k) {
    try {
      scheduler::parse_local_datetime(s.exdates[k]);
    } catch (const std::exception& e) {
      throw ManifestError(r.at("exdate") + "[" + std::to_string(k) + "]", e.what());
    }
  }
  return s;
}

// One entry of "emergencies"; its media must be in `m`.
ManifestEmergency read_emergency(const Reader& r, const Manifest& m, std::set<std::string>& ids) {
  ManifestEmergency e;
  e.id = r.id("id");
  if (!ids.insert(e.id).second) throw ManifestError(r.at("id"), "\"" + e.id + "\" is used twice");
  e.channels = r.strings("channels", 100, 64);
  e.targets = read_targets(r);
  if (e.channels.empty()) e.channels = {"*"};
  for (std::size_t k = 0; k < e.channels.size(); ++k) {
    if (e.channels[k] != "*" && !valid_id(e.channels[k])) {
      throw ManifestError(r.at("channels") + "[" + std::to_string(k) + "]",
                          "\"" + e.channels[k] + "\" is not a channel name or \"*\"");
    }
  }
  e.media = *r.str("media", true, 64);
  if (!m.find_media(e.media)) {
    throw ManifestError(r.at("media"), "\"" + e.media + "\" is not the id of an entry in media");
  }
  e.text = r.str("text", false, 2000).value_or("");
  e.repeat = static_cast<int>(r.integer("repeat", false, 1, 20).value_or(1));
  e.valid_from = *r.str("valid_from", true, 40);
  e.valid_until = *r.str("valid_until", true, 40);
  e.valid_from_ms = instant_ms(r.at("valid_from"), e.valid_from);
  e.valid_until_ms = instant_ms(r.at("valid_until"), e.valid_until);
  if (e.valid_until_ms <= e.valid_from_ms) {
    throw ManifestError(r.at("valid_until"), "must be after valid_from");
  }
  return e;
}

}  // namespace

Manifest for_box(const Manifest& m, const std::string& box_id, const std::string& district) {
  Manifest out = m;
  out.playlists.clear();
  out.schedules.clear();
  out.emergencies.clear();
  std::set<std::string> kept_playlists, used, used_elsewhere;
  const auto note = [](std::set<std::string>& into, const std::vector<std::string>& ids) {
    into.insert(ids.begin(), ids.end());
  };
  for (const auto& p : m.playlists) {
    if (p.targets.match(box_id, district)) {
      out.playlists.push_back(p);
      kept_playlists.insert(p.id);
      note(used, p.items);
    } else {
      note(used_elsewhere, p.items);
    }
  }
  for (const auto& s : m.schedules) {
    const bool ok = s.targets.match(box_id, district) &&
                    (s.content_kind != "playlist" || kept_playlists.count(s.content));
    if (ok) {
      out.schedules.push_back(s);
      if (s.content_kind == "media") used.insert(s.content);
    } else if (s.content_kind == "media") {
      used_elsewhere.insert(s.content);
    }
  }
  for (const auto& e : m.emergencies) {
    if (e.targets.match(box_id, district)) {
      out.emergencies.push_back(e);
      used.insert(e.media);
    } else {
      used_elsewhere.insert(e.media);
    }
  }
  // Media only other boxes' entries use are not this box's to download.
  std::erase_if(out.media, [&](const ManifestMedia& x) {
    return used_elsewhere.count(x.id) && !used.count(x.id);
  });
  return out;
}

Manifest parse_manifest(std::string_view bytes) {
  if (bytes.size() > kMaxManifestBytes) {
    throw ManifestError("", "is " + std::to_string(bytes.size()) + " bytes; at most " +
                                std::to_string(kMaxManifestBytes) + " are accepted");
  }
  const json::value root = parse_json(bytes);
  const Reader top(root, "");
  Manifest m;
  const auto format = top.str("format", true);
  if (*format != kManifestFormat) {
    throw ManifestError("format", "is \"" + *format + "\"; this loaxa reads \"" +
                                      std::string(kManifestFormat) + "\"");
  }
  m.publisher = top.id("publisher");
  m.sequence = *top.integer("sequence", true, 1, INT64_MAX);
  m.generated_at = top.str("generated_at", false, 64).value_or("");
  if (!m.generated_at.empty()) instant_ms("generated_at", m.generated_at);
  m.targets = read_targets(top, false);
  if (auto next = top.str("next_public_key", false, 64)) {
    if (!base64_decode(*next, 32)) {
      throw ManifestError("next_public_key",
                          "must be base64 of a 32-byte Ed25519 public key (the .pub file "
                          "`loaxa keygen` writes)");
    }
    m.next_public_key = *next;
  }
  m.holidays = top.strings("holidays", 1000, 10);
  for (std::size_t i = 0; i < m.holidays.size(); ++i) {
    check_date(item_path("holidays", i), m.holidays[i]);
  }
  // The lists in order: an entry may name only what the lists before it define.
  const auto each = [&](const char* key, std::size_t most, const auto& read) {
    if (const auto* list = top.array(key, false, most)) {
      for (std::size_t i = 0; i < list->size(); ++i) read(Reader((*list)[i], item_path(key, i)));
    }
  };
  std::set<std::string> media_ids, playlist_ids, schedule_ids, emergency_ids;
  each("media", 100000, [&](const Reader& r) { m.media.push_back(read_media(r, media_ids)); });
  each("playlists", 10000,
       [&](const Reader& r) { m.playlists.push_back(read_playlist(r, m, playlist_ids)); });
  each("schedules", 10000, [&](const Reader& r) {
    m.schedules.push_back(read_schedule(r, m, playlist_ids, schedule_ids));
  });
  each("emergencies", 1000,
       [&](const Reader& r) { m.emergencies.push_back(read_emergency(r, m, emergency_ids)); });
  return m;
}

}  // namespace loaxa::sync
