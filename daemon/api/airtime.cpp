// Airtime and reports over HTTP: the log's rows streamed as JSON, NDJSON or CSV with
// filters, the period reports (JSON, CSV, XLSX) and the schedule's preview.

#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "airtime/export.hpp"
#include "common/sha256.hpp"
#include "daemon/api/routes.hpp"
#include "store/report.hpp"

namespace loaxa {
namespace {

using api::error_response;
using api::Request;
using api::Response;
using api::Role;
using scheduler::Instant;

std::optional<std::int64_t> query_ms(const Request& r, const std::string& key,
                                     const scheduler::Zone& zone) {
  auto it = r.query.find(key);
  if (it == r.query.end() || it->second.empty()) return std::nullopt;
  const Instant t = scheduler::parse_iso_instant(it->second, zone);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Streams rows from a reader connection: constant memory whatever the row count.
// Only [A-Za-z0-9._-] survive into a download's file name.
std::string safe_filename(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  }
  return name;
}

store::ReportHeader report_header(Controller& controller) {
  const auto& box = controller.config().box;
  const Instant now{std::chrono::system_clock::now().time_since_epoch()};
  return store::ReportHeader{box.id, box.name, box.timezone,
                             controller.zone().format_iso(now, false)};
}

Response airtime_rows(ApiContext& api, const Request& r) {
  Controller& controller = api.controller;
  store::Store& store = api.store;
  store::AirtimeFilter f;
  try {
    f.from_ms = query_ms(r, "from", controller.zone());
    f.to_ms = query_ms(r, "to", controller.zone());
  } catch (const std::invalid_argument& e) {
    return error_response(400, "bad_time", std::string("from/to: ") + e.what());
  }
  auto take = [&](const char* key, std::optional<std::string>& into) {
    if (auto it = r.query.find(key); it != r.query.end() && !it->second.empty()) into = it->second;
  };
  take("channel", f.channel);
  take("topic", f.topic);
  if (auto it = r.query.find("status"); it != r.query.end() && !it->second.empty()) {
    f.status = airtime::row_status.parse(it->second);
    if (!f.status) {
      return error_response(
          400, "bad_status",
          "status \"" + it->second + "\" is not a row status: use " + airtime::row_status.one_of());
    }
  }
  const std::string format = r.query.count("format") ? r.query.at("format") : "json";
  if (format != "csv" && format != "ndjson" && format != "json") {
    return error_response(400, "bad_format",
                          "format must be json, csv or ndjson, not \"" + format + "\"");
  }
  struct Export {
    store::sqlite::Database db;
    store::AirtimeLog::Cursor cursor;
    store::AirtimeRow row;
    bool first = true;
    Export(store::sqlite::Database d, const store::AirtimeFilter& f)
        : db(std::move(d)), cursor(db, f) {}
  };
  auto state = std::make_shared<Export>(store.open_reader(), f);
  Response resp;
  if (format == "csv") {
    resp.content_type = "text/csv; charset=utf-8";
    resp.body = store::airtime_csv_header();
    if (r.query.count("excel")) resp.body = "\xEF\xBB\xBF" + resp.body;
  } else if (format == "ndjson") {
    resp.content_type = "application/x-ndjson";
  } else {
    resp.body = "[";
  }
  resp.stream = [state, format](std::string& out) {
    for (int i = 0; i < 256; ++i) {
      if (!state->cursor.next(state->row)) {
        if (format == "json") {
          out += state->first ? "]\n" : "\n]\n";
          state->first = false;
        }
        return false;
      }
      if (format == "csv") {
        store::append_csv(out, state->row);
      } else if (format == "ndjson") {
        out += boost::json::serialize(store::to_json(state->row));
        out += '\n';
      } else {
        out += state->first ? "\n" : ",\n";
        state->first = false;
        out += boost::json::serialize(store::to_json(state->row));
      }
    }
    return true;
  };
  return resp;
}

Response report(ApiContext& api, const Request& r) {
  Controller& controller = api.controller;
  store::Store& store = api.store;
  const auto q = [&](const char* key, const char* fallback) {
    auto it = r.query.find(key);
    return it == r.query.end() || it->second.empty() ? std::string(fallback) : it->second;
  };
  const std::string period_text = q("period", "");
  if (period_text.empty()) {
    return error_response(400, "bad_period",
                          "period is required: 2022, 2022-H1, 2022-Q3, 2022-07 or "
                          "2022-07-01..2022-09-30");
  }
  store::Period period;
  store::ReportBy by{};
  try {
    period = store::parse_period(period_text, controller.zone());
    by = store::parse_report_by(q("by", "topic"));
  } catch (const std::invalid_argument& e) {
    return error_response(400, "bad_report", e.what());
  }
  const std::string format = q("format", "json");
  if (format != "json" && format != "csv" && format != "xlsx") {
    return error_response(400, "bad_format",
                          "format must be json, csv or xlsx, not \"" + format + "\"");
  }
  auto db = store.open_reader();
  store::Report rep =
      store::build_report(db, period, by, controller.zone(), controller.config().topics);
  rep.header = report_header(controller);
  const std::string name =
      "bao-cao-" + controller.config().box.id + "-" + period_text + "-" + store::to_string(by);
  if (format == "json") return api::json_response(store::report_json(rep));
  if (format == "csv") {
    Response resp(200, "text/csv; charset=utf-8",
                  store::report_csv(rep, r.query.count("excel") > 0));
    resp.content_disposition = "attachment; filename=\"" + safe_filename(name) + ".csv\"";
    return resp;
  }
  // libxlsxwriter writes files: one under state_dir/tmp, read back and removed.
  const auto dir = controller.config().box.state_dir / "tmp";
  std::filesystem::create_directories(dir);
  const auto file = dir / (uuid_v7() + ".xlsx");
  std::string bytes;
  try {
    store::report_xlsx(rep, file.string());
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return error_response(500, "xlsx_failed", e.what());
  }
  std::error_code ec;
  std::filesystem::remove(file, ec);
  Response resp(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                std::move(bytes));
  resp.content_disposition = "attachment; filename=\"" + safe_filename(name) + ".xlsx\"";
  return resp;
}

Response preview(ApiContext& api, const Request& r) {
  Controller& controller = api.controller;
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

constexpr Route kAirtimeRoutes[] = {
    {"GET", "/api/v1/airtime", Role::viewer, airtime_rows},
    {"GET", "/api/v1/reports/airtime", Role::viewer, report},
    {"GET", "/api/v1/schedule/preview", Role::viewer, preview},
};

}  // namespace

void add_airtime_routes(ApiContext& api) {
  api.server.routes(api, kAirtimeRoutes);
}

}  // namespace loaxa
