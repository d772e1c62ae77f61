// Routing: matching a request to its route ({name} segments), the role check with
// its lockout after repeated wrong tokens, and the 404/405 answers.
#include <strings.h>

#include <chrono>
#include <map>

#include "http/server.hpp"

namespace loaxa::api {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Whether `path` fits `pattern`, filling `params` from its {name} segments.
bool matches(const std::string& pattern, const std::string& path,
             std::map<std::string, std::string>& params) {
  if (pattern.find('{') == std::string::npos) return pattern == path;
  const auto p = segments(pattern), s = segments(path);
  if (p.size() != s.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}') {
      if (s[i].empty()) return false;
      found[std::string(p[i].substr(1, p[i].size() - 2))] = std::string(s[i]);
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::operator_:
      return "operator";
    case Role::viewer:
      return "viewer";
    case Role::none:
      break;
  }
  return "none";
}

Response HttpServer::authorize_and_run(const Route& route, Request& request) const {
  if (auto refused = authorize(route.role, request)) return std::move(*refused);
  return route.handler(request);
}

Role HttpServer::role_of(const Request& request) const {
  if (auto it = routes_.find({request.method, request.path}); it != routes_.end()) {
    return it->second.role;
  }
  for (const auto& [key, route] : routes_) {
    std::map<std::string, std::string> ignored;
    if (key.first == request.method && matches(key.second, request.path, ignored)) {
      return route.role;
    }
  }
  return Role::none;
}

const HttpServer::Upload* HttpServer::upload_for(const Request& request) const {
  auto it = uploads_.find({request.method, request.path});
  return it == uploads_.end() ? nullptr : &it->second;
}

void HttpServer::upload_route(const std::string& method, const std::string& path, Upload upload) {
  uploads_[{method, path}] = std::move(upload);
}

std::optional<Response> HttpServer::locked_out(const std::string& remote) const {
  const auto now = std::chrono::steady_clock::now();
  auto f = failures_.find(remote);
  if (f == failures_.end() || f->second.locked_until <= now) return std::nullopt;
  Response r = error_response(
      429, "too_many_failures",
      "too many failed logins or wrong tokens from " + remote + "; wait a minute and try again");
  r.retry_after_s = static_cast<int>(
      std::chrono::ceil<std::chrono::seconds>(f->second.locked_until - now).count());
  return r;
}

void HttpServer::note_failure(const std::string& remote) const {
  const auto now = std::chrono::steady_clock::now();
  if (failures_.size() > 4096) failures_.clear();  // bounded, whatever the traffic
  auto& fail = failures_[remote];
  if (now - fail.window > std::chrono::minutes(1)) fail = Failures{0, now, {}};
  if (++fail.count >= 10) fail.locked_until = now + std::chrono::minutes(1);
}

std::optional<Response> HttpServer::authorize(Role role, Request& request) const {
  if (role == Role::none) return std::nullopt;
  if (auto locked = locked_out(request.remote)) return locked;
  std::string token;
  const std::string& auth = request.authorization;
  if (auth.size() > 7 && strncasecmp(auth.data(), "Bearer ", 7) == 0) {
    token = auth.substr(7);
  } else if (!auth.empty()) {
    return error_response(401, "unauthorized", "the Authorization header must be \"Bearer TOKEN\"");
  }
  const std::optional<Principal> who =
      authenticator_ ? authenticator_(token) : std::optional<Principal>{};
  if (!who) {
    // A wrong token is a guess; no token at all (a first visit of the UI) is not.
    if (!token.empty()) note_failure(request.remote);
    return error_response(
        401, "unauthorized",
        token.empty() ? "this endpoint needs a token: send \"Authorization: Bearer TOKEN\" "
                        "(loaxa --token TOKEN, or LOAXA_TOKEN)"
                      : "the token is not known to this box (revoked, expired or mistyped)");
  }
  if (who->role < role) {
    return error_response(403, "forbidden",
                          std::string("this needs the role ") + role_name(role) + "; \"" +
                              who->name + "\" has the role " + role_name(who->role));
  }
  request.who = who->name;
  request.role = who->role;
  request.scope = who->scope;
  return std::nullopt;
}

Response HttpServer::dispatch(const Request& request) const {
  Request with = request;
  if (auto it = routes_.find({request.method, request.path}); it != routes_.end()) {
    return authorize_and_run(it->second, with);
  }
  for (const auto& [key, route] : routes_) {
    with.params.clear();
    if (key.first == request.method && matches(key.second, request.path, with.params)) {
      return authorize_and_run(route, with);
    }
  }
  for (const auto& [key, route] : routes_) {
    std::map<std::string, std::string> ignored;
    if (matches(key.second, request.path, ignored)) {
      return error_response(405, "method_not_allowed",
                            request.method + " is not allowed on " + request.path);
    }
  }
  if (static_ && (request.method == "GET" || request.method == "HEAD") &&
      !request.path.starts_with("/api/")) {
    return static_(request);
  }
  return error_response(404, "not_found", "no such endpoint: " + request.path);
}

}  // namespace loaxa::api
