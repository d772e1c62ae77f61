#pragma once
// The box's HTTP server (Boost.Beast on the daemon's io_context). It knows routes,
// limits and timeouts; what a route does is the daemon's business.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace loaxa::api {

struct Request {
  std::string method;  // "GET"
  std::string path;    // "/api/v1/airtime" (decoded, without the query)
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // {name} segments of the route's path
  std::string authorization;
  std::string body;
  std::string remote;  // peer address
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
};

// {"error": {"code": ..., "message": ...}} with the given HTTP status.
Response error_response(int status, const std::string& code, const std::string& message);
Response json_response(const std::string& body, int status = 200);

using Handler = std::function<Response(const Request&)>;

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
  // non-empty segment, handed over in Request::params.
  void route(const std::string& method, const std::string& path, Handler handler);
  // Binds every "host:port". Throws std::runtime_error naming the address on failure.
  void listen(const std::vector<std::string>& addresses);
  void stop();

  // Used by sessions.
  Response dispatch(const Request& request) const;
  const ServerLimits& limits() const { return limits_; }
  std::size_t& connections() { return connections_; }

 private:
  struct Listener;
  boost::asio::io_context& io_;
  ServerLimits limits_;
  std::map<std::pair<std::string, std::string>, Handler> routes_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::size_t connections_ = 0;
};

// "a%20b" -> "a b"; false on a malformed escape.
bool url_decode(std::string_view in, std::string& out);

}  // namespace loaxa::api
