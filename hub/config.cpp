#include "hub/config.hpp"

#include <regex>

#include "common/config_path.hpp"
#include "common/id.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::hub {

namespace {

void read_hub(ConfigReader& r, HubConfig& c) {
  if (auto v = r.string("id", true)) {
    if (!valid_id(*v)) r.problem(r.line_of("id"), "hub.id \"" + *v + "\": " + kIdRule);
    c.id = *v;
  }
  if (auto v = r.string("name")) c.name = *v;
  if (auto v = r.string("timezone")) {
    try {
      scheduler::Zone zone(*v);
      c.timezone = *v;
    } catch (const std::invalid_argument& e) {
      r.problem(r.line_of("timezone"), std::string("hub.timezone: ") + e.what());
    }
  }
  r.finish();
}

void read_tokens(ConfigReader& r, HubConfig& c) {
  const toml::array* tokens = r.array("tokens");
  if (!tokens) return;
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    const toml::node& n = *tokens->get(i);
    const std::string path = "api.tokens[" + std::to_string(i) + "]";
    if (!n.is_table()) {
      r.problem(line_of(n), path + " must be a table { name, role, sha256 [, district] }");
      continue;
    }
    ConfigReader t(*n.as_table(), path, r.problems(), r.file());
    HubToken tok;
    tok.name = t.string("name", true).value_or("");
    if (auto role = t.string("role", true)) {
      try {
        tok.role = parse_hub_role(*role);
      } catch (const std::invalid_argument& e) {
        t.problem(t.line_of("role"), path + ".role: " + e.what());
      }
    }
    tok.district = t.string("district").value_or("");
    if (tok.role == HubRole::district && tok.district.empty()) {
      t.problem(t.line(), path + " has role \"district\" but no district = \"ID\"");
    }
    if (tok.role != HubRole::district && !tok.district.empty()) {
      t.problem(t.line_of("district"), path + ".district is only for role \"district\"");
    }
    tok.sha256 = t.string("sha256", true).value_or("");
    static const std::regex hex("^[0-9a-f]{64}$");
    if (!tok.sha256.empty() && !std::regex_match(tok.sha256, hex)) {
      t.problem(t.line_of("sha256"), path +
                                         ".sha256 must be 64 lowercase hex digits (the SHA-256 of "
                                         "the token: printf %s TOKEN | sha256sum)");
    }
    t.finish();
    c.tokens.push_back(std::move(tok));
  }
}

void read_api(ConfigReader& r, HubConfig& c) {
  if (auto v = r.strings("listen")) {
    if (v->empty()) r.problem(r.line_of("listen"), "api.listen needs at least one \"host:port\"");
    c.listen = *v;
  }
  read_tokens(r, c);
  const auto base = c.file.parent_path();
  if (auto v = r.string("tls_cert")) c.tls_cert = config_path(base, *v).string();
  if (auto v = r.string("tls_key")) c.tls_key = config_path(base, *v).string();
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    r.problem(r.line(), "api.tls_cert and api.tls_key go together: give both or neither");
  }
  r.finish();
}

void read_alerts(ConfigReader& r, HubConfig& c) {
  if (auto v = r.duration("status_interval")) {
    if (*v < std::chrono::seconds(1)) {
      r.problem(r.line_of("status_interval"), "alerts.status_interval must be at least \"1s\"");
    } else {
      c.status_interval = *v;
      c.offline_after = *v * 3;
    }
  }
  if (auto v = r.duration("offline_after")) c.offline_after = *v;
  if (auto v = r.integer("disk_min_mb", 0, 1'000'000)) c.disk_min_bytes = *v * 1024 * 1024;
  if (auto v = r.duration("push_silence")) c.push_silence = *v;
  if (auto v = r.strings("command")) {
    if (!v->empty() && !std::filesystem::path((*v)[0]).is_absolute()) {
      r.problem(r.line_of("command"),
                "alerts.command[0] must be an absolute path (e.g. [\"/usr/local/bin/notify\"]); "
                "it is run as given, with no shell");
    }
    c.alert_command = *v;
  }
  r.finish();
}

}  // namespace

HubRole parse_hub_role(std::string_view text) {
  if (text == "admin") return HubRole::admin;
  if (text == "district") return HubRole::district;
  if (text == "viewer") return HubRole::viewer;
  throw std::invalid_argument("the role must be admin, district or viewer, not \"" +
                              std::string(text) + "\"");
}

const char* to_string(HubRole role) {
  switch (role) {
    case HubRole::admin:
      return "admin";
    case HubRole::district:
      return "district";
    case HubRole::viewer:
      break;
  }
  return "viewer";
}

HubConfigResult parse_hub_config(std::string_view text, const std::filesystem::path& file) {
  HubConfigResult result;
  auto parsed = parse_toml(text, file, result.problems);
  if (!parsed) return result;
  const toml::table& root = *parsed;
  HubConfig c;
  c.file = std::filesystem::absolute(file).lexically_normal();
  auto& problems = result.problems;
  ConfigReader top(root, "", problems, file);
  if (const toml::table* t = top.table("hub")) {
    ConfigReader r(*t, "hub", problems, file);
    read_hub(r, c);
  } else {
    problems.push_back({file, 1, "[hub] is required (with at least id = \"...\")"});
  }
  if (const toml::table* t = top.table("database")) {
    ConfigReader r(*t, "database", problems, file);
    if (auto v = r.string("url", true)) c.database = *v;
    r.finish();
  }
  if (const toml::table* t = top.table("api")) {
    ConfigReader r(*t, "api", problems, file);
    read_api(r, c);
  }
  if (const toml::table* t = top.table("alerts")) {
    ConfigReader r(*t, "alerts", problems, file);
    read_alerts(r, c);
  }
  if (const toml::table* t = top.table("publish")) {
    ConfigReader r(*t, "publish", problems, file);
    if (auto v = r.string("dir", true)) {
      c.publish_dir = config_path(c.file.parent_path(), *v);
      std::error_code ec;
      if (!std::filesystem::is_directory(c.publish_dir, ec)) {
        r.problem(r.line_of("dir"), "publish.dir: " + c.publish_dir.string() +
                                        " is not a folder; make it with `loaxa publish SRC --out "
                                        "DIR --key KEY` first");
      }
    }
    if (auto v = r.string("key")) {
      c.publish_key = config_path(c.file.parent_path(), *v);
      namespace fs = std::filesystem;
      std::error_code ec;
      const auto perms = fs::status(c.publish_key, ec).permissions();
      if (ec || !fs::is_regular_file(c.publish_key, ec)) {
        r.problem(r.line_of("key"), "publish.key: " + c.publish_key.string() +
                                        " cannot be read; make the province's key with `loaxa "
                                        "keygen --out DIR/province`");
      } else if ((perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
        r.problem(r.line_of("key"), "publish.key: " + c.publish_key.string() +
                                        " may be read by others; the province's signing key "
                                        "must be the hub's alone: chmod 600 it");
      }
      if (c.publish_dir.empty()) {
        r.problem(r.line_of("key"), "publish.key needs publish.dir (the folder it signs)");
      }
    }
    r.finish();
  }
  top.finish();
  if (problems.empty()) result.config = std::move(c);
  return result;
}

HubConfigResult load_hub_config(const std::filesystem::path& file) {
  HubConfigResult r;
  auto text = read_config_file(file, r.problems);
  return text ? parse_hub_config(*text, file) : r;
}

}  // namespace loaxa::hub
