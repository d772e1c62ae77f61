// Who may call the box: tokens (config and database), names and passwords for the web
// UI (a session token after Argon2id, checked off the event loop), the audit trail.

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "common/sha256.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/playout/clock.hpp"

namespace loaxa {

using api::error_response;
using api::object_body;
using api::Request;
using api::Response;
using api::Role;

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

Response list_tokens(ApiContext& api, const Request&) {
  boost::json::array out;
  for (const auto& t : api.store.access().tokens()) {
    boost::json::object o{{"name", t.name},
                          {"role", t.role},
                          {"created_at", t.created_at},
                          {"created_by", t.created_by}};
    if (t.expires_ms) o["expires_ms"] = *t.expires_ms;
    out.push_back(std::move(o));
  }
  return api::json_response(boost::json::serialize(out) + "\n");
}

Response create_token(ApiContext& api, const Request& r) {
  Response error;
  const auto body = object_body(r, error, "{\"name\": \"huyen\", \"role\": \"viewer\"}");
  if (!body) return error;
  const auto* name = body->if_contains("name");
  const auto* role = body->if_contains("role");
  if (!name || !name->is_string() || !role || !role->is_string()) {
    return error_response(400, "bad_body", "body.name and body.role (strings) are required");
  }
  const std::string token = api.store.access().create_token(std::string(name->as_string()),
                                                            std::string(role->as_string()), r.who);
  api.store.access().audit(
      r.who, r.remote, "token.create",
      std::string(name->as_string()) + " (" + std::string(role->as_string()) + ")");
  boost::json::object out{
      {"name", name->as_string()}, {"role", role->as_string()}, {"token", token}};
  return api::json_response(boost::json::serialize(out) + "\n", 201);
}

Response revoke_token(ApiContext& api, const Request& r) {
  const std::string& name = r.params.at("name");
  if (!api.store.access().revoke_token(name)) {
    return error_response(404, "not_found", "no token named \"" + name + "\"");
  }
  api.store.access().audit(r.who, r.remote, "token.revoke", name);
  return Response{204, "application/json; charset=utf-8", ""};
}

Response audit_trail(ApiContext& api, const Request& r) {
  int limit = 500;
  if (auto it = r.query.find("limit"); it != r.query.end()) {
    try {
      limit = std::clamp(std::stoi(it->second), 1, 100000);
    } catch (const std::exception&) {
      return error_response(400, "bad_query", "limit: give a number such as 100");
    }
  }
  boost::json::array out;
  for (const auto& a : api.store.access().audit_log(limit)) {
    out.push_back(boost::json::object{{"id", a.id},
                                      {"at", a.at},
                                      {"who", a.who},
                                      {"remote", a.remote},
                                      {"action", a.action},
                                      {"detail", a.detail}});
  }
  return api::json_response(boost::json::serialize(out) + "\n");
}

// After the password check (on the worker), back on the event loop: a session token.
Response open_session(ApiContext& api, const std::string& who, const UserConfig& user,
                      const std::string& remote) {
  const auto now = unix_ms(std::chrono::system_clock::now());
  api.store.access().drop_expired(now);
  const std::string token = api.store.access().create_token(
      "phien-" + who + "-" + std::to_string(now), user.role, who, now + 12 * 3600 * 1000);
  api.store.access().audit(who, remote, "login", user.role);
  boost::json::object out{
      {"token", token}, {"name", who}, {"role", user.role}, {"expires_ms", now + 12 * 3600 * 1000}};
  return api::json_response(boost::json::serialize(out) + "\n", 201);
}

// Name and password (the web UI on a phone) for a session token of 12 hours. Argon2id
// takes ~0.1 s and 64 MiB: it runs on the worker thread, never on the event loop that
// drives playout; at most kMaxLoginsInFlight wait for it, more are told to retry.
Response login(ApiContext& api, const Request& r) {
  if (auto locked = api.server.locked_out(r.remote)) return std::move(*locked);
  Response error;
  const auto body = object_body(r, error, R"({"name": "van-hoa-xa", "password": "..."})");
  if (!body) return error;
  const auto* name = body->if_contains("name");
  const auto* password = body->if_contains("password");
  if (!name || !name->is_string() || !password || !password->is_string()) {
    return error_response(400, "bad_body", "body.name and body.password (strings) are required");
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
  if (const auto& config = api.controller.config().api) {
    for (const auto& u : config->users) {
      if (u.name == who) user = u;
    }
  }
  Response later;
  later.later = [&api, who, user, remote = r.remote,
                 pass = std::string(password->as_string())](auto answer) {
    ++in_flight;
    boost::asio::post(api.off_loop.pool, [&api, who, user, remote, pass,
                                          answer = std::move(answer)]() mutable {
      // The hash is checked even for an unknown name (against a dummy: an empty hash),
      // so timing does not tell names apart.
      const bool ok =
          api.off_loop.passwords.verify(user ? user->password_hash : std::string(), pass) &&
          user.has_value();
      boost::asio::post(api.off_loop.io, [&api, who, user, remote, ok, answer = std::move(answer)] {
        --in_flight;
        if (!ok) {
          api.server.note_failure(remote);
          return answer(error_response(401, "unauthorized", "the name or the password is wrong"));
        }
        try {
          answer(open_session(api, who, *user, remote));
        } catch (const std::exception& e) {
          answer(api::error_answer(e));
        }
      });
    });
  };
  return later;
}

Response whoami(ApiContext&, const Request& r) {
  boost::json::object out{{"name", r.who}, {"role", api::role_name(r.role)}};
  return api::json_response(boost::json::serialize(out) + "\n");
}

constexpr Route kAccessRoutes[] = {
    {"POST", "/api/v1/login", Role::none, login},
    {"GET", "/api/v1/whoami", Role::viewer, whoami},
    {"GET", "/api/v1/tokens", Role::admin, list_tokens},
    {"POST", "/api/v1/tokens", Role::admin, create_token},
    {"DELETE", "/api/v1/tokens/{name}", Role::admin, revoke_token},
    {"GET", "/api/v1/audit", Role::admin, audit_trail},
};

}  // namespace

void add_access_routes(ApiContext& api) {
  api.server.set_authenticator(
      [&api](const std::string& token) { return authenticate(api.controller, api.store, token); });
  api.server.routes(api, kAccessRoutes);
}

}  // namespace loaxa
