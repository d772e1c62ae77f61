#include "daemon/config/config.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/id.hpp"
#include "common/toml_reader.hpp"
#include "daemon/config/playlist_item.hpp"
#include "daemon/config/read_parts.hpp"
#include "http/server.hpp"
#include "player/gst/gst_ptr.hpp"
#include "player/output.hpp"
#include "scheduler/local_time.hpp"
#include "scheduler/rrule.hpp"
#include "store/report.hpp"
#include "sync/http_fetch.hpp"

namespace loaxa {
namespace {

// A size such as "200MB" or "1GB" under `key`, in bytes; a problem (named by `path`)
// when it is not one.
std::optional<std::int64_t> read_size(ConfigReader& r, const char* key, const std::string& path) {
  const auto v = r.string(key);
  if (!v) return std::nullopt;
  static const std::regex size_re(R"(^(\d{1,6})\s*(MB|GB)$)");
  std::smatch m;
  if (!std::regex_match(*v, m, size_re)) {
    r.problem(r.line_of(key), path + ": \"" + *v + "\" is not a size like \"200MB\" or \"1GB\"");
    return std::nullopt;
  }
  return std::stoll(m[1]) << (m[2] == "GB" ? 30 : 20);
}

// The required `role` of a token or user table at `path`.
std::string read_role(ConfigReader& r, const std::string& path) {
  std::string role = r.string("role", true).value_or("");
  if (!role.empty() && role != "admin" && role != "operator" && role != "viewer") {
    r.problem(r.line_of("role"),
              path + ".role must be admin, operator or viewer, not \"" + role + "\"");
  }
  return role;
}

namespace fs = std::filesystem;
using config_parts::read_channel;
using config_parts::read_playlists;
using config_parts::read_schedules;

void read_box(ConfigReader& r, Config& c) {
  if (auto id = r.string("id", true)) {
    if (!valid_id(*id)) {
      r.problem(r.line_of("id"), "box.id \"" + *id + "\" is not a valid id; " + kIdRule);
    }
    c.box.id = *id;
  }
  if (auto v = r.string("name")) c.box.name = *v;
  if (auto v = r.string("district")) {
    if (!valid_id(*v)) {
      r.problem(r.line_of("district"),
                "box.district \"" + *v + "\" is not a district id like \"dong-xoai\"; " + kIdRule);
    }
    c.box.district = *v;
  }
  if (auto v = r.string("timezone")) {
    try {
      scheduler::Zone zone(*v);
      c.box.timezone = *v;
    } catch (const std::invalid_argument& e) {
      r.problem(r.line_of("timezone"), std::string("box.timezone: ") + e.what());
    }
  }
  if (auto v = r.string("state_dir")) c.box.state_dir = config_path(c.file.parent_path(), *v);
  if (auto v = r.string("key")) {
    c.box.key = config_path(c.file.parent_path(), *v);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(c.box.key, ec)) {
      r.problem(r.line_of("key"), "box.key: " + c.box.key.string() +
                                      " is not a file; make the box's key with `loaxa keygen "
                                      "--out PREFIX` and name PREFIX.key here");
    }
  }
  r.finish();
}

void read_status_push(ConfigReader& p, PushConfig& pc) {
  static constexpr std::string_view kAirtime = "/ingest/airtime";
  if (pc.url.size() > kAirtime.size() && pc.url.ends_with(kAirtime)) {
    pc.status_url = pc.url.substr(0, pc.url.size() - kAirtime.size()) + "/ingest/status";
  }
  if (auto v = p.string("status_url")) {
    try {
      sync::parse_http_url(*v);
      pc.status_url = *v;
    } catch (const std::invalid_argument& e) {
      p.problem(p.line_of("status_url"), std::string("airtime.push.status_url ") + e.what());
    }
  }
  if (auto v = p.duration("status_interval")) {
    if (*v < milliseconds(1000)) {
      p.problem(p.line_of("status_interval"),
                "airtime.push.status_interval must be at least \"1s\"");
    } else {
      pc.status_interval = *v;
    }
  }
}

void read_airtime(ConfigReader& r, Config& c) {
  if (auto v = r.duration("checkpoint")) {
    if (*v < milliseconds(1000) || *v > milliseconds(600'000)) {
      r.problem(r.line_of("checkpoint"),
                "airtime.checkpoint must be between \"1s\" and \"10m\" (a crash loses at most "
                "this much of a play's recorded duration)");
    } else {
      c.airtime.checkpoint = *v;
    }
  }
  if (auto v = r.duration("retention")) {
    if (*v < std::chrono::hours(24 * 30)) {
      r.problem(r.line_of("retention"),
                "airtime.retention must be at least \"30d\" (reports need a year or more; leave "
                "it out to keep every row)");
    } else {
      c.airtime.retention = *v;
    }
  }
  if (const toml::table* push = r.table("push")) {
    ConfigReader p(*push, "airtime.push", r.problems(), r.file());
    PushConfig pc;
    if (auto v = p.string("url", true)) {
      try {
        sync::parse_http_url(*v);
      } catch (const std::invalid_argument& e) {
        p.problem(p.line_of("url"), std::string("airtime.push.url ") + e.what());
      }
      pc.url = *v;
    }
    if (auto v = p.duration("interval")) {
      if (*v < milliseconds(1000)) {
        p.problem(p.line_of("interval"), "airtime.push.interval must be at least \"1s\"");
      } else {
        pc.interval = *v;
      }
    }
    if (auto v = p.integer("batch", 1, 10000)) pc.batch = static_cast<int>(*v);
    read_status_push(p, pc);
    p.finish();
    c.airtime.push = pc;
  }
  r.finish();
}

void read_topics(ConfigReader& r, const toml::table& t, Config& c) {
  c.topics.clear();
  static const std::regex key_re("^[a-z][a-z0-9_-]{0,31}$");
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    if (!std::regex_match(key, key_re)) {
      r.problem(line_of(node), "topics." + key +
                                   ": a topic key is 1-32 lowercase ASCII letters, digits, - or _ "
                                   "(e.g. indices)");
    }
    if (const auto* label = node.as_string()) {
      c.topics.emplace_back(key, label->get());
    } else {
      r.problem(line_of(node),
                "topics." + key + " must be a string (the topic's Vietnamese label)");
    }
    r.string(key);  // known
  }
  if (t.empty()) r.problem(r.line(), "[topics] is empty; leave it out to use the default topics");
}

void read_sync(ConfigReader& r, Config& c) {
  SyncConfig s;
  if (auto v = r.string("url", true)) {
    try {
      sync::parse_http_url(*v);
    } catch (const std::invalid_argument& e) {
      r.problem(r.line_of("url"), std::string("sync.url ") + e.what());
    }
    s.url = *v;
  }
  if (auto keys = r.strings("public_keys")) {
    static const std::regex b64("^[A-Za-z0-9+/]{43}=$");  // 32 bytes in base64
    for (const auto& k : *keys) {
      if (!std::regex_match(k, b64)) {
        r.problem(r.line_of("public_keys"),
                  "sync.public_keys: \"" + k +
                      "\" is not a base64 Ed25519 public key (44 characters, as written by "
                      "`loaxa keygen` into PREFIX.pub)");
      }
    }
    s.public_keys = *keys;
  }
  if (auto v = r.duration("interval")) {
    if (*v < std::chrono::seconds(5)) {
      r.problem(r.line_of("interval"), "sync.interval must be at least 5s");
    } else {
      s.interval = *v;
    }
  }
  if (auto v = r.boolean("auto_accept_normal")) s.auto_accept_normal = *v;
  if (auto v = r.boolean("wait")) s.wait = *v;
  if (auto v = r.duration("media_grace")) s.media_grace = *v;
  if (auto v = r.integer("parallel_downloads", 1, 8)) s.parallel_downloads = static_cast<int>(*v);
  if (auto v = r.string("max_rate_on_air")) {
    static const std::regex rate_re(R"(^(\d{1,7})\s*(KB|MB)/s$)");
    std::smatch m;
    if (!std::regex_match(*v, m, rate_re) || std::stoll(m[1]) == 0) {
      r.problem(r.line_of("max_rate_on_air"),
                "sync.max_rate_on_air: \"" + *v + "\" is not a rate like \"256KB/s\" or \"2MB/s\"");
    } else {
      s.max_rate_on_air = std::stoll(m[1]) << (m[2] == "MB" ? 20 : 10);
    }
  }
  if (auto v = r.string("ca_file")) {
    const auto path = config_path(c.file.parent_path(), *v);
    if (!std::filesystem::exists(path)) {
      r.problem(r.line_of("ca_file"), "sync.ca_file " + path.string() +
                                          " does not exist (a PEM file of the CA certificates "
                                          "that sign the province server's certificate)");
    }
    s.ca_file = path.string();
  }
  if (auto v = read_size(r, "disk_reserve", "sync.disk_reserve")) s.disk_reserve = *v;
  r.finish();
  c.sync = s;
}

// api.tls_cert and api.tls_key: both or neither, readable, and the key the certificate's.
void read_tls(ConfigReader& r, const Config& c, ApiConfig& a) {
  int given = 0, readable = 0;
  for (auto [key, field] : {std::pair{"tls_cert", &a.tls_cert}, std::pair{"tls_key", &a.tls_key}}) {
    if (auto v = r.string(key)) {
      ++given;
      const auto path = config_path(c.file.parent_path(), *v);
      if (!std::filesystem::is_regular_file(path)) {
        r.problem(r.line_of(key), std::string("api.") + key + ": " + path.string() +
                                      " is not a readable file (PEM)");
      } else {
        *field = path.string();
        ++readable;
      }
    }
  }
  // Said whatever else is wrong in the file: every problem at once.
  if (given == 1) {
    r.problem(r.line_of(r.string("tls_cert") ? "tls_cert" : "tls_key"),
              "api.tls_cert and api.tls_key go together: give both, or neither");
  } else if (readable == 2) {
    if (auto why = api::check_tls_pair(a.tls_cert, a.tls_key); !why.empty()) {
      r.problem(r.line_of(why.starts_with("api.tls_cert") ? "tls_cert" : "tls_key"), why);
    }
  }
}

void read_tokens(ConfigReader& r, ApiConfig& a, std::vector<ConfigProblem>& problems) {
  if (const toml::array* tokens = r.array("tokens")) {
    for (std::size_t i = 0; i < tokens->size(); ++i) {
      const toml::node& n = *tokens->get(i);
      const std::string path = "api.tokens[" + std::to_string(i) + "]";
      if (!n.is_table()) {
        r.problem(line_of(n), path + " must be a table { name, role, sha256 }");
        continue;
      }
      ConfigReader t(*n.as_table(), path, problems, r.file());
      TokenConfig tok;
      tok.name = t.string("name", true).value_or("");
      tok.role = read_role(t, path);
      tok.sha256 = t.string("sha256", true).value_or("");
      static const std::regex hex("^[0-9a-f]{64}$");
      if (!tok.sha256.empty() && !std::regex_match(tok.sha256, hex)) {
        t.problem(t.line_of("sha256"), path +
                                           ".sha256 must be 64 lowercase hex digits (the SHA-256 "
                                           "of the token: printf %s TOKEN | sha256sum)");
      }
      t.finish();
      a.tokens.push_back(tok);
    }
  }
}

void read_users(ConfigReader& r, ApiConfig& a, std::vector<ConfigProblem>& problems) {
  if (const toml::array* users = r.array("users")) {
    for (std::size_t i = 0; i < users->size(); ++i) {
      const toml::node& n = *users->get(i);
      const std::string path = "api.users[" + std::to_string(i) + "]";
      if (!n.is_table()) {
        r.problem(line_of(n), path + " must be a table { name, role, password }");
        continue;
      }
      ConfigReader u(*n.as_table(), path, problems, r.file());
      UserConfig user;
      user.name = u.string("name", true).value_or("");
      user.role = read_role(u, path);
      user.password_hash = u.string("password", true).value_or("");
      if (!user.password_hash.empty() && !user.password_hash.starts_with("$argon2")) {
        u.problem(u.line_of("password"),
                  path +
                      ".password must be a hash made with `loaxa passwd` (it starts with "
                      "$argon2id$), never the password itself");
      }
      u.finish();
      a.users.push_back(user);
    }
  }
}

void read_api(ConfigReader& r, Config& c, std::vector<ConfigProblem>& problems) {
  ApiConfig a;
  if (auto listen = r.strings("listen")) {
    static const std::regex addr(R"(^(\[[0-9a-fA-F:]+\]|[0-9.]+|localhost):([0-9]{1,5})$)");
    for (const auto& l : *listen) {
      std::smatch m;
      if (!std::regex_match(l, m, addr) || std::stoi(m[2]) == 0 || std::stoi(m[2]) > 65535) {
        r.problem(r.line_of("listen"),
                  "api.listen: \"" + l + "\" is not an address; write \"127.0.0.1:8080\"");
      }
    }
    a.listen = *listen;
  }
  read_tls(r, c, a);
  if (auto v = read_size(r, "max_upload", "api.max_upload")) a.max_upload = *v;
  read_tokens(r, a, problems);
  read_users(r, a, problems);
  r.finish();
  c.api = a;
}

// [tts]: the speech command (an argv with {out}, never a shell line), voice, timeout.
void read_tts(ConfigReader& r, Config& c) {
  if (auto v = r.strings("command")) {
    const bool has_out = std::any_of(v->begin(), v->end(), [](const std::string& a) {
      return a.find("{out}") != std::string::npos;
    });
    if (v->empty() || (*v)[0].empty() || !has_out) {
      r.problem(r.line_of("command"),
                "tts.command must be an argv array with {out} (the WAV it writes) and "
                "{text}, e.g. [\"espeak-ng\", \"-v\", \"{voice}\", \"-w\", \"{out}\", "
                "\"{text}\"] (never run through a shell)");
    } else {
      c.tts.command = *v;
    }
  }
  if (auto v = r.string("voice")) c.tts.voice = *v;
  if (auto v = r.duration("timeout")) c.tts.timeout = *v;
  r.finish();
}

}  // namespace

