#include "cli/local/publish.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "common/durable.hpp"
#include "common/sha256.hpp"
#include "common/toml_reader.hpp"
#include "daemon/config/playlist_item.hpp"
#include "player/probe.hpp"
#include "scheduler/local_time.hpp"
#include "sync/keys.hpp"
#include "sync/manifest.hpp"

namespace loaxa {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The sequence of the manifest already in OUT, if any.
std::int64_t previous_sequence(const fs::path& out) {
  std::error_code ec;
  if (!fs::exists(out / "manifest.json", ec)) return 0;
  try {
    return json::parse(read_file(out / "manifest.json")).at("sequence").to_number<std::int64_t>();
  } catch (const std::exception&) {
    return 0;
  }
}

void copy_strings(json::object& o, const char* key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  o[key] = std::move(a);
}

// A playlist's items: media ids, and { media = "id", duration = "20s" } for a still
// with its own duration, as the manifest writes them.
void copy_items(ConfigReader& r, json::object& o) {
  const toml::array* items = r.array("items");
  if (!items) return;
  json::array a;
  for (std::size_t k = 0; k < items->size(); ++k) {
    const auto item = read_playlist_item(r, *items->get(k), k);
    if (!item) continue;
    if (item->duration) {
      a.emplace_back(json::object{{"media", item->media},
                                  {"duration", scheduler::format_duration(*item->duration)}});
    } else {
      a.emplace_back(item->media);
    }
  }
  o["items"] = std::move(a);
}

}  // namespace

namespace {

using Problems = std::vector<ConfigProblem>;

// [publisher]: who signs, the boxes it speaks to, the holidays.
void read_publisher(ConfigReader& top, json::object& m, Problems& problems, const fs::path& file) {
  const toml::table* pub = top.table("publisher");
  if (!pub) {
    problems.push_back({file, 1, "[publisher] with id = \"...\" is required"});
    return;
  }
  ConfigReader r(*pub, "publisher", problems, file);
  m["publisher"] = r.string("id", true).value_or("");
  if (auto name = r.string("name")) m["publisher_name"] = *name;
  if (auto t = r.strings("targets")) {
    json::object targets;
    copy_strings(targets, "boxes", *t);
    if (!t->empty()) m["targets"] = std::move(targets);
  }
  if (auto h = r.strings("holidays")) copy_strings(m, "holidays", *h);
  if (auto next = r.string("next_public_key")) m["next_public_key"] = *next;
  r.finish();
}

// [[media]]: probed, hashed, to be copied as media/<sha256>.<ext> (into `copies`).
json::array read_media(ConfigReader& top, const fs::path& src, const fs::path& out,
                       std::vector<std::pair<fs::path, fs::path>>& copies, Problems& problems,
                       const fs::path& file) {
  json::array media;
  const toml::array* list = top.array("media");
  if (!list) return media;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto* t = (*list)[i].as_table();
    if (!t) continue;
    ConfigReader r(*t, "media[" + std::to_string(i) + "]", problems, file);
    json::object o;
    const auto rel = r.string("file", true);
    const auto id = r.string("id", true);
    o["id"] = id.value_or("");
    if (auto v = r.string("title")) o["title"] = *v;
    if (auto v = r.string("topic")) o["topic"] = *v;
    if (auto v = r.strings("audience")) copy_strings(o, "audience", *v);
    r.finish();
    if (!rel) continue;
    const fs::path path = fs::path(*rel).is_absolute() ? fs::path(*rel) : src / *rel;
    const auto probe = player::probe_file(path);
    if (!probe.playable) {
      problems.push_back(
          {file, r.line_of("file"), path.string() + ": cannot be played: " + probe.error});
      continue;
    }
    const std::string sha = sha256_file_hex(path);
    std::string ext = path.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string name = "media/" + sha + ext;
    o["kind"] = probe.kind;
    o["sha256"] = sha;
    o["size"] = static_cast<std::int64_t>(fs::file_size(path));
    if (probe.duration) o["duration_ms"] = static_cast<std::int64_t>(probe.duration->count());
    if (!o.contains("title") && !probe.title.empty()) o["title"] = probe.title;
    o["url"] = name;
    copies.emplace_back(path, out / name);
    media.push_back(std::move(o));
  }
  return media;
}

// Which keys of a [[playlist]], [[schedule]] or [[emergency]] go into the manifest as
// they are, by type.
struct EntryKeys {
  const char* toml_key;
  const char* json_key;
  std::initializer_list<const char*> strings, lists, integers, booleans;
};

