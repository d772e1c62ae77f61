// The period report as an .xlsx workbook (libxlsxwriter), ready to attach to a
// district's report: a header block naming the box, the commune and the period, one
// line per key, and a total line with SUM formulas (and their values cached).

#include <xlsxwriter.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "airtime/report.hpp"

namespace loaxa::airtime {
namespace {

const char* by_label(ReportBy by) {
  switch (by) {
    case ReportBy::topic:
      return "Chủ đề (lĩnh vực tuyên truyền) / topic";
    case ReportBy::channel:
      return "Kênh / channel";
    case ReportBy::day:
      return "Ngày / day";
    case ReportBy::schedule:
      return "Lịch phát / schedule";
    case ReportBy::media:
      return "Nội dung phát / media";
  }
  return "";
}

std::string column_letter(int col) {
  std::string s;
  for (++col; col > 0; col = (col - 1) / 26)
    s.insert(s.begin(), static_cast<char>('A' + (col - 1) % 26));
  return s;
}

void check(lxw_error e, const char* what) {
  if (e != LXW_NO_ERROR) {
    throw std::runtime_error(std::string("XLSX: ") + what + ": " + lxw_strerror(e));
  }
}

// The cell formats of the sheet.
struct Formats {
  lxw_format* title;
  lxw_format* bold;
  lxw_format* head;
  lxw_format* seconds;
  lxw_format* pct;
  lxw_format* total_num;
  lxw_format* total_sec;
  lxw_format* total_pct;
};

Formats make_formats(lxw_workbook* wb) {
  Formats f{};
  f.title = workbook_add_format(wb);
  format_set_bold(f.title);
  format_set_font_size(f.title, 14);
  f.bold = workbook_add_format(wb);
  format_set_bold(f.bold);
  f.head = workbook_add_format(wb);
  format_set_bold(f.head);
  format_set_text_wrap(f.head);
  format_set_bg_color(f.head, 0xDDEBF7);
  format_set_border(f.head, LXW_BORDER_THIN);
  f.seconds = workbook_add_format(wb);
  format_set_num_format(f.seconds, "#,##0.000");
  f.pct = workbook_add_format(wb);
  format_set_num_format(f.pct, "0.0%");
  f.total_num = workbook_add_format(wb);
  format_set_bold(f.total_num);
  format_set_top(f.total_num, LXW_BORDER_THIN);
  f.total_sec = workbook_add_format(wb);
  format_set_bold(f.total_sec);
  format_set_top(f.total_sec, LXW_BORDER_THIN);
  format_set_num_format(f.total_sec, "#,##0.000");
  f.total_pct = workbook_add_format(wb);
  format_set_bold(f.total_pct);
  format_set_top(f.total_pct, LXW_BORDER_THIN);
  format_set_num_format(f.total_pct, "0.0%");
  return f;
}

constexpr lxw_row_t kHeadRow = 7;

// Rows 0-6: the title, then what the report is, for whom, over which period and whether
// the clock could be trusted (the caller's lines); row 7: the column heads.
void write_heading(lxw_worksheet* ws, const XlsxReport& x, const Formats& f) {
  worksheet_write_string(ws, 0, 0,
                         "BÁO CÁO THỜI LƯỢNG TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH TRÊN HỆ THỐNG "
                         "ĐÀI TRUYỀN THANH CƠ SỞ",
                         f.title);
  worksheet_write_string(ws, 1, 0, "Airtime report on administrative-reform communication",
                         nullptr);
  for (std::size_t i = 0; i < x.heading.size() && i < 5; ++i) {
    worksheet_write_string(ws, static_cast<lxw_row_t>(2 + i), 0, x.heading[i].first.c_str(),
                           x.heading[i].second ? f.bold : nullptr);
  }
  auto headers = report_headers();
  headers.insert(headers.end(), x.extra_headers.begin(), x.extra_headers.end());
  for (std::size_t c = 0; c < headers.size(); ++c) {
    worksheet_write_string(ws, kHeadRow, static_cast<lxw_col_t>(c), headers[c].c_str(), f.head);
  }
  worksheet_set_row(ws, kHeadRow, 45, nullptr);
  worksheet_set_column(ws, 0, 0, 16, nullptr);
  worksheet_set_column(ws, 1, 1, 60, nullptr);
  worksheet_set_column(ws, 2, 6, 12, nullptr);
  worksheet_set_column(ws, 7, 10, 16, nullptr);
  worksheet_set_column(ws, 11, static_cast<lxw_col_t>(10 + x.extra_headers.size()), 14, nullptr);
}

// The box's own report: its name, the period, and its clock.
XlsxReport box_sheet(const Report& r) {
  const auto& h = r.header;
  XlsxReport x;
  x.heading.emplace_back("Đơn vị / commune: " + (h.box_name.empty() ? h.box_id : h.box_name) +
                             "  (mã hộp / box id: " + h.box_id + ")",
                         true);
  x.heading.emplace_back("Kỳ báo cáo / period: " + r.period.text + "  (từ ngày " +
                             vn_date(r.period.first) + " đến ngày " + vn_date(r.period.last) +
                             ", múi giờ / time zone " + h.timezone + ")",
                         true);
  x.heading.emplace_back(std::string("Thống kê theo / by: ") + by_label(r.by), false);
  x.heading.emplace_back("Lập lúc / generated at: " + h.generated_at +
                             " — số liệu từ nhật ký phát sóng của hộp (loaxa) / from the box's "
                             "airtime log",
                         false);
  x.heading.emplace_back(
      r.unsynced_plays == 0
          ? std::string("Đồng hồ của hộp đã đồng bộ khi ghi mọi lượt phát / the clock was "
                        "synchronised for every play")
          : "Lưu ý: " + std::to_string(r.unsynced_plays) +
                " lượt phát được ghi khi đồng hồ chưa đồng bộ, thời điểm có thể sai / note: " +
                std::to_string(r.unsynced_plays) +
                " play(s) logged with an unsynchronised clock; their times may be wrong",
      r.unsynced_plays != 0);
  for (const auto& l : r.lines) x.lines.push_back({l, {}});
  x.total = {r.total, {}};
  return x;
}

void write_line(lxw_worksheet* ws, lxw_row_t row, const XlsxReport::Line& line, const Formats& f) {
  const ReportLine& l = line.counts;
  check(worksheet_write_string(ws, row, 0, l.key.c_str(), nullptr), "key");
  check(worksheet_write_string(ws, row, 1, l.label.c_str(), nullptr), "label");
  const std::int64_t counts[] = {l.plays, l.completed, l.failed, l.missed, l.preempted};
  for (int i = 0; i < 5; ++i) {
    worksheet_write_number(ws, row, static_cast<lxw_col_t>(2 + i), static_cast<double>(counts[i]),
                           nullptr);
  }
  worksheet_write_number(ws, row, 7, l.airtime_s(), f.seconds);
  worksheet_write_string(ws, row, 8, format_hms(l.airtime_ms).c_str(), nullptr);
  worksheet_write_number(ws, row, 9, l.planned_s(), f.seconds);
  if (auto c = l.compliance()) worksheet_write_number(ws, row, 10, *c, f.pct);
  for (std::size_t i = 0; i < line.extra.size(); ++i) {
    worksheet_write_number(ws, row, static_cast<lxw_col_t>(11 + i), line.extra[i], nullptr);
  }
}

// Total: SUM formulas over the lines above, with the computed values cached so that
// readers that do not calculate (and the test) see the numbers too.
void write_total(lxw_worksheet* ws, lxw_row_t row, const XlsxReport::Line& total,
                 const Formats& f) {
  const ReportLine& t = total.counts;
  worksheet_write_string(ws, row, 0, "total", f.bold);
  worksheet_write_string(ws, row, 1, t.label.c_str(), f.bold);
  const std::string first = std::to_string(kHeadRow + 2), last = std::to_string(row);
  const double values[] = {static_cast<double>(t.plays),     static_cast<double>(t.completed),
                           static_cast<double>(t.failed),    static_cast<double>(t.missed),
                           static_cast<double>(t.preempted), t.airtime_s()};
  for (int i = 0; i < 6; ++i) {
    const std::string col = column_letter(2 + i);
    const std::string sum = "=SUM(" + col + first + ":" + col + last + ")";
    worksheet_write_formula_num(ws, row, static_cast<lxw_col_t>(2 + i), sum.c_str(),
                                i == 5 ? f.total_sec : f.total_num, values[i]);
  }
  worksheet_write_string(ws, row, 8, format_hms(t.airtime_ms).c_str(), f.bold);
  const std::string planned = "=SUM(J" + first + ":J" + last + ")";
  worksheet_write_formula_num(ws, row, 9, planned.c_str(), f.total_sec, t.planned_s());
  if (auto c = t.compliance()) worksheet_write_number(ws, row, 10, *c, f.total_pct);
  for (std::size_t i = 0; i < total.extra.size(); ++i) {
    worksheet_write_number(ws, row, static_cast<lxw_col_t>(11 + i), total.extra[i], f.total_num);
  }
}

}  // namespace

void report_xlsx(const Report& r, const std::string& path) {
  report_xlsx(box_sheet(r), path);
}

void report_xlsx(const XlsxReport& r, const std::string& path) {
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) throw std::runtime_error("XLSX: cannot create " + path);
  struct Closer {
    lxw_workbook* wb;
    ~Closer() {
      if (wb) workbook_close(wb);
    }
  } closer{wb};
  lxw_worksheet* ws = workbook_add_worksheet(wb, "Bao cao");
  const Formats formats = make_formats(wb);
  write_heading(ws, r, formats);
  lxw_row_t row = kHeadRow + 1;
  for (const auto& l : r.lines) write_line(ws, row++, l, formats);
  write_total(ws, row, r.total, formats);
  worksheet_freeze_panes(ws, kHeadRow + 1, 0);
  closer.wb = nullptr;
  check(workbook_close(wb), ("writing " + path).c_str());
}

}  // namespace loaxa::airtime
