#include "store/report.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/store.hpp"
#include "store_fixture.hpp"

namespace loaxa::store {
namespace {

using scheduler::Zone;

std::int64_t ms_at(const std::string& iso, const Zone& zone) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             scheduler::parse_iso_instant(iso, zone).time_since_epoch())
      .count();
}

TEST(Period, FormsInTheBoxZone) {
  const Zone vn("Asia/Ho_Chi_Minh");
  auto p = parse_period("2022-Q3", vn);
  EXPECT_EQ(p.from_ms, ms_at("2022-07-01T00:00:00+07:00", vn));
  EXPECT_EQ(p.to_ms, ms_at("2022-10-01T00:00:00+07:00", vn));
  p = parse_period("2022-Q4", vn);
  EXPECT_EQ(p.to_ms, ms_at("2023-01-01T00:00:00+07:00", vn));
  p = parse_period("2022-H1", vn);
  EXPECT_EQ(p.from_ms, ms_at("2022-01-01T00:00:00+07:00", vn));
  EXPECT_EQ(p.to_ms, ms_at("2022-07-01T00:00:00+07:00", vn));
  p = parse_period("2022-H2", vn);
  EXPECT_EQ(p.to_ms, ms_at("2023-01-01T00:00:00+07:00", vn));
  p = parse_period("2022", vn);
  EXPECT_EQ(p.to_ms - p.from_ms, 365LL * 86'400'000);
  p = parse_period("2024-02", vn);  // leap year
  EXPECT_EQ(p.to_ms - p.from_ms, 29LL * 86'400'000);
  p = parse_period("2022-12", vn);
  EXPECT_EQ(p.to_ms, ms_at("2023-01-01T00:00:00+07:00", vn));
  p = parse_period("2022-07-01..2022-09-30", vn);  // both ends included
  EXPECT_EQ(p.to_ms, parse_period("2022-Q3", vn).to_ms);
  p = parse_period("2022-09-02", vn);
  EXPECT_EQ(p.to_ms - p.from_ms, 86'400'000);
}

TEST(Period, DaylightSavingMakesShortAndLongDays) {
  const Zone berlin("Europe/Berlin");
  // 2022-03-27 has 23 hours there, 2022-10-30 has 25.
  auto p = parse_period("2022-03-27", berlin);
  EXPECT_EQ(p.to_ms - p.from_ms, 23LL * 3'600'000);
  p = parse_period("2022-10-30", berlin);
  EXPECT_EQ(p.to_ms - p.from_ms, 25LL * 3'600'000);
  p = parse_period("2022-Q1", berlin);
  EXPECT_EQ(p.from_ms, ms_at("2022-01-01T00:00:00+01:00", berlin));
  EXPECT_EQ(p.to_ms, ms_at("2022-04-01T00:00:00+02:00", berlin));
}

TEST(Period, BadFormsSayWhatIsAccepted) {
  const Zone vn("Asia/Ho_Chi_Minh");
  for (const char* bad : {"2022-Q5", "2022-H3", "2022-13", "22", "2022-7", "Q3", "2022-09-31",
                          "2022-09-30..2022-07-01", ""}) {
    try {
      parse_period(bad, vn);
      ADD_FAILURE() << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("2022-Q3 (quarter)"), std::string::npos) << e.what();
    }
  }
}

class ReportTest : public StoreTest {
 protected:
  // A closed play from `start` lasting `secs`, planned as `planned_secs` (<0: unplanned).
  void play(const std::string& start, double secs, const std::string& topic,
            const std::string& status = "completed", double planned_secs = -1,
            const std::string& channel = "loudspeaker") {
    AirtimeRow r;
    r.box_id = "bp-tan-phu";
    r.channel = channel;
    r.media_id = "m-" + topic;
    r.title = "Bản tin " + topic;
    r.topic = topic;
    r.source = planned_secs >= 0 ? airtime::RowSource::schedule : airtime::RowSource::manual;
    r.schedule_id = planned_secs >= 0 ? "sang" : "";
    r.planned_start = start;
    r.actual_start = status == "missed" ? "" : start;
    r.clock_synced = true;
    const auto t0 = ms_at(start, zone_);
    if (planned_secs >= 0) {
      r.planned_s = planned_secs;
      r.planned_ms = t0;
    }
    r.actual_end = start;
    r.duration_s = secs;
    r.status = airtime::row_status.at(status, "status");
    store_->airtime().insert_closed(r, t0);
  }
  Report report(const std::string& period, ReportBy by) {
    return build_report(store_->db(), parse_period(period, zone_), by, zone_, default_topics());
  }
  const ReportLine& line(const Report& r, const std::string& key) {
    for (const auto& l : r.lines) {
      if (l.key == key) return l;
    }
    throw std::runtime_error("no line " + key);
  }
  Zone zone_{"Asia/Ho_Chi_Minh"};
};

