#pragma once
// Period reports over the box's airtime log: the rows of a period read from SQLite and
// counted by airtime/report.hpp's rules.

#include "airtime/report.hpp"
#include "store/sqlite/database.hpp"

namespace loaxa::store {

// The report shapes are airtime/'s; the box's code names them here too.
using airtime::default_topics;
using airtime::format_hms;
using airtime::parse_period;
using airtime::parse_report_by;
using airtime::Period;
using airtime::Report;
using airtime::report_cells;
using airtime::report_columns;
using airtime::report_csv;
using airtime::report_headers;
using airtime::report_json;
using airtime::report_lines_from_json;
using airtime::report_total;
using airtime::report_xlsx;
using airtime::ReportBy;
using airtime::ReportHeader;
using airtime::ReportLine;
using airtime::to_string;
using airtime::TopicLabels;
using airtime::vn_date;

Report build_report(sqlite::Database& db, const Period& period, ReportBy by,
                    const scheduler::Zone& zone, const TopicLabels& topics);

}  // namespace loaxa::store
