#include "sync/http_fetch.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "common/guard.hpp"

namespace loaxa::sync {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

Url parse_http_url(const std::string& text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    throw std::invalid_argument("\"" + text + "\" is not an absolute URL (" +
                                parsed.error().message() + ")");
  }
  const auto& u = *parsed;
  Url url;
  url.scheme = std::string(u.scheme());
  if (url.scheme != "http" && url.scheme != "https") {
    throw std::invalid_argument("\"" + text + "\" must start with http:// or https://");
  }
  url.host = std::string(u.encoded_host_address());
  if (url.host.empty()) throw std::invalid_argument("\"" + text + "\" has no host");
  if (!url.host.empty() && url.host.front() == '[')
    url.host = url.host.substr(1, url.host.size() - 2);
  url.port = u.has_port() ? std::string(u.port()) : url.scheme == "https" ? "443" : "80";
  url.target = std::string(u.encoded_target());
  if (url.target.empty()) url.target = "/";
  if (u.has_userinfo()) {
    throw std::invalid_argument("\"" + text +
                                "\": a user name or password in the URL would end up in logs; "
                                "leave it out");
  }
  return url;
}

std::string resolve_url(const std::string& base, const std::string& relative) {
  auto b = boost::urls::parse_uri(base);
  auto r = boost::urls::parse_uri_reference(relative);
  if (!b || !r) throw std::invalid_argument("cannot resolve \"" + relative + "\" against " + base);
  boost::urls::url out;
  const auto rc = boost::urls::resolve(*b, *r, out);
  if (!rc) throw std::invalid_argument("cannot resolve \"" + relative + "\" against " + base);
  return std::string(out.buffer());
}

std::string HttpResponse::describe() const {
  if (!error.empty()) return error;
  return "HTTP " + std::to_string(status);
}

namespace {

class Call : public HttpCall, public std::enable_shared_from_this<Call> {
 public:
  Call(boost::asio::io_context& io, HttpRequest request, Url url,
       std::function<void(HttpResponse)> done)
      : resolver_(io),
        pace_timer_(io),
        request_(std::move(request)),
        url_(std::move(url)),
        done_(std::move(done)) {
    if (url_.scheme == "https") {
      tls_context_ = std::make_shared<ssl::context>(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(tls_context_->native_handle(), TLS1_2_VERSION);
      if (request_.ca_file.empty()) {
        tls_context_->set_default_verify_paths();
      } else {
        tls_context_->load_verify_file(request_.ca_file);  // throws: unreadable CA file
      }
      tls_context_->set_verify_mode(ssl::verify_peer);
      tls_.emplace(io, *tls_context_);
    } else {
      plain_.emplace(io);
    }
  }

  void start() {
    req_.method(request_.method);
    req_.target(url_.target);
    req_.version(11);
    const bool default_port = url_.port == (url_.scheme == "https" ? "443" : "80");
    req_.set(http::field::host, default_port ? url_.host : url_.host + ":" + url_.port);
    req_.set(http::field::user_agent, "loaxad");
    req_.set(http::field::connection, "close");
    if (!request_.content_type.empty()) req_.set(http::field::content_type, request_.content_type);
    for (const auto& [k, v] : request_.headers) req_.set(k, v);
    req_.body() = std::move(request_.body);
    req_.prepare_payload();
    parser_.body_limit(boost::none);  // counted as it arrives

    tcp().expires_after(request_.timeout);
    auto self = shared_from_this();
    resolver_.async_resolve(
        url_.host, url_.port, [self](beast::error_code ec, const tcp::resolver::results_type& r) {
          if (self->cancelled_) return;
          if (ec) return self->fail("cannot resolve " + self->url_.host, ec);
          self->tcp().async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
            if (!self->cancelled_) self->on_tcp(ec2);
          });
        });
  }

  // After cancel() nothing of the request's is called again: not done, not on_headers,
  // not the sink, not pace, even for a read that had already completed and waits in the
  // loop's queue (every handler checks cancelled_ first).
  void cancel() override {
    cancelled_ = true;
    done_ = nullptr;
    resolver_.cancel();
    pace_timer_.cancel();
    beast::error_code ignored;
    tcp().socket().close(ignored);
  }

