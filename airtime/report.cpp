#include "airtime/report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "airtime/export.hpp"

namespace loaxa::airtime {

namespace json = boost::json;
using namespace std::chrono;
using scheduler::Instant;
using scheduler::LocalDays;

namespace {

int to_int(std::string_view s, std::string_view what) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) {
    throw std::invalid_argument("'" + std::string(s) + "' is not a valid " + std::string(what));
  }
  return v;
}

std::int64_t unix_ms(Instant t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::int64_t midnight_ms(LocalDays d, const scheduler::Zone& zone) {
  return unix_ms(zone.to_instant(scheduler::LocalSeconds(d)));
}

std::string iso_date(LocalDays d) {
  const date::year_month_day ymd(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

Period parse_period(std::string_view text, const scheduler::Zone& zone) {
  const std::string hint =
      "a period is 2022 (year), 2022-H1 (half), 2022-Q3 (quarter), 2022-07 (month), "
      "2022-07-01 (day) or 2022-07-01..2022-09-30 (dates, both included)";
  Period p;
  p.text = std::string(text);
  auto ymd_first = [](int y, unsigned m) {
    return LocalDays(date::year(y) / date::month(m) / date::day(1));
  };
  try {
    if (auto dots = text.find(".."); dots != std::string_view::npos) {
      p.first = scheduler::parse_date(text.substr(0, dots));
      p.last = scheduler::parse_date(text.substr(dots + 2));
      if (p.last < p.first) throw std::invalid_argument("the period ends before it starts");
    } else if (text.size() == 4) {
      const int y = to_int(text, "year");
      p.first = ymd_first(y, 1);
      p.last = ymd_first(y + 1, 1) - date::days(1);
    } else if (text.size() == 7 && text[4] == '-' && (text[5] == 'H' || text[5] == 'h')) {
      const int y = to_int(text.substr(0, 4), "year");
      const int h = to_int(text.substr(6), "half (1 or 2)");
      if (h < 1 || h > 2) throw std::invalid_argument("half-year must be H1 or H2");
      p.first = ymd_first(y, h == 1 ? 1 : 7);
      p.last = (h == 1 ? ymd_first(y, 7) : ymd_first(y + 1, 1)) - date::days(1);
    } else if (text.size() == 7 && text[4] == '-' && (text[5] == 'Q' || text[5] == 'q')) {
      const int y = to_int(text.substr(0, 4), "year");
      const int q = to_int(text.substr(6), "quarter (1 to 4)");
      if (q < 1 || q > 4) throw std::invalid_argument("quarter must be Q1, Q2, Q3 or Q4");
      p.first = ymd_first(y, static_cast<unsigned>(3 * q - 2));
      p.last = (q == 4 ? ymd_first(y + 1, 1) : ymd_first(y, static_cast<unsigned>(3 * q + 1))) -
               date::days(1);
    } else if (text.size() == 7 && text[4] == '-') {
      const int y = to_int(text.substr(0, 4), "year");
      const int m = to_int(text.substr(5), "month (01 to 12)");
      if (m < 1 || m > 12) throw std::invalid_argument("month must be 01 to 12");
      p.first = ymd_first(y, static_cast<unsigned>(m));
      p.last = (m == 12 ? ymd_first(y + 1, 1) : ymd_first(y, static_cast<unsigned>(m + 1))) -
               date::days(1);
    } else if (text.size() == 10) {
      p.first = p.last = scheduler::parse_date(text);
    } else {
      throw std::invalid_argument("unrecognised form");
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("period '" + std::string(text) + "': " + e.what() + "; " + hint);
  }
  const int y0 = static_cast<int>(date::year_month_day(p.first).year());
  const int y1 = static_cast<int>(date::year_month_day(p.last).year());
  if (y0 < 1970 || y1 > 2200) {
    throw std::invalid_argument("period '" + std::string(text) + "': years 1970 to 2200 only");
  }
  p.from_ms = midnight_ms(p.first, zone);
  p.to_ms = midnight_ms(p.last + date::days(1), zone);
  return p;
}

ReportBy parse_report_by(std::string_view text) {
  if (text == "topic") return ReportBy::topic;
  if (text == "channel") return ReportBy::channel;
  if (text == "day") return ReportBy::day;
  if (text == "schedule") return ReportBy::schedule;
  if (text == "media") return ReportBy::media;
  throw std::invalid_argument("by must be topic, channel, day, schedule or media, not \"" +
                              std::string(text) + "\"");
}

const char* to_string(ReportBy by) {
  switch (by) {
    case ReportBy::topic:
      return "topic";
    case ReportBy::channel:
      return "channel";
    case ReportBy::day:
      return "day";
    case ReportBy::schedule:
      return "schedule";
    case ReportBy::media:
      return "media";
  }
  return "topic";
}

const TopicLabels& default_topics() {
  static const TopicLabels kTopics = {
      {"overview", "Tầm quan trọng, mục tiêu, kết quả CCHC (Chương trình tổng thể 2021–2030)"},
      {"policy", "Quan điểm, chủ trương của Đảng, chính sách, pháp luật về CCHC"},
      {"institutions", "Cải cách thể chế, TTHC, một cửa, bộ máy, công vụ, chính quyền số"},
      {"indices", "PAR Index, SIPAS, PAPI, PCI"},
      {"models", "Mô hình, điển hình tiên tiến; phản ánh hạn chế"},
      {"results", "Kết quả, tồn tại, hạn chế"},
      {"rights", "Quan hệ Nhà nước – Nhân dân; quyền giám sát CCHC"},
  };
  return kTopics;
}

std::optional<double> ReportLine::compliance() const {
  if (planned_ms <= 0) return std::nullopt;
  return static_cast<double>(planned_aired_ms) / static_cast<double>(planned_ms);
}

std::string vn_date(scheduler::LocalDays d) {
  const date::year_month_day ymd(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u/%02u/%04d", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year()));
  return buf;
}

std::string format_hms(std::int64_t ms) {
  const std::int64_t s = (ms + 500) / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

namespace {

std::int64_t overlap(std::int64_t a0, std::int64_t a1, std::int64_t b0, std::int64_t b1) {
  return std::max<std::int64_t>(0, std::min(a1, b1) - std::max(a0, b0));
}

void tally(ReportLine& line, RowStatus status, bool counts) {
  if (!counts) return;
  line.plays++;
  switch (status) {
    case RowStatus::completed:
      line.completed++;
      break;
    case RowStatus::failed:
      line.failed++;
      break;
    case RowStatus::missed:
      line.missed++;
      break;
    case RowStatus::preempted:
      line.preempted++;
      break;
    case RowStatus::playing:
    case RowStatus::stopped:
    case RowStatus::interrupted:
      break;
  }
}

const char* const kVietnameseWeekday[] = {"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư",
                                          "Thứ Năm",  "Thứ Sáu", "Thứ Bảy"};

}  // namespace

ReportBuilder::ReportBuilder(const Period& period, ReportBy by, const scheduler::Zone& zone,
                             TopicLabels topics)
    : topics_(std::move(topics)) {
  r_.period = period;
  r_.by = by;
  if (by != ReportBy::day) return;
  std::vector<std::string> names;
  for (LocalDays d = period.first; d <= period.last; d += date::days(1)) {
    day_starts_.push_back(midnight_ms(d, zone));
    const date::weekday wd(d);
    names.push_back(std::string(kVietnameseWeekday[wd.c_encoding()]) + " " + iso_date(d));
  }
  day_starts_.push_back(period.to_ms);
  for (std::size_t i = 0; i + 1 < day_starts_.size(); ++i) {
    line_for(iso_date(period.first + date::days(static_cast<int>(i)))).label = names[i];
  }
}

ReportLine& ReportBuilder::line_for(const std::string& key) {
  auto [it, fresh] = index_.try_emplace(key, lines_.size());
  if (fresh) lines_.push_back(ReportLine{key, ""});
  return lines_[it->second];
}

void ReportBuilder::add(const ReportRow& row) {
  const std::int64_t from = r_.period.from_ms, to = r_.period.to_ms;
  const std::int64_t start = row.start_ms, end = row.end_ms;
  const bool has_plan = row.planned_ms && row.planned_s;
  const std::int64_t p0 = has_plan ? *row.planned_ms : 0;
  const std::int64_t p1 = has_plan ? p0 + std::llround(*row.planned_s * 1000.0) : 0;
  const bool counts = start >= from && start < to;
  if (!counts && end <= from && (!has_plan || p1 <= from)) return;
  if (counts && row.clock_synced == false) ++r_.unsynced_plays;
  if (r_.by == ReportBy::day) {
    // Split airtime and planned time at each local midnight.
    const std::int64_t lo = std::max(from, std::min(start, has_plan ? p0 : start));
    const std::int64_t hi = std::min(to, std::max(end, has_plan ? p1 : end));
    if (hi <= lo && !counts) return;
    auto first = std::upper_bound(day_starts_.begin(), day_starts_.end(), std::max(lo, from));
    for (auto i = static_cast<std::size_t>(first - day_starts_.begin()) - 1;
         i + 1 < day_starts_.size(); ++i) {
      const std::int64_t d0 = day_starts_[i], d1 = day_starts_[i + 1];
      if (d0 >= hi && !(counts && start >= d0 && start < d1)) break;
      ReportLine& l = lines_[i];
      const std::int64_t aired = overlap(start, end, d0, d1);
      l.airtime_ms += aired;
      if (has_plan) {
        l.planned_ms += overlap(p0, p1, d0, d1);
        l.planned_aired_ms += aired;
      }
      tally(l, row.status, counts && start >= d0 && start < d1);
    }
    return;
  }
  const std::string* key = &row.topic;
  switch (r_.by) {
    case ReportBy::topic:
      break;
    case ReportBy::channel:
      key = &row.channel;
      break;
    case ReportBy::schedule:
      key = &row.schedule_id;
      break;
    case ReportBy::media:
      key = &row.media_id;
      break;
    case ReportBy::day:
      break;
  }
  ReportLine& l = line_for(*key);
  if (r_.by == ReportBy::media && l.label.empty()) l.label = row.title;
  const std::int64_t aired = overlap(start, end, from, to);
  l.airtime_ms += aired;
  if (has_plan) {
    l.planned_ms += overlap(p0, p1, from, to);
    l.planned_aired_ms += aired;
  }
  tally(l, row.status, counts);
}

Report ReportBuilder::finish() && {
  const ReportBy by = r_.by;
  std::vector<ReportLine> lines = std::move(lines_);
  // Labels and order: topics in the configured order (every configured topic shows,
  // with zeros), the rest by key; days in calendar order.
  if (by == ReportBy::topic) {
    std::vector<ReportLine> ordered;
    for (const auto& [k, label] : topics_) {
      auto it = index_.find(k);
      ReportLine l = it == index_.end() ? ReportLine{k, ""} : lines[it->second];
      l.label = label;
      ordered.push_back(l);
    }
    std::vector<ReportLine> rest;
    for (const auto& l : lines) {
      if (std::none_of(topics_.begin(), topics_.end(),
                       [&](const auto& t) { return t.first == l.key; })) {
        rest.push_back(l);
        rest.back().label = l.key.empty() ? "Chưa phân loại chủ đề / no topic" : l.key;
      }
    }
    std::sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    ordered.insert(ordered.end(), rest.begin(), rest.end());
    lines = std::move(ordered);
  } else if (by != ReportBy::day) {
    std::sort(lines.begin(), lines.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
    for (auto& l : lines) {
      if (l.key.empty()) {
        l.label = by == ReportBy::schedule ? "Phát thủ công, khẩn cấp / manual, emergency"
                                           : "(không có / none)";
      } else if (by == ReportBy::channel) {
        l.label = l.key;
      }
    }
  }
  r_.lines = std::move(lines);
  r_.total = report_total(r_.lines);
  return std::move(r_);
}

ReportLine report_total(const std::vector<ReportLine>& lines) {
  ReportLine t{"total", "Tổng cộng / total"};
  for (const auto& l : lines) {
    t.plays += l.plays;
    t.completed += l.completed;
    t.failed += l.failed;
    t.missed += l.missed;
    t.preempted += l.preempted;
    t.airtime_ms += l.airtime_ms;
    t.planned_ms += l.planned_ms;
    t.planned_aired_ms += l.planned_aired_ms;
  }
  return t;
}

const std::vector<std::string>& report_columns() {
  static const std::vector<std::string> kCols = {
      "key",       "label",     "plays",       "completed", "failed",    "missed",
      "preempted", "airtime_s", "airtime_hms", "planned_s", "compliance"};
  return kCols;
}

const std::vector<std::string>& report_headers() {
  static const std::vector<std::string> kCols = {"Mã / key",
                                                 "Nội dung / label",
                                                 "Lượt phát / plays",
                                                 "Trọn vẹn / completed",
                                                 "Lỗi / failed",
                                                 "Bỏ lỡ / missed",
                                                 "Bị ngắt / pre-empted",
                                                 "Thời lượng (giây) / airtime (s)",
                                                 "Thời lượng / airtime (h:mm:ss)",
                                                 "Kế hoạch (giây) / planned (s)",
                                                 "Tỷ lệ thực hiện / compliance"};
  return kCols;
}

namespace {

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::vector<std::string> report_cells(const ReportLine& l) {
  const auto c = l.compliance();
  return {l.key,
          l.label,
          std::to_string(l.plays),
          std::to_string(l.completed),
          std::to_string(l.failed),
          std::to_string(l.missed),
          std::to_string(l.preempted),
          fixed(l.airtime_s(), 3),
          format_hms(l.airtime_ms),
          fixed(l.planned_s(), 3),
          c ? fixed(*c, 4) : ""};
}

json::object report_line_json(const ReportLine& l) {
  json::object o;
  o["key"] = l.key;
  o["label"] = l.label;
  o["plays"] = l.plays;
  o["completed"] = l.completed;
  o["failed"] = l.failed;
  o["missed"] = l.missed;
  o["preempted"] = l.preempted;
  o["airtime_s"] = l.airtime_s();
  o["airtime_hms"] = format_hms(l.airtime_ms);
  o["planned_s"] = l.planned_s();
  if (auto c = l.compliance()) {
    o["compliance"] = *c;
  } else {
    o["compliance"] = nullptr;
  }
  // Not in the specified list; lets a reader recompute compliance for merged periods.
  o["planned_aired_s"] = static_cast<double>(l.planned_aired_ms) / 1000.0;
  return o;
}

std::string report_json(const Report& r) {
  json::array out;
  for (const auto& l : r.lines) out.push_back(report_line_json(l));
  return json::serialize(out) + "\n";
}

std::string report_csv(const Report& r, bool excel_bom) {
  std::string out = excel_bom ? "\xEF\xBB\xBF" : "";
  auto row = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ',';
      out += csv_field(cells[i]);
    }
    out += "\r\n";
  };
  row(report_columns());
  for (const auto& l : r.lines) row(report_cells(l));
  row(report_cells(r.total));
  return out;
}

std::vector<ReportLine> report_lines_from_json(std::string_view text) {
  json::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) throw std::invalid_argument("report: expected a JSON array");
  std::vector<ReportLine> lines;
  std::size_t i = 0;
  for (const auto& item : v.get_array()) {
    const std::string where = "report[" + std::to_string(i++) + "]";
    if (!item.is_object()) throw std::invalid_argument(where + ": expected an object");
    const auto& o = item.get_object();
    auto num = [&](const char* k) -> double {
      auto it = o.find(k);
      if (it == o.end() || !it->value().is_number()) {
        throw std::invalid_argument(where + "." + k + ": expected a number");
      }
      return it->value().to_number<double>();
    };
    auto str = [&](const char* k) -> std::string {
      auto it = o.find(k);
      if (it == o.end() || !it->value().is_string()) {
        throw std::invalid_argument(where + "." + k + ": expected a string");
      }
      return std::string(it->value().get_string());
    };
    ReportLine l;
    l.key = str("key");
    l.label = str("label");
    l.plays = static_cast<std::int64_t>(num("plays"));
    l.completed = static_cast<std::int64_t>(num("completed"));
    l.failed = static_cast<std::int64_t>(num("failed"));
    l.missed = static_cast<std::int64_t>(num("missed"));
    l.preempted = static_cast<std::int64_t>(num("preempted"));
    l.airtime_ms = std::llround(num("airtime_s") * 1000.0);
    l.planned_ms = std::llround(num("planned_s") * 1000.0);
    l.planned_aired_ms = std::llround(num("planned_aired_s") * 1000.0);
    lines.push_back(std::move(l));
  }
  return lines;
}

}  // namespace loaxa::airtime
