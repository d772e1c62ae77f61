#include "http/server.hpp"

#include <strings.h>
#include <unistd.h>

#include <array>
#include <boost/algorithm/string/case_conv.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <type_traits>

#include "common/errors.hpp"
#include "common/guard.hpp"
#include "common/log.hpp"

namespace loaxa::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// What a handler threw, as its answer; the program's own failures go to the log too.
Response answer_error(const Request& r, const std::exception& e) {
  Response resp = error_answer(e);
  if (resp.status >= 500) {
    log::error("api", r.method + " " + r.path + ": " + e.what() + " (answered 500)");
  }
  return resp;
}

// One connection: plain HTTP (Stream = beast::tcp_stream) or HTTPS
// (Stream = beast::ssl_stream<beast::tcp_stream>).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  Session(tcp::socket socket, HttpServer& server)
      : stream_(std::move(socket)), server_(server), connections_(server.connections()) {
    ++*connections_;
  }
  Session(tcp::socket socket, asio::ssl::context& tls, HttpServer& server)
      : stream_(std::move(socket), tls), server_(server), connections_(server.connections()) {
    ++*connections_;
  }
  ~Session() { --*connections_; }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(server_.limits().timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = shared_from_this()](beast::error_code ec) {
                                if (ec) return self->abort();  // not TLS, or a bad client
                                self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    head_.emplace();
    head_->header_limit(static_cast<std::uint32_t>(server_.limits().max_header_bytes));
    // The body's limit depends on the route (an upload or not): set once the header
    // says which; until then a large Content-Length is no error.
    head_->body_limit(boost::none);
    lowest().expires_after(server_.limits().timeout);
    http::async_read_header(
        stream_, buffer_, *head_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // The request line and headers: the caller's role is known before a byte of the
  // body is read, so an upload nobody may make is refused without receiving it.
  void on_header(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec == http::error::header_limit) {
      return reply(error_response(413, "too_large", "request headers too large"), false);
    }
    if (ec) return close();
    request_ = Request{};
    if (auto bad = parse_head(head_->get(), request_)) return reply(std::move(*bad), false);
    if (const auto* upload = server_.upload_for(request_)) {
      if (auto refused = server_.authorize(upload->role, request_)) {
        return refuse_upload(std::move(*refused));  // the body is never kept
      }
      if (const auto length = head_->content_length(); length && *length > upload->max_bytes) {
        return refuse_upload(too_large(*upload));
      }
      return read_upload(*upload);
    }
    if (const auto length = head_->content_length();
        length && *length > server_.limits().max_body_bytes) {
      // Who asks comes first, even for a body too large to read.
      if (auto refused = server_.authorize(server_.role_of(request_), request_)) {
        return refuse_upload(std::move(*refused));
      }
      return refuse_upload(error_response(
          413, "too_large",
          "the body is larger than " + std::to_string(server_.limits().max_body_bytes) + " bytes"));
    }
    parser_.emplace(std::move(*head_));
    parser_->body_limit(server_.limits().max_body_bytes);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void read_upload(const HttpServer::Upload& upload) {
    std::string templ = (upload.dir / "upload-XXXXXX").string();
    std::error_code mk;
    std::filesystem::create_directories(upload.dir, mk);
    const int fd = ::mkstemp(templ.data());
    if (fd < 0) {
      const int err = errno;
      return reply(error_response(507, "no_space",
                                  "cannot store the upload in " + upload.dir.string() + ": " +
                                      std::generic_category().message(err)),
                   false);
    }
    ::close(fd);
    upload_file_ = templ;
    file_parser_.emplace(std::move(*head_));
    file_parser_->body_limit(upload.max_bytes);
    beast::error_code ec;
    file_parser_->get().body().open(upload_file_.c_str(), beast::file_mode::write, ec);
    if (ec) {
      std::filesystem::remove(upload_file_, mk);
      return reply(error_response(507, "no_space", "cannot write the upload: " + ec.message()),
                   false);
    }
    lowest().expires_after(upload.timeout);
    http::async_read(stream_, buffer_, *file_parser_,
                     [self = shared_from_this(), &upload](beast::error_code ec, std::size_t) {
                       self->on_upload(ec, upload);
                     });
  }

  static Response too_large(const HttpServer::Upload& upload) {
    return error_response(413, "too_large",
                          "the file is larger than the upload limit of " +
                              std::to_string(upload.max_bytes / (1024 * 1024)) +
                              " MB ([api] max_upload)");
  }

  void on_upload(beast::error_code ec, const HttpServer::Upload& upload) {
    file_parser_->get().body().close();
    std::error_code rm;
    if (ec == http::error::body_limit) {
      std::filesystem::remove(upload_file_, rm);
      return refuse_upload(too_large(upload));
    }
    if (ec) {
      std::filesystem::remove(upload_file_, rm);
      return close();  // the client went away or timed out mid-upload
    }
    request_.body_file = upload_file_;
    beast::error_code ignored;
    request_.remote = lowest().socket().remote_endpoint(ignored).address().to_string();
    Response resp;
    try {
      resp = upload.handler(request_);
    } catch (const std::exception& e) {
      resp = answer_error(request_, e);
    }
    // The handler copied or moved what it keeps (work it leaves for later has its own).
    std::filesystem::remove(upload_file_, rm);
    deliver(std::move(resp), file_parser_->get().keep_alive());
  }

  template <class Header>
  static std::optional<Response> parse_head(const Header& req, Request& r) {
    r.method = std::string(req.method_string());
    if (auto error = parse_target(req.target(), r)) return error;
    for (const auto& field : req) {
      if (boost::beast::iequals(field.name_string().substr(0, 8), "x-loaxa-") ||
          field.name() == http::field::if_none_match || field.name() == http::field::range) {
        r.headers[boost::algorithm::to_lower_copy(std::string(field.name_string()))] =
            std::string(field.value());
      }
    }
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      r.authorization = std::string(it->value());
    }
    return std::nullopt;
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return reply(error_response(413, "too_large", "request too large: " + ec.message()), false);
    }
    if (ec) return close();
    const auto& req = parser_->get();
    Request r = request_;
    r.body = req.body();
    beast::error_code ignored;
    r.remote = lowest().socket().remote_endpoint(ignored).address().to_string();
    Response resp;
    try {
      inject_fault("route");
      resp = server_.dispatch(r);
    } catch (const std::exception& e) {
      resp = answer_error(r, e);
    }
    deliver(std::move(resp), req.keep_alive());
  }

  // The answer now, or, when it takes work off the event loop, once that is done: the
  // connection waits (its read is not re-armed) until then.
  void deliver(Response resp, bool keep) {
    if (!resp.later) return reply(std::move(resp), keep);
    auto later = std::move(resp.later);
    later([self = this->shared_from_this(), keep](Response answer) {
      answer.later = nullptr;
      // The wait may have been long (a long-poll): the write gets its own deadline.
      self->lowest().expires_after(self->server_.limits().timeout);
      self->reply(std::move(answer), keep);
    });
  }

  // An upload refused before its body was read: answer, stop sending, then read and
  // drop what the client is still sending (up to 16 MB or 10 s), so that closing does
  // not reset the connection and lose the answer before the client has read it.
  void refuse_upload(Response resp) {
    drain_ = true;
    reply(std::move(resp), false);
  }

  void drain() {
    if (drained_ > (16u << 20)) return;
    lowest().expires_after(std::chrono::seconds(10));
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (!ec) self->drain();
                            });
  }

  // What every answer carries, whole or chunked: no sniffing, no framing, nothing but
  // this origin's own scripts.
  template <class Header>
  static void common_headers(Header& h, const Response& resp) {
    h.set(http::field::server, "loaxad");
    h.set(http::field::content_type, resp.content_type);
    h.set(http::field::cache_control, "no-store");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'");
    if (!resp.content_disposition.empty()) {
      h.set(http::field::content_disposition, resp.content_disposition);
    }
    for (const auto& [name, value] : resp.headers) h.set(name, value);
  }

  void reply(Response resp, bool keep_alive) {
    if (resp.stream) return reply_chunked(std::move(resp), keep_alive);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), 11);
    common_headers(*res, resp);
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
          if (ec || !keep_alive) {
            self->close();
            if (!ec && self->drain_ && !kTls) {
              self->buffer_.consume(self->buffer_.size());
              self->drain();
            }
            return;
          }
          self->read();
        });
  }

  // Chunked transfer encoding (RFC 9112 7.1): header, one chunk per producer call, and
  // the last chunk.
  void reply_chunked(Response resp, bool keep_alive) {
    auto state = std::make_shared<Chunked>();
    state->header.result(static_cast<http::status>(resp.status));
    state->header.version(11);
    common_headers(state->header, resp);
    state->header.keep_alive(keep_alive);
    state->header.chunked(true);
    state->produce = std::move(resp.stream);
    state->chunk = std::move(resp.body);
    state->keep_alive = keep_alive;
    state->serializer.emplace(state->header);
    lowest().expires_after(server_.limits().timeout);
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
    lowest().expires_after(server_.limits().timeout);
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
    lowest().socket().close(ec);
  }

  void close() {
    if constexpr (kTls) {
      // close_notify, then the TCP send side; the peer's own close ends the session.
      lowest().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      });
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> head_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;
  Request request_;  // from the header, before the body is read
  std::string upload_file_;
  bool drain_ = false;
  std::size_t drained_ = 0;
  std::array<char, 16384> scratch_{};
  HttpServer& server_;  // used only while the io_context runs, so while the server lives
  std::shared_ptr<std::size_t> connections_;
};

}  // namespace

