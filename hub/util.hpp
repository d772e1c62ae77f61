// Small helpers the hub's API files share: a JSON reply, a query parameter, the wall
// clock in milliseconds.
#pragma once

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "http/server.hpp"

namespace loaxa::hub {

// `v` as the body of a JSON reply (one line, newline-terminated).
inline api::Response ok(const boost::json::value& v, int status = 200) {
  return api::json_response(boost::json::serialize(v) + "\n", status);
}

// The query parameter `key`, or "" when the request has none.
inline std::string query(const api::Request& r, const std::string& key) {
  const auto it = r.query.find(key);
  return it == r.query.end() ? std::string() : it->second;
}

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace loaxa::hub
