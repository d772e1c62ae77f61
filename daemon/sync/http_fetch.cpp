#include "daemon/sync/http_fetch.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <stdexcept>

namespace loaxa::sync {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Url parse_http_url(const std::string& text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    throw std::invalid_argument("\"" + text + "\" is not an absolute URL (" +
                                parsed.error().message() + ")");
  }
  const auto& u = *parsed;
  Url url;
  url.scheme = std::string(u.scheme());
  if (url.scheme == "https") {
    throw std::invalid_argument("\"" + text +
                                "\": https:// is not supported yet; use http:// on a trusted "
                                "network or a local TLS proxy");
  }
  if (url.scheme != "http") {
    throw std::invalid_argument("\"" + text + "\" must start with http://");
  }
  url.host = std::string(u.encoded_host_address());
  if (url.host.empty()) throw std::invalid_argument("\"" + text + "\" has no host");
  if (!url.host.empty() && url.host.front() == '[')
    url.host = url.host.substr(1, url.host.size() - 2);
  url.port = u.has_port() ? std::string(u.port()) : "80";
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
      : resolver_(io),
        stream_(io),
        request_(std::move(request)),
        url_(std::move(url)),
        done_(std::move(done)) {}

  void start() {
    req_.method(request_.method);
    req_.target(url_.target);
    req_.version(11);
    req_.set(http::field::host, url_.port == "80" ? url_.host : url_.host + ":" + url_.port);
    req_.set(http::field::user_agent, "loaxad");
    req_.set(http::field::connection, "close");
    if (!request_.content_type.empty()) req_.set(http::field::content_type, request_.content_type);
    for (const auto& [k, v] : request_.headers) req_.set(k, v);
    req_.body() = std::move(request_.body);
    req_.prepare_payload();
    parser_.body_limit(boost::none);  // counted as it arrives

    stream_.expires_after(request_.timeout);
    auto self = shared_from_this();
    resolver_.async_resolve(
        url_.host, url_.port, [self](beast::error_code ec, const tcp::resolver::results_type& r) {
          if (ec) return self->fail("cannot resolve " + self->url_.host, ec);
          self->stream_.async_connect(
              r, [self](beast::error_code ec2, const tcp::endpoint&) { self->on_connect(ec2); });
        });
  }

  void cancel() override {
    done_ = nullptr;
    resolver_.cancel();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void on_connect(beast::error_code ec) {
    if (ec) return fail("cannot connect to " + url_.host + ":" + url_.port, ec);
    auto self = shared_from_this();
    if (request_.sink) stream_.expires_after(request_.timeout);
    http::async_write(stream_, req_, [self](beast::error_code ec2, std::size_t) {
      if (ec2) return self->fail("sending the request failed", ec2);
      if (self->request_.sink) self->stream_.expires_after(self->request_.timeout);
      http::async_read_header(self->stream_, self->buffer_, self->parser_,
                              [self](beast::error_code ec3, std::size_t) { self->on_header(ec3); });
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
    if (request_.sink) stream_.expires_after(request_.timeout);
    auto self = shared_from_this();
    http::async_read_some(stream_, buffer_, parser_, [self](beast::error_code ec, std::size_t) {
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
    });
  }

  void close_and_finish() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
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
  beast::tcp_stream stream_;
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
  auto call = std::make_shared<Call>(io, std::move(request), std::move(url), std::move(done));
  call->start();
  return call;
}

}  // namespace loaxa::sync
