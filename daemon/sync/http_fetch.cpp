#include "daemon/sync/http_fetch.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <optional>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <stdexcept>

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
  auto r = boost::urls::parse_relative_ref(relative);
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
      : resolver_(io), request_(std::move(request)), url_(std::move(url)), done_(std::move(done)) {
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
          if (ec) return self->fail("cannot resolve " + self->url_.host, ec);
          self->tcp().async_connect(
              r, [self](beast::error_code ec2, const tcp::endpoint&) { self->on_tcp(ec2); });
        });
  }

  void cancel() override {
    done_ = nullptr;
    resolver_.cancel();
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
        if (ec2) return self->fail("sending the request failed", ec2);
        if (self->request_.sink) self->tcp().expires_after(self->request_.timeout);
        self->on_stream([&](auto& s) {
          http::async_read_header(s, self->buffer_, self->parser_,
                                  [self](beast::error_code ec3, std::size_t) { self->on_header(ec3); });
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
    if (request_.on_headers && !request_.on_headers(response_.status, response_.headers)) {
      return close_and_finish();
    }
    read_body();
  }

  void read_body() {
    if (parser_.is_done()) return close_and_finish();
    parser_.get().body().data = chunk_;
    parser_.get().body().size = sizeof chunk_;
    if (request_.sink) tcp().expires_after(request_.timeout);
    auto self = shared_from_this();
    on_stream([&](auto& stream) { http::async_read_some(stream, buffer_, parser_, [self](beast::error_code ec, std::size_t) {
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return self->fail("reading the response failed", ec);
      const std::size_t n = sizeof self->chunk_ - self->parser_.get().body().size;
      const std::string_view piece(self->chunk_, n);
      if (self->request_.sink) {
        if (n > 0 && !self->request_.sink(piece)) return self->close_and_finish();
      } else {
        if (self->response_.body.size() + n > self->request_.body_limit) {
          HttpResponse r;
          r.error = "the answer is larger than " + std::to_string(self->request_.body_limit) +
                    " bytes";
          return self->finish(std::move(r));
        }
        self->response_.body.append(piece);
      }
      self->read_body();
    }); });
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
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(r));
  }

  tcp::resolver resolver_;
  std::shared_ptr<ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  HttpRequest request_;
  Url url_;
  http::request<http::string_body> req_;
  http::response_parser<http::buffer_body> parser_;
  HttpResponse response_;
  char chunk_[64 * 1024];
  std::function<void(HttpResponse)> done_;
};

}  // namespace

std::shared_ptr<HttpCall> async_http(boost::asio::io_context& io, HttpRequest request,
                                     std::function<void(HttpResponse)> done) {
  Url url = parse_http_url(request.url);
  if (url.scheme == "https" && !request.ca_file.empty() && !std::filesystem::exists(request.ca_file)) {
    throw std::invalid_argument("CA file " + request.ca_file + " does not exist");
  }
  auto call = std::make_shared<Call>(io, std::move(request), std::move(url), std::move(done));
  call->start();
  return call;
}

}  // namespace loaxa::sync
