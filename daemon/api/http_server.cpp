#include "daemon/api/http_server.hpp"

#include <strings.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>

namespace loaxa::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Response error_response(int status, const std::string& code, const std::string& message) {
  boost::json::value v = {{"error", {{"code", code}, {"message", message}}}};
  return Response{status, "application/json; charset=utf-8", boost::json::serialize(v) + "\n"};
}

Response json_response(const std::string& body, int status) {
  return Response{status, "application/json; charset=utf-8", body};
}

bool url_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
        return false;
      }
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (in[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return true;
}

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer& server) : stream_(std::move(socket)), server_(server) {
    ++server_.connections();
  }
  ~Session() { --server_.connections(); }

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.limits().max_header_bytes));
    parser_->body_limit(server_.limits().max_body_bytes);
    stream_.expires_after(server_.limits().timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return reply(error_response(413, "too_large", "request too large: " + ec.message()), false);
    }
    if (ec) return close();
    const auto& req = parser_->get();
    Request r;
    r.method = std::string(req.method_string());
    const std::string_view target = req.target();
    const auto q = target.find('?');
    if (!url_decode(target.substr(0, q), r.path)) {
      return reply(error_response(400, "bad_request", "malformed percent-escape in the path"),
                   req.keep_alive());
    }
    if (q != std::string_view::npos) {
      std::string_view query = target.substr(q + 1);
      while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        std::string key, value;
        if (!url_decode(pair.substr(0, eq), key) ||
            !url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), value)) {
          return reply(error_response(400, "bad_request", "malformed percent-escape in the query"),
                       req.keep_alive());
        }
        if (!key.empty()) r.query[key] = value;
        query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
      }
    }
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      r.authorization = std::string(it->value());
    }
    r.body = req.body();
    beast::error_code ignored;
    r.remote = stream_.socket().remote_endpoint(ignored).address().to_string();
    Response resp;
    try {
      resp = server_.dispatch(r);
    } catch (const std::exception& e) {
      resp = error_response(500, "internal", e.what());
    }
    reply(std::move(resp), req.keep_alive());
  }

  void reply(Response resp, bool keep_alive) {
    if (resp.stream) return reply_chunked(std::move(resp), keep_alive);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), 11);
    res->set(http::field::server, "loaxad");
    res->set(http::field::content_type, resp.content_type);
    res->set(http::field::cache_control, "no-store");
    if (!resp.content_disposition.empty()) {
      res->set(http::field::content_disposition, resp.content_disposition);
    }
    if (resp.retry_after_s > 0)
      res->set(http::field::retry_after, std::to_string(resp.retry_after_s));
    if (resp.status == 401) {
      res->set(http::field::www_authenticate, "Bearer realm=\"loaxa\"");
    }
    res->keep_alive(keep_alive);
    res->body() = std::move(resp.body);
    res->prepare_payload();
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) return self->close();
          self->read();
        });
  }

  // Chunked transfer encoding (RFC 9112 7.1): header, one chunk per producer call, and
  // the last chunk.
  void reply_chunked(Response resp, bool keep_alive) {
    auto state = std::make_shared<Chunked>();
    state->header.result(static_cast<http::status>(resp.status));
    state->header.version(11);
    state->header.set(http::field::server, "loaxad");
    state->header.set(http::field::content_type, resp.content_type);
    state->header.set(http::field::cache_control, "no-store");
    if (!resp.content_disposition.empty()) {
      state->header.set(http::field::content_disposition, resp.content_disposition);
    }
    state->header.keep_alive(keep_alive);
    state->header.chunked(true);
    state->produce = std::move(resp.stream);
    state->chunk = std::move(resp.body);
    state->keep_alive = keep_alive;
    state->serializer.emplace(state->header);
    stream_.expires_after(server_.limits().timeout);
    http::async_write_header(stream_, *state->serializer,
                             [self = shared_from_this(), state](beast::error_code ec, std::size_t) {
                               if (ec) return self->close();
                               self->next_chunk(state);
                             });
  }

  struct Chunked {
    http::response<http::empty_body> header;
    std::optional<http::response_serializer<http::empty_body>> serializer;
    std::function<bool(std::string&)> produce;
    std::string chunk;
    bool done = false;
    bool keep_alive = false;
  };

  void next_chunk(const std::shared_ptr<Chunked>& state) {
    constexpr std::size_t kChunk = 64 * 1024;
    if (!state->done) {
      try {
        while (state->chunk.size() < kChunk) {
          if (!state->produce(state->chunk)) {
            state->done = true;
            break;
          }
        }
      } catch (const std::exception&) {
        // The header is gone already: cut the connection so the client sees an
        // incomplete body rather than a silently short one.
        return abort();
      }
    }
    stream_.expires_after(server_.limits().timeout);
    if (state->chunk.empty()) {
      return asio::async_write(
          stream_, http::make_chunk_last(),
          [self = shared_from_this(), state](beast::error_code ec, std::size_t) {
            if (ec || !state->keep_alive) return self->close();
            self->read();
          });
    }
    auto data = std::make_shared<std::string>(std::move(state->chunk));
    state->chunk.clear();
    asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                      [self = shared_from_this(), state, data](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        // Let other work on the loop run between chunks.
                        asio::post(self->stream_.get_executor(),
                                   [self, state] { self->next_chunk(state); });
                      });
  }

  void abort() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer& server_;
};

}  // namespace

