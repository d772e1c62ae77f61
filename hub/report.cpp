#include "hub/report.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <set>

#include "common/errors.hpp"
#include "common/id.hpp"
#include "hub/csv.hpp"

namespace loaxa::hub {

namespace {

using airtime::ReportBuilder;
using airtime::ReportBy;
using airtime::ReportLine;

enum class Outer { none, district, commune, box };

struct Group {
  std::string key, label;
  std::vector<const Box*> boxes;
  std::unique_ptr<ReportBuilder> builder;
  std::set<std::string> counted;  // boxes with a play in the period
};

std::string commune_key(const Box& b) {
  return b.district_id + "/" + id_from_name(b.commune);
}

std::pair<std::string, std::string> outer_of(Outer o, const Box& b) {
  switch (o) {
    case Outer::district:
      return {b.district_id, b.district};
    case Outer::commune:
      return {commune_key(b), b.commune + " (" + b.district + ")"};
    case Outer::box:
      return {b.id, b.name + " — " + b.commune};
    case Outer::none:
      break;
  }
  return {"all", ""};
}

void parse_by(const std::string& by, Outer& outer, ReportBy& inner, bool& two_level) {
  const auto comma = by.find(',');
  const std::string first = by.substr(0, comma);
  const std::string second = comma == std::string::npos ? "" : by.substr(comma + 1);
  static const std::map<std::string, Outer> outers = {
      {"district", Outer::district}, {"commune", Outer::commune}, {"box", Outer::box}};
  two_level = !second.empty();
  if (first == "audience" || second == "audience") {
    throw std::invalid_argument(
        "by=audience is not available yet: the rows boxes send do not carry the audience "
        "(use topic)");
  }
  if (auto it = outers.find(first); it != outers.end()) {
    outer = it->second;
    inner = two_level ? airtime::parse_report_by(second) : ReportBy::topic;
    if (two_level && inner != ReportBy::topic && inner != ReportBy::channel) {
      throw std::invalid_argument("by=" + by + ": the second level may be topic or channel");
    }
    return;
  }
  if (two_level) {
    throw std::invalid_argument("by=" + by + ": two levels start with district, commune or box");
  }
  outer = Outer::none;
  if (first != "topic" && first != "channel" && first != "day") {
    throw std::invalid_argument(
        "by must be district, commune, box, topic, channel or day "
        "(optionally district,topic / commune,topic / box,topic), not \"" +
        by + "\"");
  }
  inner = airtime::parse_report_by(first);
}

std::string now_local(const scheduler::Zone& zone) {
  return zone.format_iso(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()),
      false);
}

// Every row of the boxes in [from - lookback, to), fed to its box's group, read through
// a cursor so memory stays flat whatever the period holds.
void feed_rows(Store& store, const airtime::Period& period, std::map<std::string, Group*>& of_box,
               std::int64_t& unsynced) {
  auto& db = store.db();
  pg::Transaction tx(db);
  std::string ids = "{";
  for (const auto& [id, g] : of_box) ids += (ids.size() > 1 ? "," : "") + id;
  ids += "}";
  db.exec(
      "DECLARE rows NO SCROLL CURSOR FOR SELECT box_id, channel, topic, schedule_id, media_id, "
      "title, status, start_ms, end_ms, planned_ms, planned_s, clock_synced FROM airtime "
      "WHERE start_at >= to_timestamp($1::bigint / 1000.0) AND start_at < "
      "to_timestamp($2::bigint / 1000.0) AND box_id = ANY($3::text[])",
      {pg::num(period.from_ms - airtime::kReportLookbackMs), pg::num(period.to_ms), pg::text(ids)});
  airtime::ReportRow row;
  for (;;) {
    auto r = db.exec("FETCH 20000 FROM rows");
    if (r.rows() == 0) break;
    for (int i = 0; i < r.rows(); ++i) {
      Group* g = of_box.at(r.str(i, 0));
      row.channel = r.str(i, 1);
      row.topic = r.str(i, 2);
      row.schedule_id = r.str(i, 3);
      row.media_id = r.str(i, 4);
      row.title = r.str(i, 5);
      row.status = airtime::row_status.at(r.str(i, 6), "status");
      row.start_ms = r.int64(i, 7);
      row.end_ms = r.int64(i, 8);
      row.planned_ms = r.opt_int64(i, 9);
      row.planned_s = r.opt_real(i, 10);
      row.clock_synced = r.null(i, 11) ? std::nullopt : std::optional<bool>(r.boolean(i, 11));
      if (row.start_ms >= period.from_ms && row.start_ms < period.to_ms) {
        g->counted.insert(r.str(i, 0));
        if (row.clock_synced == false) ++unsynced;
      }
      g->builder->add(row);
    }
  }
  tx.commit();
}

}  // namespace