ConfigResult parse_config(std::string_view text, const std::filesystem::path& file) {
  ConfigResult result;
  auto parsed = parse_toml(text, file, result.problems);
  if (!parsed) return result;
  const toml::table& root = *parsed;
  Config c;
  c.file = std::filesystem::absolute(file).lexically_normal();
  auto& problems = result.problems;
  ConfigReader top(root, "", problems, file);

  if (const toml::table* box = top.table("box")) {
    ConfigReader r(*box, "box", problems, file);
    read_box(r, c);
  } else {
    problems.push_back({file, 1, "[box] is required (with at least id = \"...\")"});
  }
  if (const toml::table* channels = top.table("channels")) {
    for (const auto& [name, node] : *channels) {
      const std::string n(name.str());
      if (!node.is_table()) {
        problems.push_back({file, line_of(node), "channels." + n + " must be a table"});
        continue;
      }
      ConfigReader r(*node.as_table(), "channels." + n, problems, file);
      read_channel(r, n, c);
    }
  }
  if (const toml::table* sync = top.table("sync")) {
    ConfigReader r(*sync, "sync", problems, file);
    read_sync(r, c);
  }
  if (const toml::table* api = top.table("api")) {
    ConfigReader r(*api, "api", problems, file);
    read_api(r, c, problems);
  }
  if (const toml::table* tts = top.table("tts")) {
    ConfigReader r(*tts, "tts", problems, file);
    read_tts(r, c);
  }
  if (const toml::table* defaults = top.table("schedule_defaults")) {
    ConfigReader r(*defaults, "schedule_defaults", problems, file);
    if (auto g = r.duration("grace")) c.grace = *g;
    r.finish();
  }
  if (const toml::table* airtime = top.table("airtime")) {
    ConfigReader r(*airtime, "airtime", problems, file);
    read_airtime(r, c);
  }
  c.topics = store::default_topics();
  if (const toml::table* topics = top.table("topics")) {
    ConfigReader r(*topics, "topics", problems, file);
    read_topics(r, *topics, c);
    r.finish();
  }
  read_playlists(top, c, problems);
  read_schedules(top, c, problems);
  top.finish();

  std::stable_sort(problems.begin(), problems.end(),
                   [](const ConfigProblem& a, const ConfigProblem& b) { return a.line < b.line; });
  if (problems.empty()) {
    if (!c.api) c.api = ApiConfig{};
    result.config = std::move(c);
  }
  return result;
}

ConfigResult load_config(const std::filesystem::path& file) {
  ConfigResult r;
  auto text = read_config_file(file, r.problems);
  return text ? parse_config(*text, file) : r;
}

}  // namespace loaxa
