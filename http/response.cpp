// Request and response helpers shared by every route: JSON and error answers, the
// mapping of the program's exceptions to HTTP statuses, static assets, URL decoding.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>

#include "common/errors.hpp"
#include "http/server.hpp"

namespace loaxa::api {

Response error_response(int status, const std::string& code, const std::string& message) {
  boost::json::value v = {{"error", {{"code", code}, {"message", message}}}};
  return Response{status, "application/json; charset=utf-8", boost::json::serialize(v) + "\n"};
}

Response json_response(const std::string& body, int status) {
  return Response{status, "application/json; charset=utf-8", body};
}

Response error_answer(const std::exception& e) {
  if (dynamic_cast<const NotFound*>(&e)) return error_response(404, "not_found", e.what());
  if (dynamic_cast<const Refused*>(&e)) return error_response(409, "refused", e.what());
  if (dynamic_cast<const Forbidden*>(&e)) return error_response(403, "forbidden", e.what());
  if (dynamic_cast<const Unauthenticated*>(&e)) {
    return error_response(401, "unauthenticated", e.what());
  }
  if (dynamic_cast<const Unavailable*>(&e)) {
    Response r = error_response(503, "unavailable", e.what());
    r.retry_after_s = 10;
    return r;
  }
  if (dynamic_cast<const std::invalid_argument*>(&e)) {
    return error_response(400, "bad_input", e.what());
  }
  return error_response(500, "internal",
                        std::string("could not do it: ") + e.what() + " (the log says more)");
}

std::optional<boost::json::object> object_body(const Request& r, Response& error,
                                               const std::string& example) {
  boost::system::error_code ec;
  const auto body = boost::json::parse(r.body, ec);
  if (ec || !body.is_object()) {
    error = error_response(400, "bad_body",
                           "the body must be a JSON object such as " + example +
                               (ec ? " (" + ec.message() + ")" : ""));
    return std::nullopt;
  }
  return body.as_object();
}

Response asset_response(const std::string& path, std::optional<std::string_view> bytes) {
  if (!bytes) return error_response(404, "not_found", "no such page: " + path);
  std::string type = "application/octet-stream";
  if (path.ends_with(".html")) type = "text/html; charset=utf-8";
  if (path.ends_with(".js")) type = "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) type = "text/css; charset=utf-8";
  if (path.ends_with(".svg")) type = "image/svg+xml";
  return Response{200, type, std::string(*bytes)};
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

std::optional<Response> parse_target(std::string_view target, Request& r) {
  const auto q = target.find('?');
  if (!url_decode(target.substr(0, q), r.path)) {
    return error_response(400, "bad_request", "malformed percent-escape in the path");
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
        return error_response(400, "bad_request", "malformed percent-escape in the query");
      }
      if (!key.empty()) r.query[key] = value;
      query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    }
  }
  return std::nullopt;
}

}  // namespace loaxa::api
