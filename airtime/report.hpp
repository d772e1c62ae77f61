#pragma once
// Period reports over airtime rows: what district and province staff file each
// quarter, half-year and year (docs/reports.md).
//
// Counting rules (docs/reports.md):
// - a row counts as one play in the period (and day) where it starts: its actual start,
//   or its planned start when it never started (missed, failed);
// - airtime is the part of [actual_start, actual_end) inside the period, so a play
//   that crosses a period (or, by day, midnight) is split at it;
// - planned time is the part of [planned_start, planned_start + planned_s) inside it;
//   only rows the planner meant to air have one (not manual plays or emergencies);
// - compliance = airtime of planned rows ÷ planned time, null when nothing was planned.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "airtime/row.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::airtime {

struct Period {
  std::string text;              // as asked: "2022-Q3"
  scheduler::LocalDays first{};  // first day, local
  scheduler::LocalDays last{};   // last day, inclusive
  std::int64_t from_ms = 0;      // [from, to) in Unix ms, in the box's zone
  std::int64_t to_ms = 0;
};

// "2022", "2022-H1", "2022-Q3", "2022-07", "2022-07-01", "FROM..TO" (dates, TO inclusive).
// Throws std::invalid_argument saying which forms are accepted.
Period parse_period(std::string_view text, const scheduler::Zone& zone);

enum class ReportBy { topic, channel, day, schedule, media };
ReportBy parse_report_by(std::string_view text);  // throws std::invalid_argument
const char* to_string(ReportBy by);

using TopicLabels = std::vector<std::pair<std::string, std::string>>;  // key, label; in order
// The content areas of the province's 2022 plan (docs/reports.md), the default [topics].
const TopicLabels& default_topics();

struct ReportLine {
  std::string key;
  std::string label;
  std::int64_t plays = 0;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t missed = 0;
  std::int64_t preempted = 0;
  std::int64_t airtime_ms = 0;
  std::int64_t planned_ms = 0;
  std::int64_t planned_aired_ms = 0;  // airtime of rows that had a plan
  double airtime_s() const { return static_cast<double>(airtime_ms) / 1000.0; }
  double planned_s() const { return static_cast<double>(planned_ms) / 1000.0; }
  std::optional<double> compliance() const;
};

struct ReportHeader {
  std::string box_id;
  std::string box_name;
  std::string timezone;
  std::string generated_at;  // local ISO-8601
};

struct Report {
  ReportHeader header;
  Period period;
  ReportBy by = ReportBy::topic;
  std::vector<ReportLine> lines;
  ReportLine total;  // key "total", label "Tổng cộng"
  // Plays of the period logged while the system clock was not synchronised (their
  // times may be wrong; the XLSX header and the CLI say so).
  std::int64_t unsynced_plays = 0;
};

// One row as a report counts it: what any store of airtime rows (the box's SQLite, the
// province's PostgreSQL) hands the builder.
struct ReportRow {
  std::string channel, topic, schedule_id, media_id, title;
  RowStatus status = RowStatus::completed;
  std::int64_t start_ms = 0;               // actual start, or planned when it never started
  std::int64_t end_ms = 0;                 // actual end, or start + position for a row still open
  std::optional<std::int64_t> planned_ms;  // planned start and length, for planned rows
  std::optional<double> planned_s;
  std::optional<bool> clock_synced;
};

// Rows that start this long before a period can still reach into it: a source feeds
// the rows whose start is in [period.from_ms - kReportLookbackMs, period.to_ms).
inline constexpr std::int64_t kReportLookbackMs = 2 * 86'400'000;

// Builds a period report from rows fed in any order, by the counting rules above.
class ReportBuilder {
 public:
  ReportBuilder(const Period& period, ReportBy by, const scheduler::Zone& zone, TopicLabels topics);
  void add(const ReportRow& row);
  Report finish() &&;

 private:
  ReportLine& line_for(const std::string& key);

  Report r_;
  TopicLabels topics_;
  std::vector<std::int64_t> day_starts_;  // by day: midnight of day i; last = period end
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<ReportLine> lines_;
};

// "01/07/2022": a date as Vietnamese forms write it.
std::string vn_date(scheduler::LocalDays day);
// "1:02:03" (hours not wrapped at 24).
std::string format_hms(std::int64_t ms);

// Renderings. JSON is the specified array (no total line); CSV (RFC 4180, CRLF) ends with
// the total line; XLSX labels its columns in Vietnamese first. (The CLI draws tables.)
std::string report_json(const Report& r);
// One line as report_json writes it (the hub adds its own fields).
boost::json::object report_line_json(const ReportLine& line);
std::string report_csv(const Report& r, bool excel_bom);
// The lines back from report_json (the CLI's online path); the total is recomputed.
// Throws std::invalid_argument naming the bad field.
std::vector<ReportLine> report_lines_from_json(std::string_view json);
ReportLine report_total(const std::vector<ReportLine>& lines);
// Column headers, Vietnamese / English, in CSV order.
const std::vector<std::string>& report_headers();
const std::vector<std::string>& report_columns();               // machine names
std::vector<std::string> report_cells(const ReportLine& line);  // texts in CSV order
// Writes an .xlsx workbook (libxlsxwriter) with a header block naming the box, the
// commune and the period. Throws std::runtime_error on failure.
void report_xlsx(const Report& r, const std::string& path);
// The same sheet for any report: the title, up to five heading lines (text, bold) naming
// who, what period and how far to trust it, the lines and the total, and numeric
// columns after compliance (the hub's boxes counted and silent).
struct XlsxReport {
  std::vector<std::pair<std::string, bool>> heading;
  std::vector<std::string> extra_headers;
  struct Line {
    ReportLine counts;
    std::vector<double> extra;
  };
  std::vector<Line> lines;
  Line total;
};
void report_xlsx(const XlsxReport& r, const std::string& path);

}  // namespace loaxa::airtime
