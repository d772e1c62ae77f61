// The province's side of the box: how the sync goes (and a poll now), the inbox of
// normal-level bulletins the commune accepts (perhaps at its own time) or rejects, and
// the order the commune chooses when a province bulletin meets one of its own.

#include <boost/json.hpp>

#include "daemon/api/routes.hpp"

namespace loaxa {
namespace {

using api::error_response;
using api::Request;
using api::Response;
using api::Role;

Response no_sync() {
  return error_response(404, "sync_not_configured",
                        "province sync is not configured on this box ([sync] url and "
                        "public_keys in the config)");
}

Response sync_status(ApiContext& api, const Request&) {
  if (!api.sync) return no_sync();
  return api::json_response(boost::json::serialize(api.sync->status()) + "\n");
}

Response poll_now(ApiContext& api, const Request&) {
  if (!api.sync) return no_sync();
  api.sync->poll_now();
  auto out = api.sync->status();
  out["poll"] = "started";
  return api::json_response(boost::json::serialize(out) + "\n", 202);
}

Response inbox(ApiContext& api, const Request&) {
  return api::json_response(boost::json::serialize(api.controller.inbox()) + "\n");
}

// Accepts or rejects a bulletin; an accepted one may take the commune's own start and
// rule: {"start": "2022-07-01T06:00:00", "rrule": "FREQ=DAILY"}.
Response decide(ApiContext& api, const Request& r, bool accept) {
  std::optional<std::string> start, rrule;
  if (!r.body.empty()) {
    boost::system::error_code ec;
    const auto body = boost::json::parse(r.body, ec);
    if (ec || !body.is_object()) {
      return error_response(400, "bad_body",
                            "the body must be a JSON object such as "
                            "{\"start\": \"2022-07-01T06:00:00\", \"rrule\": \"FREQ=DAILY\"}");
    }
    for (const auto& [key, value] : body.as_object()) {
      if ((key != "start" && key != "rrule") || !value.is_string()) {
        return error_response(
            400, "bad_body",
            "body." + std::string(key) + ": only \"start\" and \"rrule\" (strings) are accepted");
      }
      (key == "start" ? start : rrule) = std::string(value.as_string());
    }
  }
  const std::string& id = r.params.at("id");
  api.controller.decide(id, accept, start, rrule, r.who);
  api.store.access().audit(r.who, r.remote, accept ? "inbox.accept" : "inbox.reject", id);
  for (const auto& entry : api.controller.inbox()) {
    if (entry.at("id").as_string() == id) {
      return api::json_response(boost::json::serialize(entry) + "\n");
    }
  }
  return api::json_response("{}\n");
}

Response accept(ApiContext& api, const Request& r) {
  return decide(api, r, true);
}
Response reject(ApiContext& api, const Request& r) {
  return decide(api, r, false);
}

Response clashes(ApiContext& api, const Request&) {
  return api::json_response(boost::json::serialize(api.controller.clashes()) + "\n");
}

// {"province": id, "local": id, "first": "local" | "province"}: the commune's order when
// that province bulletin and its own schedule meet.
Response order_clash(ApiContext& api, const Request& r) {
  Response error;
  const auto body = api::object_body(
      r, error, R"({"province": "ban-tin-tinh", "local": "tin-xa-sang", "first": "local"})");
  if (!body) return error;
  std::string fields[3];
  const char* names[3] = {"province", "local", "first"};
  for (int i = 0; i < 3; ++i) {
    const auto* v = body->if_contains(names[i]);
    if (!v || !v->is_string()) {
      return error_response(400, "bad_body",
                            std::string("body.") + names[i] + " (a string) is required");
    }
    fields[i] = std::string(v->as_string());
  }
  if (fields[2] != "local" && fields[2] != "province") {
    return error_response(400, "bad_body",
                          "body.first: \"local\" (the commune's own first) or \"province\"");
  }
  api.controller.order_clash(fields[0], fields[1], fields[2] == "local", r.who);
  api.store.access().audit(
      r.who, r.remote, "clash.order",
      fields[2] == "local" ? fields[1] + " trước " + fields[0] : fields[0] + " trước " + fields[1]);
  return api::json_response(boost::json::serialize(api.controller.clashes()) + "\n");
}

constexpr Route kSyncRoutes[] = {
    {"GET", "/api/v1/sync", Role::viewer, sync_status},
    {"POST", "/api/v1/sync", Role::operator_, poll_now},
    {"GET", "/api/v1/inbox", Role::viewer, inbox},
    {"POST", "/api/v1/inbox/{id}/accept", Role::operator_, accept},
    {"POST", "/api/v1/inbox/{id}/reject", Role::operator_, reject},
    {"GET", "/api/v1/clashes", Role::viewer, clashes},
    {"POST", "/api/v1/clashes", Role::operator_, order_clash},
};

}  // namespace

void add_sync_routes(ApiContext& api) {
  api.server.routes(api, kSyncRoutes);
}

}  // namespace loaxa