struct HttpServer::Listener : std::enable_shared_from_this<HttpServer::Listener> {
  Listener(asio::io_context& io, HttpServer& server) : acceptor(io), server(server) {}
  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (*self->server.connections() >= self->server.limits().max_connections) {
          socket.close();  // over the cap: refuse rather than queue without bound
        } else {
          if (self->tls) {
            std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                std::move(socket), *self->tls, self->server)
                ->start();
          } else {
            std::make_shared<Session<beast::tcp_stream>>(std::move(socket), self->server)->start();
          }
        }
      }
      self->accept();
    });
  }
  tcp::acceptor acceptor;
  HttpServer& server;
  asio::ssl::context* tls = nullptr;  // HTTPS on this address
};

HttpServer::HttpServer(asio::io_context& io, ServerLimits limits)
    : io_(io), limits_(std::move(limits)) {}

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
    // With a certificate, addresses other than loopback speak HTTPS; loopback stays
    // plain HTTP for the CLI on the box itself.
    const bool loopback = host.starts_with("127.") || host == "::1";
    if (tls_ && !loopback) l->tls = tls_.get();
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

namespace {

// A TLS server context with this certificate chain and key; throws naming the key
// (api.tls_cert / api.tls_key) that is wrong, a key that does not match its
// certificate included.
std::unique_ptr<asio::ssl::context> tls_context(const std::string& cert_file,
                                                const std::string& key_file) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) throw std::runtime_error("api.tls_cert \"" + cert_file + "\": " + ec.message());
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("api.tls_key \"" + key_file + "\": " + ec.message() +
                             " (is it the key of api.tls_cert?)");
  }
  return ctx;
}

}  // namespace

std::string check_tls_pair(const std::string& cert_file, const std::string& key_file) {
  try {
    tls_context(cert_file, key_file);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

void HttpServer::enable_tls(const std::string& cert_file, const std::string& key_file) {
  tls_ = tls_context(cert_file, key_file);
}

void HttpServer::stop() {
  for (auto& l : listeners_) {
    beast::error_code ec;
    l->acceptor.close(ec);
  }
  listeners_.clear();
}

}  // namespace loaxa::api
