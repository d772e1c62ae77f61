// libFuzzer: HTTP request handling as a session does it: Beast's parser with the
// server's limits, then the target's path and query decoded, the bearer token
// authenticated, the role checked and the route (with {name} parameters) dispatched.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>

#include "http/server.hpp"

namespace {

namespace http = boost::beast::http;
using loaxa::api::Request;
using loaxa::api::Response;
using loaxa::api::Role;

loaxa::api::HttpServer& server() {
  static boost::asio::io_context io;
  static auto s = [] {
    auto srv = std::make_unique<loaxa::api::HttpServer>(io);
    srv->set_authenticator([](const std::string& token) -> std::optional<loaxa::api::Principal> {
      if (token == "viewer") return loaxa::api::Principal{"v", Role::viewer, ""};
      if (token == "admin") return loaxa::api::Principal{"a", Role::admin, ""};
      return std::nullopt;
    });
    const auto echo = [](const Request& r) {
      std::string out = r.path;
      for (const auto& [k, v] : r.params) out += k + "=" + v;
      for (const auto& [k, v] : r.query) out += k + "=" + v;
      return Response{200, "text/plain", out};
    };
    srv->route("GET", "/api/v1/status", Role::viewer, echo);
    srv->route("POST", "/api/v1/channels/{c}/play", Role::operator_, [](const Request& r) {
      Response error;
      if (!loaxa::api::object_body(r, error, "{}")) return error;
      return Response{201, "application/json", "{}"};
    });
    srv->route("DELETE", "/api/v1/tokens/{name}", Role::admin, echo);
    srv->route("GET", "/healthz", Role::none, echo);
    return srv;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& srv = server();
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(srv.limits().max_header_bytes));
  parser.body_limit(srv.limits().max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& req = parser.get();
  Request r;
  r.method = std::string(req.method_string());
  r.remote = "192.0.2.1";
  if (loaxa::api::parse_target(req.target(), r)) return 0;
  if (auto it = req.find(http::field::authorization); it != req.end()) {
    r.authorization = std::string(it->value());
  }
  r.body = req.body();
  try {
    (void)srv.dispatch(r);
  } catch (const std::exception&) {
  }
  return 0;
}