 private:
  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  // Runs f on the stream the request speaks over: TLS or plain TCP.
  template <class F>
  void on_stream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }

  void on_tcp(beast::error_code ec) {
    if (ec) return fail("cannot connect to " + url_.host + ":" + url_.port, ec);
    if (!tls_) return on_connect({});
    // SNI, and the certificate must name the host (an IP address in a URL: its IP SAN).
    SSL* ssl = tls_->native_handle();
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(url_.host, not_ip);
    if (not_ip) {
      SSL_set_tlsext_host_name(ssl, url_.host.c_str());
      SSL_set1_host(ssl, url_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str());
    }
    if (request_.sink) tcp().expires_after(request_.timeout);
    auto self = shared_from_this();
    tls_->async_handshake(ssl::stream_base::client, [self](beast::error_code ec2) {
      if (self->cancelled_) return;
      if (ec2) {
        const long verify = SSL_get_verify_result(self->tls_->native_handle());
        std::string why = ec2.message();
        if (verify != X509_V_OK) why = X509_verify_cert_error_string(verify);
        HttpResponse r;
        r.error = "TLS with " + self->url_.host + ":" + self->url_.port + " failed: " + why +
                  (self->request_.ca_file.empty() ? " (system CA store)"
                                                  : " (CA file " + self->request_.ca_file + ")");
        return self->finish(std::move(r));
      }
      self->on_connect({});
    });
  }

  void on_connect(beast::error_code) {
    auto self = shared_from_this();
    if (request_.sink) tcp().expires_after(request_.timeout);
    on_stream([&](auto& stream) {
      http::async_write(stream, req_, [self](beast::error_code ec2, std::size_t) {
        if (self->cancelled_) return;
        if (ec2) return self->fail("sending the request failed", ec2);
        if (self->request_.sink) self->tcp().expires_after(self->request_.timeout);
        self->on_stream([&](auto& s) {
          http::async_read_header(s, self->buffer_, self->parser_,
                                  [self](beast::error_code ec3, std::size_t) {
                                    if (!self->cancelled_) self->on_header(ec3);
                                  });
        });
      });
    });
  }

  void on_header(beast::error_code ec) {
    if (ec) return fail("reading the response failed", ec);
    response_.status = parser_.get().result_int();
    for (const auto& f : parser_.get()) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response_.headers[name] = std::string(f.value());
    }
    // A redirect is followed by async_http, not shown to on_headers or the sink.
    const unsigned st = response_.status;
    if ((st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
        response_.headers.count("location")) {
      return close_and_finish();
    }
    if (request_.on_headers && !request_.on_headers(response_.status, response_.headers)) {
      return close_and_finish();
    }
    if (cancelled_) return;  // on_headers cancelled it
    read_body();
  }

  void read_body() {
    if (parser_.is_done()) return close_and_finish();
    parser_.get().body().data = chunk_;
    parser_.get().body().size = sizeof chunk_;
    if (request_.sink) tcp().expires_after(request_.timeout);
    auto self = shared_from_this();
    on_stream([&](auto& stream) {
      http::async_read_some(stream, buffer_, parser_, [self](beast::error_code ec, std::size_t) {
        if (self->cancelled_) return;  // a read that completed after cancel() delivers nothing
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return self->fail("reading the response failed", ec);
        const std::size_t n = sizeof self->chunk_ - self->parser_.get().body().size;
        const std::string_view piece(self->chunk_, n);
        if (self->request_.sink) {
          if (n > 0 && !self->request_.sink(piece)) return self->close_and_finish();
          if (self->cancelled_) return;  // the sink cancelled it
        } else {
          if (self->response_.body.size() + n > self->request_.body_limit) {
            HttpResponse r;
            r.error =
                "the answer is larger than " + std::to_string(self->request_.body_limit) + " bytes";
            return self->finish(std::move(r));
          }
          self->response_.body.append(piece);
        }
        const auto delay =
            self->request_.pace ? self->request_.pace(n) : std::chrono::milliseconds(0);
        if (self->cancelled_) return;  // pace cancelled it
        if (delay.count() <= 0) return self->read_body();
        self->pace_timer_.expires_after(delay);
        self->pace_timer_.async_wait([self](const beast::error_code& e) {
          if (!e && !self->cancelled_) self->read_body();
        });
      });
    });
  }

  void close_and_finish() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
    finish(std::move(response_));
  }

  void fail(const std::string& what, beast::error_code ec) {
    HttpResponse r;
    r.error = what + ": " +
              (ec == beast::error::timeout
                   ? "no answer within " + std::to_string(request_.timeout.count()) + " ms"
                   : ec.message());
    finish(std::move(r));
  }

  void finish(HttpResponse r) {
    if (cancelled_ || !done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(r));
  }

  tcp::resolver resolver_;
  boost::asio::steady_timer pace_timer_;
  std::shared_ptr<ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  HttpRequest request_;
  Url url_;
  http::request<http::string_body> req_;
  http::response_parser<http::buffer_body> parser_;
  HttpResponse response_;
  char chunk_[64 * 1024]{};
  std::function<void(HttpResponse)> done_;
  bool cancelled_ = false;
};

