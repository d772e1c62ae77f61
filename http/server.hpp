#pragma once
// The box's HTTP server (Boost.Beast on the daemon's io_context). It knows routes,
// limits and timeouts; what a route does is the daemon's business.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace loaxa::api {

// What a route needs of its caller: `none` for /healthz and the UI's static pages.
enum class Role { none = 0, viewer = 1, operator_ = 2, admin = 3 };
const char* role_name(Role role);

// A caller the authenticator knows.
struct Principal {
  std::string name;
  Role role = Role::none;
  // What part of the whole it may see ("district:dong-xoai" on the hub); empty: all.
  std::string scope;
};

struct Request {
  std::string method;  // "GET"
  std::string path;    // "/api/v1/airtime" (decoded, without the query)
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // {name} segments of the route's path
  std::string authorization;
  std::string body;
  std::string body_file;  // uploads: the body, streamed to a temporary file
  std::string remote;     // peer address
  std::string who;        // the principal's name once authenticated (for the audit)
  Role role = Role::none;
  std::string scope;  // the principal's scope (Principal::scope)
  // Headers of loaxa's own (X-Loaxa-Box, X-Loaxa-Signature) and the conditional and
  // range ones a file server needs (if-none-match, range), names in lower case.
  std::map<std::string, std::string> headers;
};

struct Response {
  Response() = default;
  Response(int s, std::string type, std::string text)
      : status(s), content_type(std::move(type)), body(std::move(text)) {}

  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  // Large answers (exports): when set, the body goes out chunked, `body` first, then
  // whatever each call appends to `chunk` (about 64 KiB at a time) until it returns
  // false. Each call runs on the event loop between other work, so memory stays
  // constant and playout is never held up for long.
  std::function<bool(std::string& chunk)> stream;
  std::string content_disposition;  // e.g. attachment; filename="bao-cao.xlsx"
  int retry_after_s = 0;            // 429: when to try again
  // More header fields (ETag, Content-Range, Cache-Control…); each replaces a default.
  std::vector<std::pair<std::string, std::string>> headers;
  // An answer that takes work off the event loop (a password hash): when set, the
  // session hands `later` the function that sends the real answer, which must be called
  // once, on the event loop; nothing else of this Response is sent.
  std::function<void(std::function<void(Response)> answer)> later;
};

// {"error": {"code": ..., "message": ...}} with the given HTTP status.
Response error_response(int status, const std::string& code, const std::string& message);
Response json_response(const std::string& body, int status = 200);
// The one mapping from an error to an answer, for every route: the caller's mistakes
// are 4xx (std::invalid_argument 400 bad_input, NotFound 404 not_found, Refused 409
// refused, Forbidden 403, Unauthenticated 401, Unavailable 503 with Retry-After;
// common/errors.hpp); anything else is the program's own failure (a database
// I/O error, a full disk): 500 internal, with what failed. A handler throws; the server
// answers with this and logs the 5xx.
Response error_answer(const std::exception& e);
// The request's body as a JSON object; else nullopt with `error` set to a 400 that
// shows `example`.
std::optional<boost::json::object> object_body(const Request& r, Response& error,
                                               const std::string& example);

// A page of an embedded web UI: `bytes` as found by the program's asset table (404 when
// nullopt), its type from the path's extension.
Response asset_response(const std::string& path, std::optional<std::string_view> bytes);

// A request target ("/api/v1/airtime?from=..."): the decoded path and query into `r`;
// a 400 answer when a percent-escape is malformed.
std::optional<Response> parse_target(std::string_view target, Request& r);

using Handler = std::function<Response(const Request&)>;

// One line of a route table: the method and path a caller asks, the role it needs, the
// function that answers (with the program's context). A program's API reads as a few
// such tables, one per area, each line at a glance.
template <class Context>
struct RouteRow {
  const char* method;
  const char* path;
  Role role;
  Response (*answer)(Context& context, const Request& request);
};
// The principal a bearer token (empty when none was sent) stands for, or nullopt.
using Authenticator = std::function<std::optional<Principal>(const std::string& token)>;

struct ServerLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds timeout{30};
  std::size_t max_connections = 64;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, ServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `path` may hold {name} segments ("/api/v1/inbox/{id}/accept"): each matches one
  // non-empty segment, handed over in Request::params. Before the handler runs, the
  // caller's token is checked against `role` (401 without a valid one, 403 when its
  // role is too small), so a handler never sees a caller it should not.
  void route(const std::string& method, const std::string& path, Role role, Handler handler);
  // Every line of a table; `context` outlives the server.
  template <class Context, std::size_t N>
  void routes(Context& context, const RouteRow<Context> (&table)[N]) {
    for (const auto& row : table) {
      route(row.method, row.path, row.role,
            [&context, answer = row.answer](const Request& r) { return answer(context, r); });
    }
  }
  void set_authenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }
  // GET of a path no route has, outside /api/: static files (the web UI), no token.
  void set_static(Handler handler) { static_ = std::move(handler); }

  // A route whose body is streamed to a temporary file in `dir` (Request::body_file,
  // removed after the handler), never held in memory; the role is checked on the
  // headers, before any of the body is read.
  struct Upload {
    Role role = Role::operator_;
    std::filesystem::path dir;
    std::uint64_t max_bytes = 0;
    std::chrono::seconds timeout{600};
    Handler handler;
  };
  void upload_route(const std::string& method, const std::string& path, Upload upload);
  const Upload* upload_for(const Request& request) const;
  // The role the route for this method and path needs (none when there is no route).
  Role role_of(const Request& request) const;
  // Failed logins count like wrong tokens: 10 in a minute lock the address out.
  std::optional<Response> locked_out(const std::string& remote) const;
  void note_failure(const std::string& remote) const;
  // nullopt when the caller may; else the 401/403/429 answer.
  std::optional<Response> authorize(Role role, Request& request) const;
  // Binds every "host:port". Throws std::runtime_error naming the address on failure.
  void listen(const std::vector<std::string>& addresses);
  void stop();
  // HTTPS with this PEM certificate chain and key on every address but loopback (call
  // before listen). Throws std::runtime_error naming the file that is wrong.
  void enable_tls(const std::string& cert_file, const std::string& key_file);

  // Used by sessions.
  Response dispatch(const Request& request) const;
  const ServerLimits& limits() const { return limits_; }
  // Open connections, shared with each session: a session's handler may be destroyed
  // with the io_context, after the server (at shutdown), and still counts itself out.
  const std::shared_ptr<std::size_t>& connections() { return connections_; }

 private:
  struct Listener;
  boost::asio::io_context& io_;
  ServerLimits limits_;
  struct Route {
    Role role{};
    Handler handler;
  };
  Response authorize_and_run(const Route& route, Request& request) const;
  std::map<std::pair<std::string, std::string>, Route> routes_;
  std::map<std::pair<std::string, std::string>, Upload> uploads_;
  Authenticator authenticator_;
  Handler static_;
  // Failed authentications per address: 10 within a minute lock the address out for
  // a minute (429), so tokens cannot be guessed at network speed.
  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point window{};
    std::chrono::steady_clock::time_point locked_until{};
  };
  mutable std::map<std::string, Failures> failures_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<std::size_t> connections_ = std::make_shared<std::size_t>(0);
};

// Whether a PEM certificate chain and key make a TLS server (readable, and the key is
// the certificate's): empty when they do, else what is wrong. `--check` asks it.
std::string check_tls_pair(const std::string& cert_file, const std::string& key_file);

// "a%20b" -> "a b"; false on a malformed escape.
bool url_decode(std::string_view in, std::string& out);

}  // namespace loaxa::api
