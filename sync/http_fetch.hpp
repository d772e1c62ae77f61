#pragma once
// One HTTP(S) request on the daemon's io_context (Boost.Beast), with a deadline over
// the whole exchange or, when streaming, over each step. HTTPS via OpenSSL: TLS 1.2+,
// the system CA store or a given CA file, the certificate must name the host. Used by
// province sync and the airtime push.

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loaxa::sync {

struct Url {
  std::string scheme;  // "http" | "https"
  std::string host;
  std::string port;    // "80" / "443" when the URL has none
  std::string target;  // path and query, "/" at least
};

// Throws std::invalid_argument saying what is wrong ("needs http:// or https://", "no host").
Url parse_http_url(const std::string& text);

// `relative` (already checked by check_relative_url) resolved against `base`, RFC 3986.
std::string resolve_url(const std::string& base, const std::string& relative);

struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;
  std::string body;
  std::string content_type;
  std::string ca_file;  // https: trust these CAs instead of the system store
  std::vector<std::pair<std::string, std::string>> headers;
  // Without a sink: the whole exchange. With one: each step (connect, send, every read),
  // so a slow but moving download goes on and a stalled one ends.
  std::chrono::milliseconds timeout{30'000};
  std::size_t body_limit = 8u << 20;  // largest body kept in HttpResponse::body
  int max_redirects = 5;
  // When set, the body goes here piece by piece (not into HttpResponse::body), after
  // `on_headers` (if set) has seen the status and headers. Returning false stops.
  std::function<bool(unsigned status, const std::map<std::string, std::string>& headers)>
      on_headers;
  std::function<bool(std::string_view piece)> sink;
  // Throttling: after each piece, how long to wait before reading on (0: at once).
  std::function<std::chrono::milliseconds(std::size_t piece_bytes)> pace;
};

struct HttpResponse {
  std::string error;  // empty when a response arrived; else what went wrong, in words
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string url;                             // where it came from, after redirects
  std::string body;
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  std::string describe() const;  // "HTTP 503" or the error, for logs
};

// A request in flight; destroying or cancel()ing it closes the connection and calls
// nothing.
class HttpCall {
 public:
  virtual ~HttpCall() = default;
  virtual void cancel() = 0;
};

// Starts the request; done runs on io once, unless the call is cancelled first.
std::shared_ptr<HttpCall> async_http(boost::asio::io_context& io, HttpRequest request,
                                     std::function<void(HttpResponse)> done);

// A gzip body (Content-Encoding: gzip) inflated; throws std::runtime_error when it is
// corrupt or would exceed `limit` bytes.
std::string gunzip(std::string_view data, std::size_t limit);

}  // namespace loaxa::sync
