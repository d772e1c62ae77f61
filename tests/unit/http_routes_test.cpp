// The HTTP server's two shared rules: a route table registers each line with its role,
// and what a handler throws becomes one answer per kind of error.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <stdexcept>

#include "common/errors.hpp"
#include "http/server.hpp"

namespace loaxa::api {
namespace {

struct Counter {
  int calls = 0;
};

Response count(Counter& c, const Request& r) {
  ++c.calls;
  return json_response("{\"id\": \"" + (r.params.count("id") ? r.params.at("id") : "") + "\"}");
}

Response fail_not_found(Counter&, const Request&) { throw NotFound("no media \"x\""); }

constexpr RouteRow<Counter> kTable[] = {
    {"GET", "/api/v1/things/{id}", Role::viewer, count},
    {"POST", "/api/v1/things", Role::admin, count},
    {"GET", "/api/v1/missing", Role::none, fail_not_found},
};

Request request(const std::string& method, const std::string& path) {
  Request r;
  r.method = method;
  r.path = path;
  return r;
}

TEST(HttpRoutes, EachLineOfATableIsRoutedWithItsRole) {
  boost::asio::io_context io;
  HttpServer server(io);
  Counter counter;
  server.routes(counter, kTable);
  EXPECT_EQ(server.role_of(request("GET", "/api/v1/things/a")), Role::viewer);
  EXPECT_EQ(server.role_of(request("POST", "/api/v1/things")), Role::admin);
  EXPECT_EQ(server.role_of(request("DELETE", "/api/v1/things/a")), Role::none);  // no route
  server.set_authenticator([](const std::string&) {
    Principal p;
    p.name = "tinh";
    p.role = Role::admin;
    return std::optional<Principal>(p);
  });
  const auto answer = server.dispatch(request("GET", "/api/v1/things/loa-1"));
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "{\"id\": \"loa-1\"}");
  EXPECT_EQ(counter.calls, 1);  // the table's function ran with the context it was given
}

TEST(HttpRoutes, WhatAHandlerThrowsIsAnsweredByItsKind) {
  EXPECT_EQ(error_answer(NotFound("no media \"x\"")).status, 404);
  EXPECT_EQ(error_answer(Refused("on air now")).status, 409);
  EXPECT_EQ(error_answer(std::invalid_argument("start: not a date")).status, 400);
  const auto internal = error_answer(std::runtime_error("disk I/O error"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_NE(internal.body.find("disk I/O error"), std::string::npos) << internal.body;
  EXPECT_NE(error_answer(Refused("on air now")).body.find("\"refused\""), std::string::npos);
}

}  // namespace
}  // namespace loaxa::api
