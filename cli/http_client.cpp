#include "cli/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace loaxa::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string url_escape(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

HttpResult http_request(http::verb method, const std::string& base_url, const std::string& target,
                        const std::string& token, const BodySink& sink,
                        const std::string& json_body = "", const std::string& upload = "") {
  const std::string prefix = "http://";
  if (!base_url.starts_with(prefix)) {
    throw std::runtime_error("--url " + base_url + ": only http://HOST:PORT is supported");
  }
  std::string rest = base_url.substr(prefix.size());
  std::string path_prefix;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    path_prefix = rest.substr(slash);
    rest.resize(slash);
  }
  while (!path_prefix.empty() && path_prefix.back() == '/') path_prefix.pop_back();
  std::string host = rest, port = "80";
  if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.back() != ']') {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);

  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(30));
  beast::error_code ec;
  const auto endpoints = resolver.resolve(host, port, ec);
  if (!ec) stream.connect(endpoints, ec);
  if (ec) {
    throw std::runtime_error("cannot reach loaxad at " + base_url + ": " + ec.message() +
                             " (is it running? set --url or LOAXA_URL)");
  }
  auto headers = [&](auto& req) {
    req.set(http::field::host, rest);
    req.set(http::field::user_agent, "loaxa-cli");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.prepare_payload();
  };
  if (!upload.empty()) {
    // A file goes as the raw body, read from disk as it is sent.
    http::request<http::file_body> req{method, path_prefix + target, 11};
    req.body().open(upload.c_str(), beast::file_mode::scan, ec);
    if (ec) throw std::runtime_error("cannot read " + upload + ": " + ec.message());
    req.set(http::field::content_type, "application/octet-stream");
    headers(req);
    stream.expires_after(std::chrono::minutes(10));
    http::write(stream, req, ec);
    // The box may refuse before taking the body (role, size): its answer is there.
    if (ec == boost::asio::error::broken_pipe || ec == boost::asio::error::connection_reset) {
      ec = {};
    }
  } else {
    http::request<http::string_body> req{method, path_prefix + target, 11};
    if (!json_body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = json_body;
    }
    headers(req);
    http::write(stream, req, ec);
  }
  stream.expires_after(std::chrono::minutes(2));  // ingest probes and measures the file
  // Read piecewise: a 2xx body goes to `sink` as it arrives (constant memory for
  // exports); anything else is kept for the error message.
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (!ec) http::read_header(stream, buffer, parser, ec);
  if (ec) throw std::runtime_error("request to " + base_url + target + " failed: " + ec.message());
  HttpResult out;
  out.status = static_cast<int>(parser.get().result_int());
  out.content_type = std::string(parser.get()[http::field::content_type]);
  const bool to_sink = sink && out.status >= 200 && out.status < 300;
  std::vector<char> chunk(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    stream.expires_after(std::chrono::seconds(30));
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      throw std::runtime_error("reading the answer from " + base_url + target +
                               " failed: " + ec.message() + " (the output is incomplete)");
    }
    const std::size_t got = chunk.size() - parser.get().body().size;
    if (to_sink) {
      sink(std::string_view(chunk.data(), got));
    } else {
      out.body.append(chunk.data(), got);
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

}  // namespace

HttpResult http_get(const std::string& base_url, const std::string& target,
                    const std::string& token, const BodySink& sink) {
  return http_request(http::verb::get, base_url, target, token, sink);
}

HttpResult http_post(const std::string& base_url, const std::string& target,
                     const std::string& token, const std::string& json_body) {
  return http_request(http::verb::post, base_url, target, token, nullptr, json_body);
}

HttpResult http_put_file(const std::string& base_url, const std::string& target,
                         const std::string& token, const std::string& file) {
  return http_request(http::verb::put, base_url, target, token, nullptr, "", file);
}

HttpResult http_delete(const std::string& base_url, const std::string& target,
                       const std::string& token) {
  return http_request(http::verb::delete_, base_url, target, token, nullptr);
}

std::string error_message(const HttpResult& r) {
  try {
    return boost::json::value_to<std::string>(boost::json::parse(r.body).at("error").at("message"));
  } catch (const std::exception&) {
    return r.body;
  }
}

int report_failure(const HttpResult& r) {
  std::cerr << "loaxa: " << error_message(r) << "\n";
  const int s = r.status;
  return s == 400 || s == 404 || s == 409 || s == 413 || s == 422 ? 2 : 1;
}

}  // namespace loaxa::cli
