#include "cli/control.hpp"

#include <boost/json.hpp>
#include <iostream>
#include <map>

#include "cli/http_client.hpp"
#include "cli/table.hpp"

namespace loaxa::cli {

namespace json = boost::json;

namespace {

const std::map<std::string, std::string> kHelp = {
    {"play",
     "Usage: loaxa play --channel C (MEDIA | PLAYLIST | URL | --live)\n"
     "\n"
     "Plays at once (on the next whole second, about a second from now) on channel C,\n"
     "above every schedule: a media id, a playlist id, an http(s):// stream, or with\n"
     "--live the channel's live_source (a microphone). What it pre-empts fades out and\n"
     "resumes afterwards by the channel's resume_policy. Streams and --live play until\n"
     "`loaxa stop --channel C` (at most 4 hours). Refused in quiet hours (only\n"
     "emergencies air then). Logged as source manual (or live).\n"},
    {"stop",
     "Usage: loaxa stop --channel C\n"
     "\n"
     "Fades out whatever plays on channel C now (logged `stopped`) and forgets blocks\n"
     "started there by hand. Scheduled blocks later in the day still air.\n"},
    {"emergency start",
     "Usage: loaxa emergency start [--channel C]... (MEDIA | URL | --live) [--repeat N]\n"
     "                             [--text T]\n"
     "\n"
     "Plays an emergency bulletin above everything, quiet hours too, on the named\n"
     "channels (every loudspeaker channel when none is named), N times (default 1).\n"
     "--text is the notice kiosks show. Runs until done or `loaxa emergency stop`.\n"
     "Recorded in the audit trail with who started it.\n"},
    {"emergency stop",
     "Usage: loaxa emergency stop\n"
     "\n"
     "Stops the emergencies started on this box (fade out, logged `stopped`). An\n"
     "emergency published by the province runs until the province withdraws it.\n"},
    {"token create",
     "Usage: loaxa token create --name N --role admin|operator|viewer\n"
     "\n"
     "Makes an API token and prints it once: only its SHA-256 is kept, in the box's\n"
     "database. admin > operator (plays, schedules, emergencies) > viewer (reads status,\n"
     "airtime and reports: give this to district staff). Needs an admin token, or none\n"
     "on a box that has no token yet.\n"},
    {"token list",
     "Usage: loaxa token list [--format table|json]\n"
     "\n"
     "The tokens in the database: name, role, when and by whom made. Never the tokens.\n"},
    {"token revoke",
     "Usage: loaxa token revoke NAME\n"
     "\n"
     "Deletes token NAME: requests with it are refused from now on.\n"},
    {"audit",
     "Usage: loaxa audit [--limit N] [--format table|json]\n"
     "\n"
     "Who did what (emergencies, manual play and stop, token changes), newest first.\n"
     "Needs an admin token.\n"},
};

std::string str(const json::value& v) {
  return cell(v);
}

// MEDIA | PLAYLIST | URL as one positional word, or --live.
json::object content_body(const Args& a) {
  json::object body;
  const bool live = a.options.count("live") > 0;
  if (live == (a.positional.size() == 1) || a.positional.size() > 1) {
    throw BadInput("loaxa " + a.verb + " needs one MEDIA, PLAYLIST or URL, or --live");
  }
  if (live) {
    body["live"] = true;
  } else {
    body["content"] = a.positional[0];
  }
  return body;
}

int print_started(const HttpResult& r, const char* what) {
  const auto v = json::parse(r.body);
  std::cout << what << " " << str(v.at("start")) << " (" << str(v.at("kind")) << "):";
  for (const auto& id : v.at("schedules").as_array()) std::cout << " " << str(id);
  std::cout << "\n";
  return 0;
}

}  // namespace

const std::map<std::string, std::string>& control_help() {
  return kHelp;
}

bool is_control_verb(const std::string& verb) {
  return kHelp.count(verb) > 0;
}

namespace {

// loaxa play
int play_now(const Args& a, const Endpoint& ep) {
  allow_options(a, {"channel", "live"});
  const std::string channel = option(a, "channel");
  if (channel.empty()) throw BadInput("loaxa play needs --channel C (see loaxa status)");
  const auto r = http_post(ep.url, "/api/v1/channels/" + url_escape(channel) + "/play", ep.token,
                           json::serialize(content_body(a)));
  if (r.status >= 400) return report_failure(r);
  return print_started(r, "Phát lúc / plays at");
}

// loaxa stop
int stop_now(const Args& a, const Endpoint& ep) {
  only_options(a, {"channel"});
  const std::string channel = option(a, "channel");
  if (channel.empty()) throw BadInput("loaxa stop needs --channel C");
  const auto r =
      http_post(ep.url, "/api/v1/channels/" + url_escape(channel) + "/stop", ep.token, "{}");
  if (r.status >= 400) return report_failure(r);
  std::cout << "Đã dừng / stopped: " << channel << "\n";
  return 0;
}

// loaxa emergency start
int start_emergency(const Args& a, const Endpoint& ep) {
  // --channel may repeat (the parser joins the values with commas).
  allow_options(a, {"channel", "live", "repeat", "text"});
  json::object body = content_body(a);
  if (a.options.count("channel")) {
    json::array channels;
    std::string list = a.options.at("channel");
    for (std::size_t at = 0; at <= list.size();) {
      const auto comma = std::min(list.find(',', at), list.size());
      if (comma > at) channels.push_back(json::string(list.substr(at, comma - at)));
      at = comma + 1;
    }
    body["channels"] = channels;
  }
  if (a.options.count("repeat")) {
    try {
      body["repeat"] = std::stoi(a.options.at("repeat"));
    } catch (const std::exception&) {
      throw BadInput("--repeat needs a number, e.g. --repeat 3");
    }
  }
  if (a.options.count("text")) body["text"] = a.options.at("text");
  const auto r = http_post(ep.url, "/api/v1/emergency", ep.token, json::serialize(body));
  if (r.status >= 400) return report_failure(r);
  return print_started(r, "KHẨN CẤP / EMERGENCY at");
}

// loaxa emergency stop
int stop_emergency(const Args& a, const Endpoint& ep) {
  only_options(a, {});
  const auto r = http_delete(ep.url, "/api/v1/emergency", ep.token);
  if (r.status >= 400) return report_failure(r);
  std::cout << "Đã dừng khẩn cấp / emergency stopped\n";
  return 0;
}

// loaxa token create
int create_token(const Args& a, const Endpoint& ep) {
  allow_options(a, {"name", "role"});
  if (!a.positional.empty()) throw BadInput("loaxa token create takes --name and --role only");
  const std::string name = option(a, "name"), role = option(a, "role");
  if (name.empty() || role.empty()) {
    throw BadInput("loaxa token create needs --name N --role admin|operator|viewer");
  }
  json::object body{{"name", name}, {"role", role}};
  const auto r = http_post(ep.url, "/api/v1/tokens", ep.token, json::serialize(body));
  if (r.status >= 400) return report_failure(r);
  const auto v = json::parse(r.body);
  std::cerr << "token " << name << " (" << role
            << ") made; it is shown only this once, keep it safe:\n";
  std::cout << str(v.at("token")) << "\n";
  return 0;
}

// loaxa token revoke
int revoke_token(const Args& a, const Endpoint& ep) {
  allow_options(a, {});
  if (a.positional.size() != 1) throw BadInput("loaxa token revoke needs one NAME");
  const auto r = http_delete(ep.url, "/api/v1/tokens/" + url_escape(a.positional[0]), ep.token);
  if (r.status >= 400) return report_failure(r);
  std::cout << "Đã thu hồi / revoked: " << a.positional[0] << "\n";
  return 0;
}

// loaxa token list, loaxa audit: tables
int list_tokens_or_audit(const Args& a, const Endpoint& ep) {
  const bool audit = a.verb == "audit";
  if (audit) {
    only_options(a, {"limit", "format"});
  } else {
    only_options(a, {"format"});
  }
  const std::string format = option(a, "format", "table");
  if (format != "table" && format != "json") throw BadInput("--format must be table or json");
  const std::string target =
      audit ? "/api/v1/audit?limit=" + url_escape(option(a, "limit", "100")) : "/api/v1/tokens";
  const auto r = http_get(ep.url, target, ep.token);
  if (r.status >= 400) return report_failure(r);
  if (format == "json") {
    std::cout << r.body;
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  const json::value parsed = json::parse(r.body);
  for (const auto& e : parsed.as_array()) {
    const auto& o = e.as_object();
    if (audit) {
      rows.push_back({str(o.at("at")), str(o.at("who")), str(o.at("remote")), str(o.at("action")),
                      str(o.at("detail"))});
    } else {
      rows.push_back(
          {str(o.at("name")), str(o.at("role")), str(o.at("created_at")), str(o.at("created_by"))});
    }
  }
  if (audit) {
    std::cout << render_table({"LÚC/AT", "AI/WHO", "TỪ/FROM", "VIỆC/ACTION", "CHI TIẾT/DETAIL"},
                              rows);
  } else {
    std::cout << render_table({"TÊN/NAME", "VAI TRÒ/ROLE", "TẠO LÚC/CREATED", "BỞI/BY"}, rows);
  }
  return 0;
}

}  // namespace

int cmd_control(const Args& a, const Endpoint& ep) {
  using Verb = int (*)(const Args& a, const Endpoint& ep);
  static const std::map<std::string, Verb> kVerbs = {
      {"play", play_now},
      {"stop", stop_now},
      {"emergency start", start_emergency},
      {"emergency stop", stop_emergency},
      {"token create", create_token},
      {"token revoke", revoke_token},
  };
  if (auto it = kVerbs.find(a.verb); it != kVerbs.end()) return it->second(a, ep);
  return list_tokens_or_audit(a, ep);
}

}  // namespace loaxa::cli