FleetReport fleet_report(Store& store, const Scope& scope, const ReportAsk& ask,
                         const scheduler::Zone& zone, const std::string& province) {
  FleetReport out;
  out.province = province;
  out.timezone = zone.name();
  out.by = ask.by;
  out.period = airtime::parse_period(ask.period, zone);
  Outer outer = Outer::none;
  ReportBy inner = ReportBy::topic;
  bool two_level = false;
  parse_by(ask.by, outer, inner, two_level);
  Scope s = scope;
  if (!ask.district.empty()) {
    if (!scope.district.empty() && scope.district != ask.district) {
      throw Forbidden("district \"" + ask.district + "\" is not yours");
    }
    s.district = ask.district;
  }
  const auto boxes = store.boxes(s);
  out.scope_label = s.district.empty() ? "toàn tỉnh / whole province"
                                       : (boxes.empty() ? s.district : boxes.front().district);
  // Groups in the order boxes come (district, commune, id).
  std::vector<std::unique_ptr<Group>> groups;
  std::map<std::string, Group*> by_key, of_box;
  const auto& topics = airtime::default_topics();
  for (const auto& b : boxes) {
    auto [key, label] = outer_of(outer, b);
    auto& g = by_key[key];
    if (!g) {
      groups.push_back(std::make_unique<Group>());
      g = groups.back().get();
      g->key = key;
      g->label = label;
      g->builder = std::make_unique<ReportBuilder>(out.period, inner, zone, topics);
    }
    g->boxes.push_back(&b);
    of_box[b.id] = g;
    out.chain_breaks += b.chain_breaks;
  }
  if (!of_box.empty()) feed_rows(store, out.period, of_box, out.unsynced_plays);

  std::vector<ReportLine> totals;
  std::int64_t counted = 0, silent = 0;
  for (auto& g : groups) {
    const auto report = std::move(*g->builder).finish();
    const auto n = static_cast<std::int64_t>(g->counted.size());
    const auto quiet = static_cast<std::int64_t>(g->boxes.size()) - n;
    counted += n;
    silent += quiet;
    totals.push_back(report.total);
    if (outer == Outer::none) {
      for (const auto& l : report.lines) out.lines.push_back({l, "", "", n, quiet});
    } else if (!two_level) {
      ReportLine l = report.total;
      l.key = g->key;
      l.label = g->label;
      out.lines.push_back({l, "", "", n, quiet});
    } else {
      for (auto l : report.lines) {
        l.key = g->key + "/" + l.key;
        l.label = g->label + " — " + l.label;
        out.lines.push_back({l, g->key, g->label, n, quiet});
      }
    }
  }
  out.total.counts = airtime::report_total(totals);
  out.total.boxes = counted;
  out.total.boxes_silent = silent;
  out.generated_at = now_local(zone);
  return out;
}

std::string fleet_report_json(const FleetReport& r) {
  namespace json = boost::json;
  json::array lines;
  auto line = [](const FleetLine& f) {
    json::object o = airtime::report_line_json(f.counts);
    if (!f.group.empty()) {
      o["group"] = f.group;
      o["group_label"] = f.group_label;
    }
    o["boxes"] = f.boxes;
    o["boxes_silent"] = f.boxes_silent;
    return o;
  };
  for (const auto& l : r.lines) lines.push_back(line(l));
  json::object out{{"province", r.province},
                   {"scope", r.scope_label},
                   {"period", r.period.text},
                   {"from", airtime::vn_date(r.period.first)},
                   {"to", airtime::vn_date(r.period.last)},
                   {"by", r.by},
                   {"generated_at", r.generated_at},
                   {"chain_breaks", r.chain_breaks},
                   {"unsynced_plays", r.unsynced_plays},
                   {"lines", std::move(lines)},
                   {"total", line(r.total)}};
  return json::serialize(out) + "\n";
}

std::string fleet_report_csv(const FleetReport& r) {
  std::string out = "\xEF\xBB\xBF";
  auto row = [&](std::vector<std::string> cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
    out += "\r\n";
  };
  auto cols = airtime::report_columns();
  cols.emplace_back("boxes");
  cols.emplace_back("boxes_silent");
  row(cols);
  auto cells = [](const FleetLine& f) {
    auto c = airtime::report_cells(f.counts);
    c.push_back(std::to_string(f.boxes));
    c.push_back(std::to_string(f.boxes_silent));
    return c;
  };
  for (const auto& l : r.lines) row(cells(l));
  row(cells(r.total));
  return out;
}

void fleet_report_xlsx(const FleetReport& r, const std::string& path) {
  airtime::XlsxReport x;
  x.heading.emplace_back("Đơn vị / unit: " + r.province + " — " + r.scope_label, true);
  x.heading.emplace_back("Kỳ báo cáo / period: " + r.period.text + "  (từ ngày " +
                             airtime::vn_date(r.period.first) + " đến ngày " +
                             airtime::vn_date(r.period.last) + ", múi giờ / time zone " +
                             r.timezone + ")",
                         true);
  x.heading.emplace_back("Thống kê theo / by: " + r.by + " — số hộp có số liệu / boxes counted: " +
                             std::to_string(r.total.boxes) +
                             ", không có số liệu / silent: " + std::to_string(r.total.boxes_silent),
                         false);
  x.heading.emplace_back("Lập lúc / generated at: " + r.generated_at +
                             " — số liệu từ nhật ký phát sóng có chữ ký của từng hộp / from each "
                             "box's signed airtime log",
                         false);
  x.heading.emplace_back(
      r.chain_breaks == 0
          ? std::string("Chuỗi nhật ký: toàn vẹn ở mọi hộp / chain status: intact in every box")
          : "Chuỗi nhật ký: " + std::to_string(r.chain_breaks) +
                " chỗ đứt hoặc sửa (xem cảnh báo) / chain status: " +
                std::to_string(r.chain_breaks) + " break(s), see the alerts",
      r.chain_breaks != 0);
  x.extra_headers = {"Số hộp / boxes", "Hộp không có số liệu / silent boxes"};
  for (const auto& l : r.lines) {
    x.lines.push_back(
        {l.counts, {static_cast<double>(l.boxes), static_cast<double>(l.boxes_silent)}});
  }
  x.total = {r.total.counts,
             {static_cast<double>(r.total.boxes), static_cast<double>(r.total.boxes_silent)}};
  airtime::report_xlsx(x, path);
}

}  // namespace loaxa::hub