TEST_F(ReportTest, CountsAirtimeAndComplianceByTopic) {
  play("2022-07-01T06:00:00", 180, "indices", "completed", 180);
  play("2022-07-02T06:00:00", 60, "indices", "preempted", 180);
  play("2022-07-03T06:00:00", 0, "indices", "missed", 180);
  play("2022-07-04T06:00:00", 0, "policy", "failed", 120);
  play("2022-07-05T06:00:00", 30, "policy", "completed");         // manual: no plan
  play("2022-06-30T06:00:00", 100, "indices", "completed", 100);  // before Q3
  const auto r = report("2022-Q3", ReportBy::topic);
  ASSERT_EQ(r.lines.size(), default_topics().size());
  EXPECT_EQ(r.lines[0].key, "overview");  // the configured order, zeros included
  const auto& idx = line(r, "indices");
  EXPECT_EQ(idx.label, "PAR Index, SIPAS, PAPI, PCI");
  EXPECT_EQ(idx.plays, 3);
  EXPECT_EQ(idx.completed, 1);
  EXPECT_EQ(idx.preempted, 1);
  EXPECT_EQ(idx.missed, 1);
  EXPECT_EQ(idx.airtime_ms, 240'000);
  EXPECT_EQ(idx.planned_ms, 540'000);
  EXPECT_NEAR(*idx.compliance(), 240.0 / 540.0, 1e-9);
  const auto& pol = line(r, "policy");
  EXPECT_EQ(pol.plays, 2);
  EXPECT_EQ(pol.failed, 1);
  EXPECT_EQ(pol.airtime_ms, 30'000);
  EXPECT_EQ(pol.planned_ms, 120'000);
  EXPECT_DOUBLE_EQ(*pol.compliance(), 0.0);  // the manual play is not part of the plan
  EXPECT_FALSE(line(r, "rights").compliance());
  EXPECT_EQ(r.total.plays, 5);
  EXPECT_EQ(r.total.airtime_ms, 270'000);
  EXPECT_EQ(format_hms(r.total.airtime_ms), "0:04:30");
}

TEST_F(ReportTest, APlayCrossingAQuarterIsSplitAtIt) {
  // 23:50 on 30 September for 20 minutes: 10 in Q3, 10 in Q4; counted where it started.
  play("2022-09-30T23:50:00", 1200, "results", "completed", 1200);
  const auto q3 = report("2022-Q3", ReportBy::topic);
  const auto q4 = report("2022-Q4", ReportBy::topic);
  EXPECT_EQ(line(q3, "results").airtime_ms, 600'000);
  EXPECT_EQ(line(q4, "results").airtime_ms, 600'000);
  EXPECT_EQ(line(q3, "results").planned_ms, 600'000);
  EXPECT_EQ(line(q4, "results").planned_ms, 600'000);
  EXPECT_EQ(line(q3, "results").plays, 1);
  EXPECT_EQ(line(q4, "results").plays, 0);
  // Half-year and year boundaries the same way.
  play("2022-12-31T23:59:00", 120, "models", "completed", 120);
  EXPECT_EQ(line(report("2022-H2", ReportBy::topic), "models").airtime_ms, 60'000);
  EXPECT_EQ(line(report("2023", ReportBy::topic), "models").airtime_ms, 60'000);
  EXPECT_EQ(line(report("2023-H1", ReportBy::topic), "models").plays, 0);
  // The two halves add up to the whole.
  const auto year = report("2022", ReportBy::topic);
  EXPECT_EQ(line(year, "results").airtime_ms, 1'200'000);
}

TEST_F(ReportTest, ByDaySplitsAtLocalMidnightAcrossDaylightSaving) {
  zone_ = Zone("Europe/Berlin");
  // 30 October 2022 has 25 hours in Berlin; a play from 23:30 on the 29th for 1 h.
  play("2022-10-29T23:30:00", 3600, "overview", "completed", 3600);
  play("2022-10-30T12:00:00", 60, "overview", "completed", 60);
  const auto r = report("2022-10-29..2022-10-31", ReportBy::day);
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[0].key, "2022-10-29");
  EXPECT_EQ(r.lines[0].label, "Thứ Bảy 2022-10-29");
  EXPECT_EQ(r.lines[0].airtime_ms, 1'800'000);
  EXPECT_EQ(r.lines[0].plays, 1);
  EXPECT_EQ(r.lines[1].airtime_ms, 1'800'000 + 60'000);
  EXPECT_EQ(r.lines[1].plays, 1);
  EXPECT_EQ(r.lines[2].airtime_ms, 0);
  EXPECT_EQ(r.total.airtime_ms, 3'660'000);
}

TEST_F(ReportTest, ByChannelScheduleAndMedia) {
  play("2022-07-01T06:00:00", 10, "indices", "completed", 10, "loudspeaker");
  play("2022-07-01T07:00:00", 20, "indices", "completed", 20, "kiosk");
  play("2022-07-01T08:00:00", 5, "policy", "completed", -1, "kiosk");
  const auto ch = report("2022-07", ReportBy::channel);
  ASSERT_EQ(ch.lines.size(), 2u);
  EXPECT_EQ(ch.lines[0].key, "kiosk");
  EXPECT_EQ(ch.lines[0].airtime_ms, 25'000);
  const auto sc = report("2022-07", ReportBy::schedule);
  EXPECT_EQ(line(sc, "").label, "Phát thủ công, khẩn cấp / manual, emergency");
  EXPECT_EQ(line(sc, "sang").plays, 2);
  const auto md = report("2022-07", ReportBy::media);
  EXPECT_EQ(line(md, "m-indices").label, "Bản tin indices");
}

TEST_F(ReportTest, CsvHasTheColumnsAndATotalAndExcelGetsABom) {
  play("2022-07-01T06:00:00", 61.5, "indices", "completed", 61.5);
  const auto r = report("2022-Q3", ReportBy::topic);
  const std::string csv = report_csv(r, false);
  EXPECT_EQ(csv.rfind("key,label,plays,completed,failed,missed,preempted,airtime_s,airtime_hms,"
                      "planned_s,compliance\r\n",
                      0),
            0u);
  EXPECT_NE(csv.find("indices,\"PAR Index, SIPAS, PAPI, PCI\",1,1,0,0,0,61.500,0:01:02,61.500,"
                     "1.0000\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("total,Tổng cộng / total,1,"), std::string::npos);
  EXPECT_EQ(report_csv(r, true).rfind("\xEF\xBB\xBFkey,", 0), 0u);
  // JSON round trip (the CLI's online table).
  const auto lines = report_lines_from_json(report_json(r));
  ASSERT_EQ(lines.size(), r.lines.size());
  EXPECT_EQ(report_total(lines).airtime_ms, r.total.airtime_ms);
  EXPECT_EQ(*report_total(lines).compliance(), 1.0);
}

}  // namespace
}  // namespace loaxa::store

namespace loaxa::airtime {
namespace {

// The counting rules with no database at all: rows handed to the builder as the province
// hub will hand them (from several boxes, in any order).
TEST(ReportBuilder, CountsRowsFedWithoutADatabase) {
  const scheduler::Zone vn("Asia/Ho_Chi_Minh");
  const Period q3 = parse_period("2022-Q3", vn);
  ReportBuilder builder(q3, ReportBy::topic, vn, {{"results", "Kết quả CCHC"}});
  ReportRow row;
  row.topic = "results";
  row.status = airtime::RowStatus::completed;
  // 23:50 on 30 September (Hà Nội time) for 20 minutes: 10 of them in Q3.
  row.start_ms = q3.to_ms - 600'000;
  row.end_ms = q3.to_ms + 600'000;
  row.planned_ms = row.start_ms;
  row.planned_s = 1200.0;
  row.clock_synced = false;
  builder.add(row);
  // One from another box, earlier in the quarter, no plan (a manual play).
  row.start_ms = q3.from_ms + 3'600'000;
  row.end_ms = row.start_ms + 60'000;
  row.planned_ms.reset();
  row.planned_s.reset();
  row.clock_synced = true;
  builder.add(row);
  // One that ended before the quarter: not counted at all.
  row.start_ms = q3.from_ms - 7'200'000;
  row.end_ms = q3.from_ms - 3'600'000;
  builder.add(row);
  const Report r = std::move(builder).finish();
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].label, "Kết quả CCHC");
  EXPECT_EQ(r.lines[0].plays, 2);
  EXPECT_EQ(r.lines[0].completed, 2);
  EXPECT_EQ(r.lines[0].airtime_ms, 600'000 + 60'000);
  EXPECT_EQ(r.lines[0].planned_ms, 600'000);
  EXPECT_EQ(r.lines[0].planned_aired_ms, 600'000);
  EXPECT_EQ(r.unsynced_plays, 1);
  EXPECT_EQ(r.total.airtime_ms, 660'000);
}

}  // namespace
}  // namespace loaxa::airtime
