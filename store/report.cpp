#include "store/report.hpp"

namespace loaxa::store {

Report build_report(sqlite::Database& db, const Period& period, ReportBy by,
                    const scheduler::Zone& zone, const TopicLabels& topics) {
  airtime::ReportBuilder builder(period, by, zone, topics);
  auto st = db.prepare(
      "SELECT channel, topic, schedule_id, media_id, title, status, start_ms, "
      "COALESCE(end_ms, start_ms + position_ms), planned_ms, planned_s, clock_synced "
      "FROM airtime WHERE start_ms >= ?1 AND start_ms < ?2");
  st.bind(1, period.from_ms - airtime::kReportLookbackMs).bind(2, period.to_ms);
  airtime::ReportRow row;
  while (st.step()) {
    row.channel = st.text(0);
    row.topic = st.text(1);
    row.schedule_id = st.text(2);
    row.media_id = st.text(3);
    row.title = st.text(4);
    row.status = airtime::row_status.at(st.text_view(5), "status");
    row.start_ms = st.int64(6);
    row.end_ms = st.int64(7);
    row.planned_ms = st.is_null(8) ? std::nullopt : std::optional(st.int64(8));
    row.planned_s = st.is_null(9) ? std::nullopt : std::optional(st.real(9));
    row.clock_synced = st.is_null(10) ? std::nullopt : std::optional(st.int64(10) != 0);
    builder.add(row);
  }
  return std::move(builder).finish();
}

}  // namespace loaxa::store