// Follows redirects (at most HttpRequest::max_redirects, never from https to http),
// each hop a new Call; cancel() reaches whichever hop is in flight.
class Chain : public HttpCall, public std::enable_shared_from_this<Chain> {
 public:
  Chain(boost::asio::io_context& io, HttpRequest request, std::function<void(HttpResponse)> done)
      : io_(io), request_(std::move(request)), done_(std::move(done)) {}

  void start(const std::string& url) {
    Url parsed = parse_http_url(url);
    if (parsed.scheme == "https" && !request_.ca_file.empty() &&
        !std::filesystem::exists(request_.ca_file)) {
      throw std::invalid_argument("CA file " + request_.ca_file + " does not exist");
    }
    HttpRequest hop = request_;
    hop.url = url;
    auto self = shared_from_this();
    current_ =
        std::make_shared<Call>(io_, std::move(hop), std::move(parsed),
                               [self, url](HttpResponse r) { self->on_done(url, std::move(r)); });
    current_->start();
  }

  void cancel() override {
    cancelled_ = true;
    done_ = nullptr;
    if (current_) current_->cancel();
  }

 private:
  void on_done(const std::string& url, HttpResponse r) {
    if (cancelled_ || !done_) return;
    const unsigned st = r.status;
    if (r.error.empty() && (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
        r.headers.count("location")) {
      if (++hops_ > request_.max_redirects) {
        r.error = "more than " + std::to_string(request_.max_redirects) + " redirects from " +
                  request_.url;
        return finish(std::move(r));
      }
      try {
        const std::string next = resolve_url(url, r.headers.at("location"));
        if (url.starts_with("https://") && !next.starts_with("https://")) {
          throw std::invalid_argument("a redirect from https to " + next + " is refused");
        }
        if (st == 303) {
          request_.method = http::verb::get;
          request_.body.clear();
        }
        return start(next);
      } catch (const std::exception& e) {
        r.error = std::string("redirect: ") + e.what();
      }
    }
    r.url = url;
    finish(std::move(r));
  }

  void finish(HttpResponse r) {
    auto done = std::move(done_);
    done_ = nullptr;
    current_.reset();
    if (done) {
      guarded("sync", [&] {
        inject_fault("download");
        done(std::move(r));
      });
    }
  }

  boost::asio::io_context& io_;
  HttpRequest request_;
  std::function<void(HttpResponse)> done_;
  std::shared_ptr<Call> current_;
  int hops_ = 0;
  bool cancelled_ = false;
};

}  // namespace

std::shared_ptr<HttpCall> async_http(boost::asio::io_context& io, HttpRequest request,
                                     std::function<void(HttpResponse)> done) {
  const std::string url = request.url;
  auto chain = std::make_shared<Chain>(io, std::move(request), std::move(done));
  chain->start(url);
  return chain;
}

std::string gunzip(std::string_view data, std::size_t limit) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("zlib cannot start");
  std::string out;
  char buf[64 * 1024];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      throw std::runtime_error("the gzip data is corrupt at byte " + std::to_string(z.total_in));
    }
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > limit) {
      inflateEnd(&z);
      throw std::runtime_error("unzips to more than " + std::to_string(limit) + " bytes");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      throw std::runtime_error("the gzip data ends early");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace loaxa::sync