struct HttpServer::Listener : std::enable_shared_from_this<HttpServer::Listener> {
  Listener(asio::io_context& io, HttpServer& server) : acceptor(io), server(server) {}
  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (self->server.connections() >= self->server.limits().max_connections) {
          socket.close();  // over the cap: refuse rather than queue without bound
        } else {
          std::make_shared<Session>(std::move(socket), self->server)->start();
        }
      }
      self->accept();
    });
  }
  tcp::acceptor acceptor;
  HttpServer& server;
};

HttpServer::HttpServer(asio::io_context& io, ServerLimits limits) : io_(io), limits_(limits) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(const std::string& method, const std::string& path, Role role,
                       Handler handler) {
  routes_[{method, path}] = Route{role, std::move(handler)};
}

void HttpServer::listen(const std::vector<std::string>& addresses) {
  for (const auto& text : addresses) {
    const auto colon = text.rfind(':');
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    const auto port = static_cast<unsigned short>(std::stoi(text.substr(colon + 1)));
    auto l = std::make_shared<Listener>(io_, *this);
    beast::error_code ec;
    const tcp::endpoint ep(asio::ip::make_address(host, ec), port);
    if (ec) throw std::runtime_error("api.listen \"" + text + "\": " + ec.message());
    l->acceptor.open(ep.protocol(), ec);
    if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l->acceptor.bind(ep, ec);
    if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + text + ": " + ec.message() +
                               " (is another loaxad or program using the port?)");
    }
    l->accept();
    listeners_.push_back(l);
  }
}

void HttpServer::stop() {
  for (auto& l : listeners_) {
    beast::error_code ec;
    l->acceptor.close(ec);
  }
  listeners_.clear();
}

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
  if (route.role == Role::none) return route.handler(request);
  using clock = std::chrono::steady_clock;
  const auto now = clock::now();
  auto f = failures_.find(request.remote);
  if (f != failures_.end() && f->second.locked_until > now) {
    Response r = error_response(429, "too_many_failures",
                                "too many requests with a wrong token from " + request.remote +
                                    "; wait a minute and use a valid token");
    r.retry_after_s = static_cast<int>(
        std::chrono::ceil<std::chrono::seconds>(f->second.locked_until - now).count());
    return r;
  }
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
    if (failures_.size() > 4096) failures_.clear();  // bounded, whatever the traffic
    auto& fail = failures_[request.remote];
    if (now - fail.window > std::chrono::minutes(1)) fail = Failures{0, now, {}};
    if (++fail.count >= 10) fail.locked_until = now + std::chrono::minutes(1);
    return error_response(
        401, "unauthorized",
        token.empty() ? "this endpoint needs a token: send \"Authorization: Bearer TOKEN\" "
                        "(loaxa --token TOKEN, or LOAXA_TOKEN)"
                      : "the token is not known to this box (revoked, expired or mistyped)");
  }
  if (who->role < route.role) {
    return error_response(403, "forbidden",
                          std::string("this needs the role ") + role_name(route.role) + "; \"" +
                              who->name + "\" has the role " + role_name(who->role));
  }
  request.who = who->name;
  request.role = who->role;
  return route.handler(request);
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
  return error_response(404, "not_found", "no such endpoint: " + request.path);
}

}  // namespace loaxa::api