// targets = { boxes = ["bp-bu-dang-*"], districts = ["bu-dang"] } of an entry: whom it is
// for (absent: every box). The manifest's reader refuses one that names nobody.
void copy_targets(ConfigReader& r, json::object& o, Problems& problems, const fs::path& file) {
  const toml::table* t = r.table("targets");
  if (!t) return;
  ConfigReader tr(*t, r.where("targets"), problems, file);
  json::object targets;
  if (auto v = tr.strings("boxes")) copy_strings(targets, "boxes", *v);
  if (auto v = tr.strings("districts")) copy_strings(targets, "districts", *v);
  tr.finish();
  o["targets"] = std::move(targets);
}

void copy_table_list(ConfigReader& top, json::object& m, const EntryKeys& keys, Problems& problems,
                     const fs::path& file) {
  const toml::array* list = top.array(keys.toml_key);
  if (!list) return;
  json::array rows;
  const std::string kind = keys.toml_key;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto* t = (*list)[i].as_table();
    if (!t) continue;
    ConfigReader r(*t, kind + "[" + std::to_string(i) + "]", problems, file);
    json::object o;
    for (const char* k : keys.strings) {
      if (auto v = r.string(k)) o[k] = *v;
    }
    for (const char* k : keys.lists) {
      if (auto v = r.strings(k)) copy_strings(o, k, *v);
    }
    if (kind == "playlist") copy_items(r, o);
    copy_targets(r, o, problems, file);
    for (const char* k : keys.integers) {
      if (auto v = r.integer(k, 0, 1000)) o[k] = *v;
    }
    for (const char* k : keys.booleans) {
      if (auto v = r.boolean(k)) o[k] = *v;
    }
    if (kind == "schedule" && !o.contains("id")) o["id"] = "province-" + std::to_string(i + 1);
    r.finish();
    rows.push_back(std::move(o));
  }
  m[keys.json_key] = std::move(rows);
}

// The media first, then the signed manifest: a box polling in between sees the old pair
// or a pair whose media are all there.
void write_tree(const fs::path& out, const std::vector<std::pair<fs::path, fs::path>>& copies,
                const std::string& bytes, const fs::path& key_file, PublishResult& result) {
  fs::create_directories(out / "media");
  for (const auto& [from, to] : copies) {
    ++result.media;
    std::error_code ec;
    if (fs::exists(to, ec) && fs::file_size(to) == fs::file_size(from)) continue;
    copy_durably(from, to);
    ++result.copied;
  }
  sync::write_signed_manifest(out, bytes, key_file);
  result.manifest = out / "manifest.json";
}

}  // namespace

PublishResult publish(const fs::path& src, const fs::path& out, const fs::path& key_file) {
  PublishResult result;
  auto& problems = result.problems;
  const fs::path file = src / "province.toml";
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    problems.push_back(
        {file, static_cast<int>(e.source().begin.line), std::string(e.description())});
    return result;
  }
  json::object m;
  m["format"] = sync::kManifestFormat;
  ConfigReader top(doc, "", problems, file);
  read_publisher(top, m, problems, file);
  std::vector<std::pair<fs::path, fs::path>> copies;
  m["media"] = read_media(top, src, out, copies, problems, file);
  copy_table_list(top, m, {"playlist", "playlists", {"id", "title"}, {}, {}, {}}, problems, file);
  copy_table_list(
      top, m,
      {"schedule",
       "schedules",
       {"id", "channel", "playlist", "media", "level", "start", "rrule", "until", "max_duration"},
       {"exdate"},
       {"priority"},
       {"skip_holidays"}},
      problems, file);
  copy_table_list(top, m,
                  {"emergency",
                   "emergencies",
                   {"id", "media", "text", "valid_from", "valid_until"},
                   {"channels"},
                   {"repeat"},
                   {}},
                  problems, file);
  top.finish();
  if (!problems.empty()) return result;

  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  result.sequence = std::max<std::int64_t>(now, previous_sequence(out) + 1);
  m["sequence"] = result.sequence;
  m["generated_at"] = scheduler::format_utc(now);
  const std::string bytes = json::serialize(m) + "\n";
  // What boxes will check, checked here first: a province never publishes what its
  // boxes would refuse.
  try {
    sync::parse_manifest(bytes);
  } catch (const sync::ManifestError& e) {
    problems.push_back({file, 0, std::string("the manifest would be refused: ") + e.what()});
    return result;
  }
  write_tree(out, copies, bytes, key_file, result);
  return result;
}

}  // namespace loaxa
