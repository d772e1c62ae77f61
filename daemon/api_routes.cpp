#include "daemon/api_routes.hpp"

#include <boost/json.hpp>

#include "daemon/store/airtime_export.hpp"

namespace loaxa {
namespace {

using api::error_response;
using api::Request;
using api::Response;
using scheduler::Instant;

std::optional<std::int64_t> query_ms(const Request& r, const std::string& key,
                                     const scheduler::Zone& zone) {
  auto it = r.query.find(key);
  if (it == r.query.end() || it->second.empty()) return std::nullopt;
  const Instant t = scheduler::parse_iso_instant(it->second, zone);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Response airtime(const Request& r, Controller& controller, store::Store& store) {
  store::AirtimeFilter f;
  try {
    f.from_ms = query_ms(r, "from", controller.zone());
    f.to_ms = query_ms(r, "to", controller.zone());
  } catch (const std::invalid_argument& e) {
    return error_response(400, "bad_time", std::string("from/to: ") + e.what());
  }
  if (auto it = r.query.find("channel"); it != r.query.end()) f.channel = it->second;
  const std::string format = r.query.count("format") ? r.query.at("format") : "json";
  Response resp;
  if (format == "csv") {
    resp.content_type = "text/csv; charset=utf-8";
    resp.body = store::airtime_csv_header();
    store.airtime().for_each(f, [&](const store::AirtimeRow& row) { resp.body += to_csv(row); });
  } else if (format == "ndjson") {
    resp.content_type = "application/x-ndjson";
    store.airtime().for_each(f, [&](const store::AirtimeRow& row) {
      resp.body += boost::json::serialize(to_json(row)) + "\n";
    });
  } else if (format == "json") {
    boost::json::array rows;
    store.airtime().for_each(f,
                             [&](const store::AirtimeRow& row) { rows.push_back(to_json(row)); });
    resp.body = boost::json::serialize(rows) + "\n";
  } else {
    return error_response(400, "bad_format",
                          "format must be json, csv or ndjson, not \"" + format + "\"");
  }
  return resp;
}

Response preview(const Request& r, Controller& controller) {
  const auto& zone = controller.zone();
  const Instant now{std::chrono::system_clock::now().time_since_epoch()};
  Instant from = now, to = now + std::chrono::hours(24);
  try {
    if (r.query.count("from")) from = scheduler::parse_iso_instant(r.query.at("from"), zone);
    if (r.query.count("to")) to = scheduler::parse_iso_instant(r.query.at("to"), zone);
  } catch (const std::invalid_argument& e) {
    return error_response(400, "bad_time", std::string("from/to: ") + e.what());
  }
  if (to <= from) return error_response(400, "bad_range", "to must be after from");
  if (to - from > std::chrono::hours(24 * 366)) {
    return error_response(400, "bad_range", "a preview spans at most 366 days");
  }
  const std::string channel = r.query.count("channel") ? r.query.at("channel") : "";
  boost::json::array out;
  const auto timeline = controller.preview(from, to);
  for (const auto& e : timeline.entries) {
    const auto& rule = timeline.rule_of(e);
    if (!channel.empty() && rule.channel != channel) continue;
    out.push_back({{"channel", rule.channel},
                   {"start", zone.format_iso(e.start, false)},
                   {"end", zone.format_iso(e.end, false)},
                   {"schedule_id", rule.id},
                   {"content", rule.content},
                   {"priority", rule.emergency ? 1000 : rule.priority},
                   {"status", scheduler::to_string(e.status)},
                   {"reason", timeline.reason(e, zone)},
                   {"planned_start", zone.format_iso(e.planned_start, false)},
                   {"offset_s", static_cast<double>(e.offset.count()) / 1000.0}});
  }
  return api::json_response(boost::json::serialize(out) + "\n");
}

}  // namespace

void add_routes(api::HttpServer& server, Controller& controller, store::Store& store) {
  server.route("GET", "/healthz", [](const Request&) {
    return Response{200, "text/plain; charset=utf-8", "ok\n"};
  });
  server.route("GET", "/api/v1/status", [&controller](const Request&) {
    return api::json_response(boost::json::serialize(controller.status()) + "\n");
  });
  server.route("GET", "/api/v1/airtime",
               [&controller, &store](const Request& r) { return airtime(r, controller, store); });
  server.route("GET", "/api/v1/schedule/preview",
               [&controller](const Request& r) { return preview(r, controller); });
}

}  // namespace loaxa
