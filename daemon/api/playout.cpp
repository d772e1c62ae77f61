// What an operator does on air: play something now on a channel, stop it, start and stop
// an emergency on every channel, and set the line kiosk screens scroll.

#include <boost/json.hpp>

#include "daemon/api/routes.hpp"

namespace loaxa {
namespace {

using api::error_response;
using api::object_body;
using api::Request;
using api::Response;
using api::Role;

// Reads body.content ("media id", "playlist id", "http://...", or body.live = true).
std::optional<std::string> content_of(const boost::json::object& body, Response& error) {
  const auto* live = body.if_contains("live");
  if (live && live->is_bool() && live->as_bool()) return std::string("live");
  const auto* content = body.if_contains("content");
  if (!content || !content->is_string() || content->as_string().empty()) {
    error = error_response(400, "bad_body",
                           "body.content: give a media id, a playlist id or an http(s):// URL "
                           "(or \"live\": true for the channel's live input)");
    return std::nullopt;
  }
  return std::string(content->as_string());
}

Response started(const Controller::ManualStart& m) {
  boost::json::array ids;
  for (const auto& id : m.ids) ids.push_back(boost::json::string(id));
  boost::json::object out{{"schedules", ids}, {"start", m.start}, {"kind", m.kind}};
  return api::json_response(boost::json::serialize(out) + "\n", 201);
}

Response play(ApiContext& api, const Request& r) {
  Response error;
  const auto body = object_body(r, error, "{\"content\": \"ban-tin-sang\"} or {\"live\": true}");
  if (!body) return error;
  const auto content = content_of(*body, error);
  if (!content) return error;
  const auto m = api.controller.start_manual({r.params.at("c")}, *content, false, 1, "", r.who);
  api.store.access().audit(r.who, r.remote, "play",
                           r.params.at("c") + ": " + *content + " at " + m.start);
  return started(m);
}

Response stop(ApiContext& api, const Request& r) {
  const int n = api.controller.stop_manual(r.params.at("c"), false);
  api.store.access().audit(r.who, r.remote, "stop", r.params.at("c"));
  boost::json::object out{{"channel", r.params.at("c")}, {"stopped", n}};
  return api::json_response(boost::json::serialize(out) + "\n");
}

Response start_emergency(ApiContext& api, const Request& r) {
  Response error;
  const auto body =
      object_body(r, error,
                  "{\"content\": \"canh-bao-bao\", \"channels\": [\"loudspeaker\"], \"repeat\": 3, "
                  "\"text\": \"...\"}");
  if (!body) return error;
  const auto content = content_of(*body, error);
  if (!content) return error;
  std::vector<std::string> channels;
  if (const auto* c = body->if_contains("channels")) {
    if (!c->is_array()) return error_response(400, "bad_body", "body.channels: a list of names");
    for (const auto& v : c->as_array()) {
      if (!v.is_string()) return error_response(400, "bad_body", "body.channels: a list of names");
      channels.emplace_back(v.as_string());
    }
  }
  int repeat = 1;
  if (const auto* v = body->if_contains("repeat")) {
    if (!v->is_int64()) return error_response(400, "bad_body", "body.repeat: a whole number");
    repeat = static_cast<int>(std::clamp<std::int64_t>(v->as_int64(), -1, 1000));
  }
  std::string text;
  if (const auto* v = body->if_contains("text")) {
    if (!v->is_string()) return error_response(400, "bad_body", "body.text: a string");
    text = std::string(v->as_string());
  }
  const auto m = api.controller.start_manual(channels, *content, true, repeat, text, r.who);
  api.store.access().audit(r.who, r.remote, "emergency.start",
                           *content + " at " + m.start + (text.empty() ? "" : ": " + text));
  return started(m);
}

Response stop_emergency(ApiContext& api, const Request& r) {
  const int n = api.controller.stop_manual("", true);
  api.store.access().audit(r.who, r.remote, "emergency.stop", std::to_string(n) + " stopped");
  boost::json::object out{{"stopped", n}};
  return api::json_response(boost::json::serialize(out) + "\n");
}

// The line kiosk screens scroll: {text, until?, channel?}; DELETE removes it.
Response set_ticker(ApiContext& api, const Request& r) {
  Response error;
  const auto body =
      object_body(r, error,
                  "{\"text\": \"Tiếp nhận hồ sơ trực tuyến tại dichvucong.gov.vn\", \"until\": "
                  "\"2022-07-01T17:00:00+07:00\", \"channel\": \"kiosk\"}");
  if (!body) return error;
  std::string fields[2];  // text, channel
  const char* names[2] = {"text", "channel"};
  for (int i = 0; i < 2; ++i) {
    if (const auto* v = body->if_contains(names[i])) {
      if (!v->is_string()) {
        return error_response(400, "bad_body", std::string("body.") + names[i] + ": a string");
      }
      fields[i] = std::string(v->as_string());
    }
  }
  if (fields[0].empty()) {
    return error_response(400, "bad_body",
                          "body.text: the words to scroll (DELETE /api/v1/ticker removes it)");
  }
  std::optional<scheduler::Instant> until;
  std::string until_text;
  if (const auto* v = body->if_contains("until")) {
    try {
      if (!v->is_string()) throw std::invalid_argument("");
      until_text = std::string(v->as_string());
      until = scheduler::parse_iso_instant(until_text, api.controller.zone());
    } catch (const std::exception&) {
      return error_response(400, "bad_body",
                            "body.until: an ISO-8601 time such as \"2022-07-01T17:00:00+07:00\"");
    }
  }
  api.controller.set_ticker(fields[1], fields[0], until, r.who);
  api.store.access().audit(r.who, r.remote, "ticker.set",
                           fields[0] + (until_text.empty() ? "" : " until " + until_text));
  boost::json::object out{{"text", fields[0]}, {"channel", fields[1]}, {"until", until_text}};
  return api::json_response(boost::json::serialize(out) + "\n");
}

Response remove_ticker(ApiContext& api, const Request& r) {
  api.controller.set_ticker("", "", std::nullopt, r.who);
  api.store.access().audit(r.who, r.remote, "ticker.remove", "");
  return api::json_response("{\"text\":\"\"}\n");
}

constexpr Route kPlayoutRoutes[] = {
    {"POST", "/api/v1/channels/{c}/play", Role::operator_, play},
    {"POST", "/api/v1/channels/{c}/stop", Role::operator_, stop},
    {"POST", "/api/v1/emergency", Role::operator_, start_emergency},
    {"DELETE", "/api/v1/emergency", Role::operator_, stop_emergency},
    {"POST", "/api/v1/ticker", Role::operator_, set_ticker},
    {"DELETE", "/api/v1/ticker", Role::operator_, remove_ticker},
};

}  // namespace

void add_playout_routes(ApiContext& api) {
  api.server.routes(api, kPlayoutRoutes);
}

}  // namespace loaxa
