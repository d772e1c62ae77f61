#include "daemon/api/routes.hpp"

#include <sys/statvfs.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "airtime/export.hpp"
#include "common/sha256.hpp"
#include "daemon/playout/clock.hpp"
#include "daemon/playout/metrics.hpp"
#include "daemon/web_assets.hpp"
#include "store/report.hpp"

namespace loaxa {
namespace {

using api::error_response;
using api::object_body;
using api::Request;
using api::Response;
using api::Role;
using scheduler::Instant;

std::optional<std::int64_t> query_ms(const Request& r, const std::string& key,
                                     const scheduler::Zone& zone) {
  auto it = r.query.find(key);
  if (it == r.query.end() || it->second.empty()) return std::nullopt;
  const Instant t = scheduler::parse_iso_instant(it->second, zone);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Streams rows from a reader connection: constant memory whatever the row count.
// Only [A-Za-z0-9._-] survive into a download's file name.
std::string safe_filename(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  }
  return name;
}

store::ReportHeader report_header(Controller& controller) {
  const auto& box = controller.config().box;
  const Instant now{std::chrono::system_clock::now().time_since_epoch()};
  return store::ReportHeader{box.id, box.name, box.timezone,
                             controller.zone().format_iso(now, false)};
}

Response airtime_rows(const Request& r, Controller& controller, store::Store& store) {
  store::AirtimeFilter f;
  try {
    f.from_ms = query_ms(r, "from", controller.zone());
    f.to_ms = query_ms(r, "to", controller.zone());
  } catch (const std::invalid_argument& e) {
    return error_response(400, "bad_time", std::string("from/to: ") + e.what());
  }
  auto take = [&](const char* key, std::optional<std::string>& into) {
    if (auto it = r.query.find(key); it != r.query.end() && !it->second.empty()) into = it->second;
  };
  take("channel", f.channel);
  take("topic", f.topic);
  if (auto it = r.query.find("status"); it != r.query.end() && !it->second.empty()) {
    f.status = airtime::row_status.parse(it->second);
    if (!f.status) {
      return error_response(
          400, "bad_status",
          "status \"" + it->second + "\" is not a row status: use " + airtime::row_status.one_of());
    }
  }
  const std::string format = r.query.count("format") ? r.query.at("format") : "json";
  if (format != "csv" && format != "ndjson" && format != "json") {
    return error_response(400, "bad_format",
                          "format must be json, csv or ndjson, not \"" + format + "\"");
  }
  struct Export {
    store::sqlite::Database db;
    store::AirtimeLog::Cursor cursor;
    store::AirtimeRow row;
    bool first = true;
    Export(store::sqlite::Database d, const store::AirtimeFilter& f)
        : db(std::move(d)), cursor(db, f) {}
  };
  auto state = std::make_shared<Export>(store.open_reader(), f);
  Response resp;
  if (format == "csv") {
    resp.content_type = "text/csv; charset=utf-8";
    resp.body = store::airtime_csv_header();
    if (r.query.count("excel")) resp.body = "\xEF\xBB\xBF" + resp.body;
  } else if (format == "ndjson") {
    resp.content_type = "application/x-ndjson";
  } else {
    resp.body = "[";
  }
  resp.stream = [state, format](std::string& out) {
    for (int i = 0; i < 256; ++i) {
      if (!state->cursor.next(state->row)) {
        if (format == "json") {
          out += state->first ? "]\n" : "\n]\n";
          state->first = false;
        }
        return false;
      }
      if (format == "csv") {
        store::append_csv(out, state->row);
      } else if (format == "ndjson") {
        out += boost::json::serialize(store::to_json(state->row));
        out += '\n';
      } else {
        out += state->first ? "\n" : ",\n";
        state->first = false;
        out += boost::json::serialize(store::to_json(state->row));
      }
    }
    return true;
  };
  return resp;
}

Response report(const Request& r, Controller& controller, store::Store& store) {
  const auto q = [&](const char* key, const char* fallback) {
    auto it = r.query.find(key);
    return it == r.query.end() || it->second.empty() ? std::string(fallback) : it->second;
  };
  const std::string period_text = q("period", "");
  if (period_text.empty()) {
    return error_response(400, "bad_period",
                          "period is required: 2022, 2022-H1, 2022-Q3, 2022-07 or "
                          "2022-07-01..2022-09-30");
  }
  store::Period period;
  store::ReportBy by{};
  try {
    period = store::parse_period(period_text, controller.zone());
    by = store::parse_report_by(q("by", "topic"));
  } catch (const std::invalid_argument& e) {
    return error_response(400, "bad_report", e.what());
  }
  const std::string format = q("format", "json");
  if (format != "json" && format != "csv" && format != "xlsx") {
    return error_response(400, "bad_format",
                          "format must be json, csv or xlsx, not \"" + format + "\"");
  }
  auto db = store.open_reader();
  store::Report rep =
      store::build_report(db, period, by, controller.zone(), controller.config().topics);
  rep.header = report_header(controller);
  const std::string name =
      "bao-cao-" + controller.config().box.id + "-" + period_text + "-" + store::to_string(by);
  if (format == "json") return api::json_response(store::report_json(rep));
  if (format == "csv") {
    Response resp(200, "text/csv; charset=utf-8",
                  store::report_csv(rep, r.query.count("excel") > 0));
    resp.content_disposition = "attachment; filename=\"" + safe_filename(name) + ".csv\"";
    return resp;
  }
  // libxlsxwriter writes files: one under state_dir/tmp, read back and removed.
  const auto dir = controller.config().box.state_dir / "tmp";
  std::filesystem::create_directories(dir);
  const auto file = dir / (uuid_v7() + ".xlsx");
  std::string bytes;
  try {
    store::report_xlsx(rep, file.string());
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return error_response(500, "xlsx_failed", e.what());
  }
  std::error_code ec;
  std::filesystem::remove(file, ec);
  Response resp(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                std::move(bytes));
  resp.content_disposition = "attachment; filename=\"" + safe_filename(name) + ".xlsx\"";
  return resp;
}

Response preview(const Request& r, Controller& controller) {
  const auto& zone = controller.zone();
  const Instant now{std::chrono::system_clock::now().time_since_epoch()};
  Instant from = now, to = now + std::chrono::hours(24);
  try {
    if (r.query.count("from")) from = scheduler::parse_iso_instant(r.query.at("from"), zone);
    if (r.query.count("to")) to = scheduler::parse_iso_instant(r.query.at("to"), zone);
  } catch (const std::invalid_argument& e) {
    return error_response(400, "bad_time", std::string("from/to: ") + e.what());
  }
  if (to <= from) return error_response(400, "bad_range", "to must be after from");
  if (to - from > std::chrono::hours(24 * 366)) {
    return error_response(400, "bad_range", "a preview spans at most 366 days");
  }
  const std::string channel = r.query.count("channel") ? r.query.at("channel") : "";
  boost::json::array out;
  const auto timeline = controller.preview(from, to);
  for (const auto& e : timeline.entries) {
    const auto& rule = timeline.rule_of(e);
    if (!channel.empty() && rule.channel != channel) continue;
    out.push_back({{"channel", rule.channel},
                   {"start", zone.format_iso(e.start, false)},
                   {"end", zone.format_iso(e.end, false)},
                   {"schedule_id", rule.id},
                   {"content", rule.content},
                   {"priority", rule.emergency ? 1000 : rule.priority},
                   {"status", scheduler::to_string(e.status)},
                   {"reason", timeline.reason(e, zone)},
                   {"planned_start", zone.format_iso(e.planned_start, false)},
                   {"offset_s", static_cast<double>(e.offset.count()) / 1000.0}});
  }
  return api::json_response(boost::json::serialize(out) + "\n");
}

}  // namespace

bool credentials_configured(Controller& controller, store::Store& store) {
  const auto& api = controller.config().api;
  return (api && (!api->tokens.empty() || !api->users.empty())) || store.access().any_token();
}

namespace {

std::optional<api::Principal> authenticate(Controller& controller, store::Store& store,
                                           const std::string& token) {
  auto principal = [](const std::string& name, const std::string& role) {
    api::Principal p;
    p.name = name;
    p.role = static_cast<Role>(store::role_rank(role));
    return p;
  };
  if (token.empty()) {
    // A box with no credentials at all listens on loopback only (App refuses anything
    // else): whoever is on the box is its administrator.
    if (credentials_configured(controller, store)) return std::nullopt;
    return principal("local", "admin");
  }
  const std::string hash = sha256_hex(token);
  if (const auto& api = controller.config().api) {
    for (const auto& t : api->tokens) {
      if (t.sha256 == hash) return principal(t.name, t.role);
    }
  }
  if (auto t = store.access().find(hash, unix_ms(std::chrono::system_clock::now()))) {
    return principal(t->name, t->role);
  }
  return std::nullopt;
}

void add_access_routes(api::HttpServer& server, store::Store& store) {
  server.route("GET", "/api/v1/tokens", Role::admin, [&store](const Request&) {
    boost::json::array out;
    for (const auto& t : store.access().tokens()) {
      boost::json::object o{{"name", t.name},
                            {"role", t.role},
                            {"created_at", t.created_at},
                            {"created_by", t.created_by}};
      if (t.expires_ms) o["expires_ms"] = *t.expires_ms;
      out.push_back(std::move(o));
    }
    return api::json_response(boost::json::serialize(out) + "\n");
  });
  server.route("POST", "/api/v1/tokens", Role::admin, [&store](const Request& r) {
    Response error;
    const auto body = object_body(r, error, "{\"name\": \"huyen\", \"role\": \"viewer\"}");
    if (!body) return error;
    const auto* name = body->if_contains("name");
    const auto* role = body->if_contains("role");
    if (!name || !name->is_string() || !role || !role->is_string()) {
      return error_response(400, "bad_body", "body.name and body.role (strings) are required");
    }
    try {
      const std::string token = store.access().create_token(std::string(name->as_string()),
                                                            std::string(role->as_string()), r.who);
      store.access().audit(
          r.who, r.remote, "token.create",
          std::string(name->as_string()) + " (" + std::string(role->as_string()) + ")");
      boost::json::object out{
          {"name", name->as_string()}, {"role", role->as_string()}, {"token", token}};
      return api::json_response(boost::json::serialize(out) + "\n", 201);
    } catch (const std::invalid_argument& e) {
      return error_response(400, "bad_input", e.what());
    }
  });
  server.route("DELETE", "/api/v1/tokens/{name}", Role::admin, [&store](const Request& r) {
    const std::string& name = r.params.at("name");
    if (!store.access().revoke_token(name)) {
      return error_response(404, "not_found", "no token named \"" + name + "\"");
    }
    store.access().audit(r.who, r.remote, "token.revoke", name);
    return Response{204, "application/json; charset=utf-8", ""};
  });
  server.route("GET", "/api/v1/audit", Role::admin, [&store](const Request& r) {
    int limit = 500;
    if (auto it = r.query.find("limit"); it != r.query.end()) {
      try {
        limit = std::clamp(std::stoi(it->second), 1, 100000);
      } catch (const std::exception&) {
        return error_response(400, "bad_query", "limit: give a number such as 100");
      }
    }
    boost::json::array out;
    for (const auto& a : store.access().audit_log(limit)) {
      out.push_back(boost::json::object{{"id", a.id},
                                        {"at", a.at},
                                        {"who", a.who},
                                        {"remote", a.remote},
                                        {"action", a.action},
                                        {"detail", a.detail}});
    }
    return api::json_response(boost::json::serialize(out) + "\n");
  });
}

// Reads body.content ("media id", "playlist id", "http://...", or body.live = true).
std::optional<std::string> content_of(const boost::json::object& body, Response& error) {
  const auto* live = body.if_contains("live");
  if (live && live->is_bool() && live->as_bool()) return std::string("live");
  const auto* content = body.if_contains("content");
  if (!content || !content->is_string() || content->as_string().empty()) {
    error = error_response(400, "bad_body",
                           "body.content: give a media id, a playlist id or an http(s):// URL "
                           "(or \"live\": true for the channel's live input)");
    return std::nullopt;
  }
  return std::string(content->as_string());
}

Response started(const Controller::ManualStart& m) {
  boost::json::array ids;
  for (const auto& id : m.ids) ids.push_back(boost::json::string(id));
  boost::json::object out{{"schedules", ids}, {"start", m.start}, {"kind", m.kind}};
  return api::json_response(boost::json::serialize(out) + "\n", 201);
}

void add_playout_routes(api::HttpServer& server, Controller& controller, store::Store& store) {
  server.route("POST", "/api/v1/channels/{c}/play", Role::operator_,
               [&controller, &store](const Request& r) {
                 Response error;
                 const auto body =
                     object_body(r, error, "{\"content\": \"ban-tin-sang\"} or {\"live\": true}");
                 if (!body) return error;
                 const auto content = content_of(*body, error);
                 if (!content) return error;
                 try {
                   const auto m =
                       controller.start_manual({r.params.at("c")}, *content, false, 1, "", r.who);
                   store.access().audit(r.who, r.remote, "play",
                                        r.params.at("c") + ": " + *content + " at " + m.start);
                   return started(m);
                 } catch (const std::exception& e) {
                   return error_answer(e);
                 }
               });
  server.route("POST", "/api/v1/channels/{c}/stop", Role::operator_,
               [&controller, &store](const Request& r) {
                 try {
                   const int n = controller.stop_manual(r.params.at("c"), false);
                   store.access().audit(r.who, r.remote, "stop", r.params.at("c"));
                   boost::json::object out{{"channel", r.params.at("c")}, {"stopped", n}};
                   return api::json_response(boost::json::serialize(out) + "\n");
                 } catch (const std::exception& e) {
                   return error_answer(e);
                 }
               });
  server.route(
      "POST", "/api/v1/emergency", Role::operator_, [&controller, &store](const Request& r) {
        Response error;
        const auto body = object_body(
            r, error,
            "{\"content\": \"canh-bao-bao\", \"channels\": [\"loudspeaker\"], \"repeat\": 3, "
            "\"text\": \"...\"}");
        if (!body) return error;
        const auto content = content_of(*body, error);
        if (!content) return error;
        std::vector<std::string> channels;
        if (const auto* c = body->if_contains("channels")) {
          if (!c->is_array())
            return error_response(400, "bad_body", "body.channels: a list of names");
          for (const auto& v : c->as_array()) {
            if (!v.is_string()) {
              return error_response(400, "bad_body", "body.channels: a list of names");
            }
            channels.emplace_back(v.as_string());
          }
        }
        int repeat = 1;
        if (const auto* v = body->if_contains("repeat")) {
          if (!v->is_int64()) return error_response(400, "bad_body", "body.repeat: a whole number");
          repeat = static_cast<int>(std::clamp<std::int64_t>(v->as_int64(), -1, 1000));
        }
        std::string text;
        if (const auto* v = body->if_contains("text")) {
          if (!v->is_string()) return error_response(400, "bad_body", "body.text: a string");
          text = std::string(v->as_string());
        }
        try {
          const auto m = controller.start_manual(channels, *content, true, repeat, text, r.who);
          store.access().audit(r.who, r.remote, "emergency.start",
                               *content + " at " + m.start + (text.empty() ? "" : ": " + text));
          return started(m);
        } catch (const std::exception& e) {
          return error_answer(e);
        }
      });
  server.route(
      "DELETE", "/api/v1/emergency", Role::operator_, [&controller, &store](const Request& r) {
        const int n = controller.stop_manual("", true);
        store.access().audit(r.who, r.remote, "emergency.stop", std::to_string(n) + " stopped");
        boost::json::object out{{"stopped", n}};
        return api::json_response(boost::json::serialize(out) + "\n");
      });
  // The line kiosk screens scroll: {text, until?, channel?}; DELETE removes it.
  server.route("POST", "/api/v1/ticker", Role::operator_, [&controller, &store](const Request& r) {
    Response error;
    const auto body =
        object_body(r, error,
                    "{\"text\": \"Tiếp nhận hồ sơ trực tuyến tại dichvucong.gov.vn\", \"until\": "
                    "\"2022-07-01T17:00:00+07:00\", \"channel\": \"kiosk\"}");
    if (!body) return error;
    std::string fields[2];  // text, channel
    const char* names[2] = {"text", "channel"};
    for (int i = 0; i < 2; ++i) {
      if (const auto* v = body->if_contains(names[i])) {
        if (!v->is_string()) {
          return error_response(400, "bad_body", std::string("body.") + names[i] + ": a string");
        }
        fields[i] = std::string(v->as_string());
      }
    }
    if (fields[0].empty()) {
      return error_response(400, "bad_body",
                            "body.text: the words to scroll (DELETE /api/v1/ticker removes it)");
    }
    std::optional<scheduler::Instant> until;
    std::string until_text;
    if (const auto* v = body->if_contains("until")) {
      try {
        if (!v->is_string()) throw std::invalid_argument("");
        until_text = std::string(v->as_string());
        until = scheduler::parse_iso_instant(until_text, controller.zone());
      } catch (const std::exception&) {
        return error_response(400, "bad_body",
                              "body.until: an ISO-8601 time such as "
                              "\"2022-07-01T17:00:00+07:00\"");
      }
    }
    try {
      controller.set_ticker(fields[1], fields[0], until, r.who);
    } catch (const std::exception& e) {
      return error_answer(e);
    }
    store.access().audit(r.who, r.remote, "ticker.set",
                         fields[0] + (until_text.empty() ? "" : " until " + until_text));
    boost::json::object out{{"text", fields[0]}, {"channel", fields[1]}, {"until", until_text}};
    return api::json_response(boost::json::serialize(out) + "\n");
  });
  server.route("DELETE", "/api/v1/ticker", Role::operator_,
               [&controller, &store](const Request& r) {
                 controller.set_ticker("", "", std::nullopt, r.who);
                 store.access().audit(r.who, r.remote, "ticker.remove", "");
                 return api::json_response("{\"text\":\"\"}\n");
               });
}

}  // namespace

void add_routes(api::HttpServer& server, Controller& controller, store::Store& store,
                ProvinceSync* sync, OffLoop off_loop) {
  server.set_authenticator([&controller, &store](const std::string& token) {
    return authenticate(controller, store, token);
  });
  add_access_routes(server, store);
  // Name and password (the web UI on a phone) for a session token of 12 hours. Argon2id
  // takes ~0.1 s and 64 MiB: it runs on the worker thread, never on the event loop that
  // drives playout; at most kMaxLoginsInFlight wait for it, more are told to retry.
  server.route(
      "POST", "/api/v1/login", Role::none,
      [&server, &controller, &store, off_loop](const Request& r) {
        if (auto locked = server.locked_out(r.remote)) return std::move(*locked);
        Response error;
        const auto body = object_body(r, error, R"({"name": "van-hoa-xa", "password": "..."})");
        if (!body) return error;
        const auto* name = body->if_contains("name");
        const auto* password = body->if_contains("password");
        if (!name || !name->is_string() || !password || !password->is_string()) {
          return error_response(400, "bad_body",
                                "body.name and body.password (strings) are required");
        }
        constexpr int kMaxLoginsInFlight = 8;
        static int in_flight = 0;  // touched on the event loop only
        if (in_flight >= kMaxLoginsInFlight) {
          Response busy = error_response(429, "busy", "too many logins at once; try again");
          busy.retry_after_s = 1;
          return busy;
        }
        const std::string who(name->as_string());
        std::optional<UserConfig> user;
        if (const auto& api = controller.config().api) {
          for (const auto& u : api->users) {
            if (u.name == who) user = u;
          }
        }
        Response later;
        later.later = [&server, &store, off_loop, who, user, remote = r.remote,
                       pass = std::string(password->as_string())](auto answer) {
          ++in_flight;
          boost::asio::post(off_loop.pool, [&server, &store, off_loop, who, user, remote, pass,
                                            answer = std::move(answer)]() mutable {
            // The hash is checked even for an unknown name, so timing does not tell
            // names apart.
            static const std::string kDummy = store::hash_password("loaxa-dummy-password");
            const bool ok = store::verify_password(user ? user->password_hash : kDummy, pass) &&
                            user.has_value();
            boost::asio::post(
                off_loop.io, [&server, &store, who, user, remote, ok, answer = std::move(answer)] {
                  --in_flight;
                  if (!ok) {
                    server.note_failure(remote);
                    return answer(
                        error_response(401, "unauthorized", "the name or the password is wrong"));
                  }
                  try {
                    const auto now = unix_ms(std::chrono::system_clock::now());
                    store.access().drop_expired(now);
                    const std::string token =
                        store.access().create_token("phien-" + who + "-" + std::to_string(now),
                                                    user->role, who, now + 12 * 3600 * 1000);
                    store.access().audit(who, remote, "login", user->role);
                    boost::json::object out{{"token", token},
                                            {"name", who},
                                            {"role", user->role},
                                            {"expires_ms", now + 12 * 3600 * 1000}};
                    answer(api::json_response(boost::json::serialize(out) + "\n", 201));
                  } catch (const std::exception& e) {
                    answer(error_answer(e));
                  }
                });
          });
        };
        return later;
      });
  server.route("GET", "/api/v1/whoami", Role::viewer, [](const Request& r) {
    boost::json::object out{{"name", r.who}, {"role", api::role_name(r.role)}};
    return api::json_response(boost::json::serialize(out) + "\n");
  });
  add_playout_routes(server, controller, store);
  add_library_routes(server, controller, store);
  // The web UI: its pages load without a token and ask for one before showing data.
  server.set_static([](const Request& r) {
    const std::string path = r.path == "/" ? "/index.html" : r.path;
    const auto bytes = web_asset(path);
    if (!bytes) return error_response(404, "not_found", "no such page: " + r.path);
    std::string type = "application/octet-stream";
    if (path.ends_with(".html")) type = "text/html; charset=utf-8";
    if (path.ends_with(".js")) type = "text/javascript; charset=utf-8";
    if (path.ends_with(".css")) type = "text/css; charset=utf-8";
    if (path.ends_with(".svg")) type = "image/svg+xml";
    return Response{200, type, std::string(*bytes)};
  });
  server.route("GET", "/healthz", Role::none, [](const Request&) {
    return Response{200, "text/plain; charset=utf-8", "ok\n"};
  });
  // Ready: the database answers and every channel's output runs.
  server.route("GET", "/readyz", Role::none, [&controller, &store](const Request&) {
    std::string why;
    try {
      (void)store.meta("box_id");
    } catch (const std::exception& e) {
      why += std::string("database: ") + e.what() + "\n";
    }
    if (!controller.channels_up()) why += "a channel's output is being reopened after a failure\n";
    if (why.empty()) return Response{200, "text/plain; charset=utf-8", "ready\n"};
    return Response{503, "text/plain; charset=utf-8", why};
  });
  server.route("GET", "/metrics", Role::viewer, [&controller, sync](const Request&) {
    std::string out;
    controller.write_metrics(out);
    if (sync) sync->write_metrics(out);
    const auto& state = controller.config().box.state_dir;
    struct statvfs vfs {};
    metrics::family(out, "loaxa_disk_free_bytes", "gauge",
                    "Free bytes for the daemon on the file system of state_dir.");
    if (::statvfs(state.c_str(), &vfs) == 0) {
      metrics::sample(out, "loaxa_disk_free_bytes", {},
                      static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize));
    }
    metrics::family(out, "loaxa_database_bytes", "gauge",
                    "Size of loaxa.db and its write-ahead log.");
    std::error_code ec;
    double db = 0;
    for (const char* f : {"loaxa.db", "loaxa.db-wal"}) {
      const auto n = std::filesystem::file_size(state / f, ec);
      if (!ec) db += static_cast<double>(n);
    }
    metrics::sample(out, "loaxa_database_bytes", {}, db);
    metrics::family(out, "loaxa_clock_synchronized", "gauge",
                    "1 when the system clock is synchronised (NTP).");
    metrics::sample(out, "loaxa_clock_synchronized", {}, system_clock_synchronized() ? 1 : 0);
    return Response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(out)};
  });
  server.route("GET", "/api/v1/status", Role::viewer, [&controller, sync](const Request&) {
    auto out = controller.status();
    if (sync) out["sync"] = sync->status();
    return api::json_response(boost::json::serialize(out) + "\n");
  });
  auto no_sync = [] {
    return error_response(404, "sync_not_configured",
                          "province sync is not configured on this box ([sync] url and "
                          "public_keys in the config)");
  };
  server.route("GET", "/api/v1/sync", Role::viewer, [sync, no_sync](const Request&) {
    if (!sync) return no_sync();
    return api::json_response(boost::json::serialize(sync->status()) + "\n");
  });
  server.route("GET", "/api/v1/inbox", Role::viewer, [&controller](const Request&) {
    return api::json_response(boost::json::serialize(controller.inbox()) + "\n");
  });
  auto decide = [&controller, &store](const Request& r, bool accept) {
    std::optional<std::string> start, rrule;
    if (!r.body.empty()) {
      boost::system::error_code ec;
      const auto body = boost::json::parse(r.body, ec);
      if (ec || !body.is_object()) {
        return error_response(400, "bad_body",
                              "the body must be a JSON object such as "
                              "{\"start\": \"2022-07-01T06:00:00\", \"rrule\": \"FREQ=DAILY\"}");
      }
      for (const auto& [key, value] : body.as_object()) {
        if ((key != "start" && key != "rrule") || !value.is_string()) {
          return error_response(
              400, "bad_body",
              "body." + std::string(key) + ": only \"start\" and \"rrule\" (strings) are accepted");
        }
        (key == "start" ? start : rrule) = std::string(value.as_string());
      }
    }
    try {
      controller.decide(r.params.at("id"), accept, start, rrule, r.who);
      store.access().audit(r.who, r.remote, accept ? "inbox.accept" : "inbox.reject",
                           r.params.at("id"));
    } catch (const std::invalid_argument& e) {
      const bool unknown = std::string(e.what()).rfind("no province bulletin", 0) == 0;
      return error_response(unknown ? 404 : 400, unknown ? "not_found" : "bad_input", e.what());
    }
    for (const auto& entry : controller.inbox()) {
      if (entry.at("id").as_string() == r.params.at("id")) {
        return api::json_response(boost::json::serialize(entry) + "\n");
      }
    }
    return api::json_response("{}\n");
  };
  server.route("POST", "/api/v1/inbox/{id}/accept", Role::operator_,
               [decide](const Request& r) { return decide(r, true); });
  server.route("POST", "/api/v1/inbox/{id}/reject", Role::operator_,
               [decide](const Request& r) { return decide(r, false); });
  server.route("POST", "/api/v1/sync", Role::operator_, [sync, no_sync](const Request&) {
    if (!sync) return no_sync();
    sync->poll_now();
    auto out = sync->status();
    out["poll"] = "started";
    Response resp = api::json_response(boost::json::serialize(out) + "\n");
    resp.status = 202;
    return resp;
  });
  server.route("GET", "/api/v1/airtime", Role::viewer, [&controller, &store](const Request& r) {
    return airtime_rows(r, controller, store);
  });
  server.route("GET", "/api/v1/reports/airtime", Role::viewer,
               [&controller, &store](const Request& r) { return report(r, controller, store); });
  server.route("GET", "/api/v1/schedule/preview", Role::viewer,
               [&controller](const Request& r) { return preview(r, controller); });
}

}  // namespace loaxa
