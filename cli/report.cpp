#include "cli/report.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "airtime/export.hpp"
#include "cli/table.hpp"
#include "common/durable.hpp"
#include "store/report.hpp"
#include "store/sqlite/database.hpp"
#include "store/store.hpp"

namespace loaxa::cli {

namespace json = boost::json;

const char* const kReportHelp =
    "Usage: loaxa report --period P [--by topic|channel|day|schedule|media]\n"
    "                    [--format table|csv|json|xlsx] [--out FILE] [--excel]\n"
    "                    [--db FILE [--tz ZONE]]\n"
    "\n"
    "Airtime per topic (or channel, day, schedule, media) over a period, for the\n"
    "quarterly, half-year and yearly reports on administrative-reform communication:\n"
    "plays, completed, failed, missed, pre-empted, airtime (seconds and h:mm:ss), planned\n"
    "airtime and compliance (aired / planned).\n"
    "\n"
    "P is 2022 (year), 2022-H1 / 2022-H2, 2022-Q1 .. 2022-Q4, 2022-07 (month),\n"
    "2022-07-01 (day) or FROM..TO (dates, both included), in the box's time zone.\n"
    "A play that crosses the period's edge (or midnight, by day) is split at it.\n"
    "\n"
    "--format xlsx writes a workbook with a header block (box, commune, period) and a\n"
    "total line; it needs --out. csv is RFC 4180 UTF-8 ending with the total line;\n"
    "--excel adds a byte-order mark so Excel shows Vietnamese right. json is an array\n"
    "of objects (key, label, plays, completed, failed, missed, preempted, airtime_s,\n"
    "airtime_hms, planned_s, compliance), without the total.\n"
    "\n"
    "--db FILE reads a database file instead of asking loaxad (offline; --tz defaults to\n"
    "the zone the box recorded in it).\n";

const char* const kAirtimeHelp =
    "Usage: loaxa airtime [--from T] [--to T] [--channel C] [--topic K] [--status S]\n"
    "                     [--format table|csv|json|ndjson] [--excel] [--db FILE]\n"
    "\n"
    "The airtime log: one row per play attempt, in start order. T is a date\n"
    "(2022-07-01) or an ISO-8601 date-time (2022-07-01T06:00:00, offset optional, box\n"
    "time zone otherwise). S is playing, completed, preempted, stopped, failed, missed\n"
    "or interrupted. csv is RFC 4180 UTF-8 with the columns of the spec (then\n"
    "clock_synced and planned_s); --excel adds a byte-order mark. Rows are streamed:\n"
    "memory stays constant however long the log. --db FILE reads a database file\n"
    "instead of asking loaxad.\n";

namespace {

std::optional<std::string> meta(store::sqlite::Database& db, const std::string& key) {
  try {
    auto st = db.prepare("SELECT value FROM meta WHERE key = ?");
    st.bind(1, key);
    if (st.step()) return st.text(0);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

store::sqlite::Database open_db(const Args& a) {
  const std::filesystem::path path = option(a, "db");
  if (!std::filesystem::is_regular_file(path)) {
    throw BadInput("--db " + path.string() + ": no such database file");
  }
  return store::sqlite::Database(path, store::sqlite::Database::Access::read_only);
}

scheduler::Zone zone_for(const Args& a, store::sqlite::Database& db) {
  std::string name = option(a, "tz");
  if (name.empty()) name = meta(db, "timezone").value_or("");
  if (name.empty()) name = date::current_zone()->name();
  try {
    return scheduler::Zone(name);
  } catch (const std::invalid_argument& e) {
    throw BadInput(std::string("--tz: ") + e.what());
  }
}

void write_out(const Args& a, const std::string& bytes) {
  const std::string out = option(a, "out");
  if (out.empty()) {
    std::cout << bytes;
    return;
  }
  write_durably(out, [&](std::ostream& o) { o << bytes; });
  std::cerr << "wrote " << out << " (" << bytes.size() << " bytes)\n";
}

std::string percent(std::optional<double> c) {
  if (!c) return "—";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *c * 100.0);
  return buf;
}

void print_table(const std::string& period_text, const std::string& by,
                 const std::vector<store::ReportLine>& lines) {
  // The period's dates do not depend on the zone.
  const auto p = store::parse_period(period_text, scheduler::Zone("UTC"));
  std::cout << "Báo cáo thời lượng phát / airtime report — kỳ / period " << period_text << " ("
            << store::vn_date(p.first) << " – " << store::vn_date(p.last) << "), theo / by " << by
            << "\n\n";
  std::vector<std::vector<std::string>> rows;
  auto add = [&](const store::ReportLine& l) {
    rows.push_back({l.key, l.label, std::to_string(l.plays), std::to_string(l.completed),
                    std::to_string(l.failed), std::to_string(l.missed), std::to_string(l.preempted),
                    store::format_hms(l.airtime_ms), store::format_hms(l.planned_ms),
                    percent(l.compliance())});
  };
  for (const auto& l : lines) add(l);
  add(store::report_total(lines));
  std::cout << render_table(
      {"MÃ/KEY", "NỘI DUNG/LABEL", "LƯỢT/PLAYS", "TRỌN/DONE", "LỖI/FAILED", "LỠ/MISSED", "NGẮT/CUT",
       "PHÁT/AIRED", "KẾ HOẠCH/PLANNED", "TỶ LỆ/COMPLIANCE"},
      rows);
}

}  // namespace

int cmd_report(const Args& a, const Getter& get) {
  only_options(a, {"period", "by", "format", "out", "excel", "db", "tz"});
  const std::string period_text = option(a, "period");
  if (period_text.empty()) {
    throw BadInput("loaxa report needs --period (e.g. --period 2022-Q3); see loaxa report --help");
  }
  const std::string by = option(a, "by", "topic");
  const std::string format = option(a, "format", "table");
  if (format != "table" && format != "csv" && format != "json" && format != "xlsx") {
    throw BadInput("--format must be table, csv, json or xlsx, not \"" + format + "\"");
  }
  if (format == "xlsx" && option(a, "out").empty()) {
    throw BadInput("--format xlsx needs --out FILE (e.g. --out bao-cao-" + period_text + ".xlsx)");
  }
  try {
    store::parse_period(period_text, scheduler::Zone("UTC"));
    store::parse_report_by(by);
  } catch (const std::invalid_argument& e) {
    throw BadInput(e.what());
  }

  if (a.options.count("db")) {
    auto db = open_db(a);
    const auto zone = zone_for(a, db);
    store::Report r =
        store::build_report(db, store::parse_period(period_text, zone), store::parse_report_by(by),
                            zone, store::default_topics());
    const scheduler::Instant now{std::chrono::system_clock::now().time_since_epoch()};
    r.header = {meta(db, "box_id").value_or("?"), meta(db, "box_name").value_or(""), zone.name(),
                zone.format_iso(now, false)};
    if (format == "table") {
      print_table(period_text, by, r.lines);
      if (r.unsynced_plays > 0) {
        std::cout << "Lưu ý / note: " << r.unsynced_plays
                  << " lượt phát ghi khi đồng hồ chưa đồng bộ / play(s) logged with an "
                     "unsynchronised clock\n";
      }
    }
    if (format == "json") write_out(a, store::report_json(r));
    if (format == "csv") write_out(a, store::report_csv(r, a.options.count("excel") > 0));
    if (format == "xlsx") {
      store::report_xlsx(r, option(a, "out"));
      std::cerr << "wrote " << option(a, "out") << "\n";
    }
    return 0;
  }

  std::string target = "/api/v1/reports/airtime?period=" + url_escape(period_text) +
                       "&by=" + url_escape(by) + "&format=" + (format == "table" ? "json" : format);
  if (a.options.count("excel")) target += "&excel=1";
  const auto res = get(target, nullptr);
  if (format == "table") {
    print_table(period_text, by, store::report_lines_from_json(res.body));
  } else {
    write_out(a, res.body);
  }
  return 0;
}

namespace {

// A row as `loaxa airtime` shows it in a table.
std::vector<std::string> table_row(const store::AirtimeRow& r) {
  return {r.actual_start.empty() ? r.planned_start : r.actual_start,
          r.channel,
          r.media_id,
          r.title,
          r.schedule_id,
          r.duration_s ? std::to_string(*r.duration_s).substr(0, 8) : "",
          std::string(airtime::row_status(r.status)),
          r.error};
}

void print_rows(const std::vector<std::vector<std::string>>& rows) {
  std::cout << render_table({"BẮT ĐẦU/START", "KÊNH/CHANNEL", "MEDIA", "TIÊU ĐỀ/TITLE",
                             "LỊCH/SCHEDULE", "GIÂY/SECONDS", "TRẠNG THÁI/STATUS", "LỖI/ERROR"},
                            rows);
}

// `loaxa airtime --db FILE`: the rows read straight from a box's database.
int airtime_from_file(const Args& a, const std::string& format) {
  std::vector<std::vector<std::string>> rows;
  {
    auto db = open_db(a);
    const auto zone = zone_for(a, db);
    store::AirtimeFilter f;
    try {
      auto ms = [&](const char* k) -> std::optional<std::int64_t> {
        if (!a.options.count(k)) return std::nullopt;
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   scheduler::parse_iso_instant(a.options.at(k), zone).time_since_epoch())
            .count();
      };
      f.from_ms = ms("from");
      f.to_ms = ms("to");
    } catch (const std::invalid_argument& e) {
      throw BadInput(std::string("--from/--to: ") + e.what());
    }
    if (a.options.count("channel")) f.channel = a.options.at("channel");
    if (a.options.count("topic")) f.topic = a.options.at("topic");
    if (a.options.count("status")) {
      f.status = airtime::row_status.parse(a.options.at("status"));
      if (!f.status) {
        throw BadInput("--status \"" + a.options.at("status") + "\" is not a status: use " +
                       airtime::row_status.one_of());
      }
    }
    store::AirtimeLog::Cursor cursor(db, f);
    store::AirtimeRow row;
    std::ios::sync_with_stdio(false);
    std::string buf;
    auto flush = [&](bool force) {
      if (force || buf.size() > 64 * 1024) {
        std::cout.write(buf.data(), static_cast<std::streamsize>(buf.size()));
        buf.clear();
      }
    };
    if (format == "csv")
      buf = (a.options.count("excel") ? "\xEF\xBB\xBF" : "") + store::airtime_csv_header();
    if (format == "json") buf = "[";
    bool first = true;
    while (cursor.next(row)) {
      if (format == "table") {
        rows.push_back(table_row(row));
        continue;
      }
      if (format == "csv") store::append_csv(buf, row);
      if (format == "ndjson") buf += json::serialize(store::to_json(row)) + "\n";
      if (format == "json") {
        buf += first ? "\n" : ",\n";
        buf += json::serialize(store::to_json(row));
      }
      first = false;
      flush(false);
    }
    if (format == "json") buf += first ? "]\n" : "\n]\n";
    flush(true);
    if (format == "table") print_rows(rows);
    return 0;
  }
}

// `loaxa airtime`: the rows from the box's API.
int airtime_from_box(const Args& a, const Getter& get, const std::string& format) {
  std::string target = "/api/v1/airtime?format=" + (format == "table" ? "json" : format);
  for (const char* k : {"from", "to", "channel", "topic", "status"}) {
    if (a.options.count(k)) target += std::string("&") + k + "=" + url_escape(a.options.at(k));
  }
  if (a.options.count("excel")) target += "&excel=1";
  if (format != "table") {
    get(target, [](std::string_view piece) {
      std::cout.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    });
    std::cout.flush();
    return 0;
  }
  const auto res = get(target, nullptr);
  const json::value parsed = json::parse(res.body);
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : parsed.as_array()) {
    store::AirtimeRow r;
    const auto& o = v.as_object();
    auto s = [&](const char* k) {
      const auto& x = o.at(k);
      return x.is_string() ? std::string(x.get_string()) : std::string();
    };
    r.actual_start = s("actual_start");
    r.planned_start = s("planned_start");
    r.channel = s("channel");
    r.media_id = s("media_id");
    r.title = s("title");
    r.schedule_id = s("schedule_id");
    if (o.at("duration_s").is_number()) r.duration_s = o.at("duration_s").to_number<double>();
    r.status = airtime::row_status.at(s("status"), "status");
    r.error = s("error");
    rows.push_back(table_row(r));
  }
  print_rows(rows);
  return 0;
}

}  // namespace

int cmd_airtime(const Args& a, const Getter& get) {
  only_options(a, {"from", "to", "channel", "topic", "status", "format", "excel", "db"});
  const std::string format = option(a, "format", "table");
  if (format != "table" && format != "csv" && format != "json" && format != "ndjson") {
    throw BadInput("--format must be table, csv, json or ndjson, not \"" + format + "\"");
  }
  return a.options.count("db") ? airtime_from_file(a, format) : airtime_from_box(a, get, format);
}

}  // namespace loaxa::cli
