#pragma once
// Reports across boxes: what a district (Phòng Nội vụ) or the province (Sở Nội vụ) files
// each quarter, half-year and year. Each box's rows are counted by the box's own rules
// (airtime::ReportBuilder: a play counts where it starts, airtime is split at the
// period's edges), so a set of boxes totals exactly what their own `loaxa report` says.
// Enrolled boxes with no row in the period are counted as silent, never hidden.

#include <string>
#include <vector>

#include "airtime/report.hpp"
#include "hub/store.hpp"

namespace loaxa::hub {

struct FleetLine {
  airtime::ReportLine counts;      // key and label included
  std::string group, group_label;  // two-level reports (commune × topic): the outer part
  std::int64_t boxes = 0;          // boxes with plays counted in the line's part
  std::int64_t boxes_silent = 0;   // enrolled boxes of that part with no row in the period
};

struct FleetReport {
  std::string province;
  std::string scope_label;  // "toàn tỉnh" or the district's name
  airtime::Period period;
  std::string by;  // as asked: "commune,topic"
  std::string generated_at;
  std::string timezone;
  std::vector<FleetLine> lines;
  FleetLine total;
  std::int64_t chain_breaks = 0;  // in the counted boxes' chains, ever
  std::int64_t unsynced_plays = 0;
};

struct ReportAsk {
  std::string period;           // "2022-Q3"
  std::string by = "district";  // district|commune|box|topic|channel|day[,topic]
  std::string district;         // optional filter (within the caller's scope)
};

// Throws std::invalid_argument naming the parameter that is wrong, Forbidden when a
// district user asks for another district.
FleetReport fleet_report(Store& store, const Scope& scope, const ReportAsk& ask,
                         const scheduler::Zone& zone, const std::string& province);

std::string fleet_report_json(const FleetReport& r);
std::string fleet_report_csv(const FleetReport& r);  // with a BOM for Excel
void fleet_report_xlsx(const FleetReport& r, const std::string& path);

}  // namespace loaxa::hub
