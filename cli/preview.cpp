#include "cli/preview.hpp"

#include <boost/json.hpp>
#include <iostream>

#include "airtime/export.hpp"
#include "cli/table.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::cli {

const char* const kPreviewHelp =
    "Usage: loaxa schedule preview [--date YYYY-MM-DD | --from T --to T] [--channel C]\n"
    "                              [--format table|json|csv]\n"
    "\n"
    "The planned timeline, from the same planner that drives playout: one entry per\n"
    "block (or part of a block) with its channel, start, end, schedule, content,\n"
    "priority, status (airs, cut, blocked, dropped) and the reason in words (which rule,\n"
    "what pre-empted, blocked or delayed it). Default: today. T is a date or a local\n"
    "date-time (2022-07-01T06:00:00). JSON is an array of objects with fields channel,\n"
    "start, end, schedule_id, content, priority, status, reason (times local with offset).\n";

namespace {

std::string text(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  return boost::json::serialize(v);
}

}  // namespace

int cmd_schedule_preview(const Args& a, const std::function<HttpResult(const std::string&)>& get) {
  only_options(a, {"date", "from", "to", "channel", "format"});
  const std::string format = option(a, "format", "table");
  if (format != "table" && format != "json" && format != "csv") {
    throw BadInput("--format must be table, json or csv, not \"" + format + "\"");
  }
  std::string target = "/api/v1/schedule/preview?";
  if (a.options.count("date")) {
    if (a.options.count("from") || a.options.count("to")) {
      throw BadInput("give either --date or --from/--to, not both");
    }
    scheduler::LocalDays day;
    try {
      day = scheduler::parse_date(a.options.at("date"));
    } catch (const std::invalid_argument& e) {
      throw BadInput(std::string("--date: ") + e.what());
    }
    target += "from=" + date::format("%Y-%m-%d", day) +
              "&to=" + date::format("%Y-%m-%d", day + date::days(1));
  } else {
    if (a.options.count("from") != a.options.count("to")) {
      throw BadInput("--from and --to go together (or use --date)");
    }
    if (a.options.count("from")) {
      target +=
          "from=" + url_escape(a.options.at("from")) + "&to=" + url_escape(a.options.at("to"));
    }
  }
  if (a.options.count("channel")) target += "&channel=" + url_escape(a.options.at("channel"));
  const HttpResult r = get(target);
  if (format == "json") {
    std::cout << r.body;
    return 0;
  }
  const boost::json::value parsed = boost::json::parse(r.body);
  static const char* const kFields[] = {"channel", "start",    "end",    "schedule_id",
                                        "content", "priority", "status", "reason"};
  if (format == "csv") {
    std::string out = "channel,start,end,schedule_id,content,priority,status,reason\r\n";
    for (const auto& v : parsed.as_array()) {
      bool first = true;
      for (const char* f : kFields) {
        out += (first ? "" : ",") + airtime::csv_field(text(v.at(f)));
        first = false;
      }
      out += "\r\n";
    }
    std::cout << out;
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : parsed.as_array()) {
    rows.push_back({text(v.at("start")).substr(0, 16), text(v.at("end")).substr(11, 5),
                    text(v.at("channel")), text(v.at("schedule_id")), text(v.at("content")),
                    text(v.at("priority")), text(v.at("status")), text(v.at("reason"))});
  }
  std::cout << render_table(
      {"BẮT ĐẦU/START", "KẾT THÚC/END", "KÊNH/CHANNEL", "LỊCH/SCHEDULE", "NỘI DUNG/CONTENT",
       "ƯU TIÊN/PRIO", "TRẠNG THÁI/STATUS", "LÝ DO/REASON"},
      rows);
  return 0;
}

}  // namespace loaxa::cli
