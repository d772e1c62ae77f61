// loaxa-hub with a real PostgreSQL and real boxes: enrolment, signed ingest with chain
// checks, the report across communes equal to the boxes' own, roles route by route, and
// the faults a province meets (hub down, database restarted, a box's log edited).

#include <regex>

#include "airtime/export.hpp"
#include "airtime/row.hpp"
#include "common/errors.hpp"
#include "hub/pg.hpp"
#include "hub_fixture.hpp"
#include "store/store.hpp"

namespace loaxa::test {
namespace {

// The rows of a box's database as it would push them: NDJSON in closing order.
std::vector<std::string> box_lines(const std::filesystem::path& db) {
  std::vector<std::string> lines;
  store::Store st(db);
  st.airtime().closed_after(0, 1'000'000, [&](std::int64_t, const store::AirtimeRow& row) {
    lines.push_back(boost::json::serialize(airtime::to_json(row)));
  });
  return lines;
}

std::string joined(const std::vector<std::string>& lines, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

std::string sign(const std::string& body, const TestBox& b) {
  std::string s = sync::sign_with_key_file(body, b.key());
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// The box's own report (offline, from its database) as JSON lines.
boost::json::array own_report(const TestBox& b, const std::string& period, const std::string& by) {
  const auto r = run({LOAXA_BIN, "report", "--period", period, "--by", by, "--format", "json",
                      "--db", b.db().string()});
  EXPECT_EQ(r.code, 0) << r.err;
  return boost::json::parse(r.out).as_array();
}

struct Sums {
  std::int64_t plays = 0, completed = 0, failed = 0, missed = 0, preempted = 0;
  double airtime_s = 0, planned_s = 0;
};
Sums sum(const boost::json::array& lines) {
  Sums s;
  for (const auto& l : lines) {
    s.plays += l.at("plays").as_int64();
    s.completed += l.at("completed").as_int64();
    s.failed += l.at("failed").as_int64();
    s.missed += l.at("missed").as_int64();
    s.preempted += l.at("preempted").as_int64();
    s.airtime_s += l.at("airtime_s").to_number<double>();
    s.planned_s += l.at("planned_s").to_number<double>();
  }
  return s;
}

void expect_equal(const Sums& hub, const Sums& own, const std::string& what) {
  EXPECT_EQ(hub.plays, own.plays) << what;
  EXPECT_EQ(hub.completed, own.completed) << what;
  EXPECT_EQ(hub.failed, own.failed) << what;
  EXPECT_EQ(hub.missed, own.missed) << what;
  EXPECT_EQ(hub.preempted, own.preempted) << what;
  EXPECT_NEAR(hub.airtime_s, own.airtime_s, 0.001) << what;
  EXPECT_NEAR(hub.planned_s, own.planned_s, 0.001) << what;
}

}  // namespace

TEST_F(HubTest, ACheckOfABadConfigNamesFileAndLineOfEveryProblem) {
  std::ofstream(hub_config())
      << "[hub]\nid = \"Sở\"\ntimezone = \"Asia/Sai_Gon\"\n"
      << "[api]\nlisten = []\ntokens = [ { name = \"x\", role = \"district\","
      << " sha256 = \"abc\" } ]\n[alerts]\ncommand = [\"notify\"]\nbogus = 1\n";
  const auto r = run({HUB_BIN, "--config", hub_config().string(), "--check"});
  EXPECT_EQ(r.code, 2);
  const std::string f = hub_config().string();
  for (const std::string& expected :
       {f + ":2: hub.id", f + ":3: hub.timezone", f + ":5: api.listen needs",
        f + ":6: api.tokens[0] has role \"district\" but no district",
        f + ":6: api.tokens[0].sha256 must be 64", f + ":8: alerts.command[0] must be an absolute",
        f + ":9: "}) {
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << "\n" << r.err;
  }
  write_hub_config();
  const auto ok = run({HUB_BIN, "--config", hub_config().string(), "--check"});
  EXPECT_EQ(ok.code, 0) << ok.err;
}

TEST_F(HubTest, TwoBoxesPushAndTheReportByCommuneEqualsTheirOwnReports) {
  write_hub_config();
  auto a = make_box("bp-dong-xoai-tan-phu", "Đồng Xoài", "Tân Phú", 1500, 1);
  auto b = make_box("bp-bu-dang-duc-lieu", "Bù Đăng", "Đức Liễu", 1200, 2);
  // A third commune enrolled but silent: the report must show it, not hide it.
  auto c = make_box("bp-bu-dang-tho-son", "Bù Đăng", "Thọ Sơn", 0, 3);
  start_hub();
  auto box_a = start_box(a);
  auto box_b = start_box(b);
  ASSERT_TRUE(wait_for_rows(a.id, 1500, 60s)) << hub->output() << box_a->output();
  ASSERT_TRUE(wait_for_rows(b.id, 1200, 60s)) << hub->output() << box_b->output();

  for (const std::string period : {"2022-Q3", "2022-H1", "2022"}) {
    const auto rep = get("/api/v1/reports/airtime?period=" + period + "&by=commune");
    const auto& lines = rep.at("lines").as_array();
    ASSERT_EQ(lines.size(), 3u) << rep;
    std::map<std::string, boost::json::array> by_key;
    for (const auto& l : lines) by_key[std::string(l.at("key").as_string())].push_back(l);
    // Each commune's line equals that box's own report (every topic summed).
    expect_equal(sum(by_key["dong-xoai/tan-phu"]), sum(own_report(a, period, "topic")),
                 period + " Tân Phú");
    expect_equal(sum(by_key["bu-dang/duc-lieu"]), sum(own_report(b, period, "topic")),
                 period + " Đức Liễu");
    const auto& silent = by_key["bu-dang/tho-son"].at(0);
    EXPECT_EQ(silent.at("plays").as_int64(), 0);
    EXPECT_EQ(silent.at("boxes").as_int64(), 0);
    EXPECT_EQ(silent.at("boxes_silent").as_int64(), 1);
    EXPECT_EQ(rep.at("total").at("boxes").as_int64(), 2);
    EXPECT_EQ(rep.at("total").at("boxes_silent").as_int64(), 1);
    EXPECT_EQ(rep.at("chain_breaks").as_int64(), 0);
  }
  // Commune × topic: each commune's topics are the box's own lines, key by key.
  const auto two = get("/api/v1/reports/airtime?period=2022-Q3&by=commune,topic");
  const auto own = own_report(a, "2022-Q3", "topic");
  for (const auto& l : own) {
    const std::string key = "dong-xoai/tan-phu/" + std::string(l.at("key").as_string());
    bool found = false;
    for (const auto& h : two.at("lines").as_array()) {
      if (h.at("key") != key.c_str()) continue;
      found = true;
      EXPECT_EQ(h.at("plays"), l.at("plays")) << key;
      EXPECT_NEAR(h.at("airtime_s").to_number<double>(), l.at("airtime_s").to_number<double>(),
                  0.001)
          << key;
      EXPECT_EQ(h.at("group_label"), "Tân Phú (Đồng Xoài)");
    }
    EXPECT_TRUE(found) << key;
  }
  // By district: Bù Đăng holds one counted and one silent box.
  const auto d = get("/api/v1/reports/airtime?period=2022&by=district");
  for (const auto& l : d.at("lines").as_array()) {
    if (l.at("key") == "bu-dang") {
      EXPECT_EQ(l.at("label"), "Bù Đăng");
      EXPECT_EQ(l.at("boxes").as_int64(), 1);
      EXPECT_EQ(l.at("boxes_silent").as_int64(), 1);
    }
  }
  // The XLSX a district attaches: a workbook with the header block.
  const auto x = cli::http_get(
      url(), "/api/v1/reports/airtime?period=2022-Q3&by=commune&format=xlsx", kViewerToken);
  ASSERT_EQ(x.status, 200);
  EXPECT_EQ(x.body.substr(0, 2), "PK");
  const auto xlsx = dir.path() / "bao-cao.xlsx";
  std::ofstream(xlsx, std::ios::binary) << x.body;
  const auto cells = run(
      {PYTHON3_BIN, "-c",
       "import openpyxl,sys\nws=openpyxl.load_workbook(sys.argv[1]).active\n"
       "print('\\n'.join(str(c.value) for r in ws.iter_rows() for c in r if c.value is not None))",
       xlsx.string()});
  ASSERT_EQ(cells.code, 0) << cells.err;
  for (const std::string s : {"Sở Nội vụ tỉnh Bình Phước", "2022-Q3", "01/07/2022", "30/09/2022",
                              "Tân Phú (Đồng Xoài)", "Thọ Sơn (Bù Đăng)", "toàn vẹn"}) {
    EXPECT_NE(cells.out.find(s), std::string::npos) << s << "\n" << cells.out;
  }
  // Health arrived: both boxes online with their version and channels; the third is not.
  std::map<std::string, boost::json::value> fleet;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    fleet.clear();
    const auto all = get("/api/v1/boxes");
    for (const auto& f : all.as_array()) fleet[std::string(f.at("id").as_string())] = f;
    if (fleet[a.id].at("online").as_bool() && fleet[b.id].at("online").as_bool()) break;
    std::this_thread::sleep_for(200ms);  // polling interval, not a wait for an outcome
  }
  EXPECT_TRUE(fleet[a.id].at("online").as_bool());
  EXPECT_EQ(fleet[a.id].at("version"), LOAXA_PROJECT_VERSION);
  EXPECT_EQ(fleet[a.id].at("channels").at(0).at("name"), "loudspeaker");
  EXPECT_FALSE(fleet[c.id].at("online").as_bool());
  // Month partitions in the hub's zone: a year of rows is twelve tables.
  EXPECT_EQ(psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'airtime'::regclass"), "12");
  const auto chain = get("/api/v1/boxes/" + a.id + "/chain");
  EXPECT_TRUE(chain.at("verified").as_bool()) << chain;
  EXPECT_EQ(chain.at("rows").as_int64(), 1500);
}

TEST_F(HubTest, SignedIngestRefusesStrangersForgeriesAndBadRowsAndStoresABatchOnce) {
  write_hub_config();
  auto a = make_box("bp-dong-xoai-tan-phu", "Đồng Xoài", "Tân Phú", 40, 7);
  auto other = make_box("bp-bu-dang-duc-lieu", "Bù Đăng", "Đức Liễu", 0, 8);
  start_hub();
  const auto lines = box_lines(a.db());
  ASSERT_EQ(lines.size(), 40u);
  const std::string batch = joined(lines, 0, 10);
  const std::string target = "/api/v1/ingest/airtime";
  auto stored = [&] { return psql("SELECT count(*) FROM airtime"); };

  // No headers, an unknown box, another box's signature, a signature of another body.
  EXPECT_EQ(post(target, batch, {}).status, 401u);
  EXPECT_EQ(
      post(target, batch, {{"X-Loaxa-Box", "bp-khong-co"}, {"X-Loaxa-Signature", sign(batch, a)}})
          .status,
      401u);
  EXPECT_EQ(post(target, batch, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(batch, other)}})
                .status,
            401u);
  EXPECT_EQ(
      post(target, batch, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(batch + "\n", a)}})
          .status,
      401u);
  // A batch with one bad line: 400 naming the line, nothing stored.
  const std::string bad = lines[0] + "\n{\"id\": 5}\n" + lines[1] + "\n";
  auto r = post(target, bad, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(bad, a)}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("line 2 of the batch"), std::string::npos) << r.body;
  // Rows of another box in a validly signed batch: 400.
  std::string foreign = lines[0];
  foreign.replace(foreign.find(a.id), a.id.size(), other.id);
  r = post(target, foreign, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(foreign, a)}});
  EXPECT_EQ(r.status, 400u) << r.body;
  // Garbage and an oversized body.
  const std::string garbage = "\x01\x02 not json at all";
  EXPECT_EQ(post(target, garbage, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(garbage, a)}})
                .status,
            400u);
  const std::string huge(5 * 1024 * 1024, 'x');
  EXPECT_EQ(
      post(target, huge, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(huge, a)}}).status,
      413u);
  EXPECT_EQ(stored(), "0");

  // The good batch stores ten; replayed, it stores none.
  r = post(target, batch, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(batch, a)}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"stored":10,"duplicates":0})"));
  r = post(target, batch, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(batch, a)}});
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"stored":0,"duplicates":10})"));
  EXPECT_EQ(stored(), "10");
  EXPECT_TRUE(get("/api/v1/boxes/" + a.id + "/chain").at("verified").as_bool());

  // Rows 11-20 missing: row 21 is a gap, named.
  const std::string after_gap = joined(lines, 20, 25);
  r = post(target, after_gap, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(after_gap, a)}});
  ASSERT_EQ(r.status, 200u);
  const std::string row21 = std::string(boost::json::parse(lines[20]).at("id").as_string());
  auto gap = wait_for_alert(a.id, "chain_gap", 5s);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->at("detail").at("row"), row21.c_str());
  EXPECT_NE(
      std::string(gap->at("message").as_string()).find("Thiếu dòng nhật ký trước dòng " + row21),
      std::string::npos);
  // An edited row (its title changed, its hash kept): named as edited.
  auto edited = boost::json::parse(lines[25]).as_object();
  edited["title"] = "Nội dung đã bị sửa";
  const std::string edit_body = boost::json::serialize(edited) + "\n";
  r = post(target, edit_body, {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(edit_body, a)}});
  ASSERT_EQ(r.status, 200u);
  auto edit = wait_for_alert(a.id, "chain_edit", 5s);
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->at("detail").at("row"), edited.at("id"));
  const auto chain = get("/api/v1/boxes/" + a.id + "/chain");
  EXPECT_FALSE(chain.at("verified").as_bool());
  EXPECT_EQ(chain.at("gaps").as_array().size(), 1u);
  EXPECT_EQ(chain.at("edited").as_array().size(), 1u);
}

TEST_F(HubTest, ARowAtLocalMidnightLandsInItsLocalMonthsPartition) {
  write_hub_config();
  auto a = make_box("bp-dong-xoai-tan-phu", "Đồng Xoài", "Tân Phú", 0, 1);
  start_hub();
  airtime::AirtimeRow row;
  row.id = "0190a5b8-0000-7000-8000-000000000001";
  row.box_id = a.id;
  row.channel = "loudspeaker";
  row.media_id = "ban-tin";
  row.title = "Bản tin cải cách hành chính";
  row.topic = "cchc";
  row.source = airtime::RowSource::schedule;
  row.planned_start = "2022-07-01T00:00:00.000+07:00";
  row.actual_start = "2022-07-01T00:00:00.000+07:00";
  row.actual_end = "2022-07-01T00:01:00.000+07:00";
  row.duration_s = 60.0;
  row.status = airtime::RowStatus::completed;
  row.hash = airtime::airtime_row_hash(row);
  const std::string body = boost::json::serialize(airtime::to_json(row)) + "\n";
  auto r = post("/api/v1/ingest/airtime", body,
                {{"X-Loaxa-Box", a.id}, {"X-Loaxa-Signature", sign(body, a)}});
  ASSERT_EQ(r.status, 200u) << r.error << r.body << hub->output();
  // 17:00 UTC on 30 June is July in Vietnam.
  EXPECT_EQ(psql("SELECT tableoid::regclass FROM airtime"), "airtime_2022_07");
  const auto rep = get("/api/v1/reports/airtime?period=2022-07&by=commune");
  EXPECT_EQ(rep.at("total").at("plays").as_int64(), 1);
  EXPECT_NEAR(rep.at("total").at("airtime_s").to_number<double>(), 60.0, 1e-9);
  EXPECT_EQ(
      get("/api/v1/reports/airtime?period=2022-06&by=commune").at("total").at("plays").as_int64(),
      0);
}

TEST_F(HubTest, ADistrictSeesOnlyItsOwnAndAViewerTokenCannotEnrolABox) {
  write_hub_config();
  auto a = make_box("bp-dong-xoai-tan-phu", "Đồng Xoài", "Tân Phú", 50, 1);
  auto b = make_box("bp-bu-dang-duc-lieu", "Bù Đăng", "Đức Liễu", 50, 2);
  start_hub();
  auto box_a = start_box(a);
  auto box_b = start_box(b);
  ASSERT_TRUE(wait_for_rows(a.id, 50, 30s));
  ASSERT_TRUE(wait_for_rows(b.id, 50, 30s));

  // Dong Xoai's token: its box in lists and totals, nothing of Bu Dang's anywhere.
  const auto boxes = get("/api/v1/boxes", kDongXoaiToken);
  ASSERT_EQ(boxes.as_array().size(), 1u);
  EXPECT_EQ(boxes.at(0).at("id"), a.id.c_str());
  const auto rep = get("/api/v1/reports/airtime?period=2022&by=district", kDongXoaiToken);
  ASSERT_EQ(rep.at("lines").as_array().size(), 1u);
  EXPECT_EQ(rep.at("lines").at(0).at("key"), "dong-xoai");
  EXPECT_EQ(rep.at("total").at("plays"), sum(own_report(a, "2022", "topic")).plays);
  const auto alerts = get("/api/v1/alerts", kDongXoaiToken);
  for (const auto& al : alerts.as_array()) {
    EXPECT_EQ(al.at("box"), a.id.c_str());
  }
  // Every route that names another district or its box: 403, and the same for a box
  // that does not exist (no telling which exist).
  for (const std::string& target : std::vector<std::string>{
           "/api/v1/boxes/" + b.id, "/api/v1/boxes/" + b.id + "/chain", "/api/v1/boxes/bp-khong-co",
           "/api/v1/reports/airtime?period=2022&district=bu-dang", "/api/v1/airtime?box=" + b.id,
           "/api/v1/airtime?district=bu-dang", "/api/v1/audit"}) {
    EXPECT_EQ(cli::http_get(url(), target, kDongXoaiToken).status, 403) << target;
    EXPECT_EQ(cli::http_get(url(), target, "").status, 401) << target;
  }
  const auto rows =
      cli::http_get(url(), "/api/v1/airtime?format=ndjson&limit=100000", kDongXoaiToken);
  EXPECT_EQ(rows.status, 200);
  EXPECT_EQ(rows.body.find(b.id), std::string::npos);
  EXPECT_NE(rows.body.find(a.id), std::string::npos);
  // A viewer (or a district) token cannot enrol or remove a box.
  const std::string enrol =
      R"({"id": "bp-gia-mao", "district": "Đồng Xoài", "commune": "Tân Phú", "name": "x", "key": "MJJYLEwbNqWXoFte2hDMZwDPzygAwZgmx9ypoOEf9Ds="})";
  EXPECT_EQ(cli::http_post(url(), "/api/v1/boxes", kViewerToken, enrol).status, 403);
  EXPECT_EQ(cli::http_post(url(), "/api/v1/boxes", kDongXoaiToken, enrol).status, 403);
  EXPECT_EQ(cli::http_delete(url(), "/api/v1/boxes/" + a.id, kViewerToken).status, 403);
  EXPECT_EQ(get("/api/v1/boxes").as_array().size(), 2u);
  // The province's admin can, and it is audited.
  EXPECT_EQ(cli::http_post(url(), "/api/v1/boxes", kAdminToken, enrol).status, 201);
  const auto audit = get("/api/v1/audit");
  EXPECT_EQ(audit.at(0).at("action"), "box.add");
  EXPECT_EQ(audit.at(0).at("who"), "so");
  // A person logs in with the password set on the server; the session acts as its role.
  auto add = run({"/bin/bash", "-c",
                  "printf 'mat-khau-huyen-1\\n' | " + std::string(HUB_BIN) + " --config " +
                      hub_config().string() +
                      " user add can-bo-bu-dang --role district --district bu-dang"});
  ASSERT_EQ(add.code, 0) << add.err;
  auto login = cli::http_post(url(), "/api/v1/login", "",
                              R"({"name": "can-bo-bu-dang", "password": "mat-khau-huyen-1"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string session(boost::json::parse(login.body).at("token").as_string());
  EXPECT_EQ(get("/api/v1/boxes", session.c_str()).as_array().size(), 1u);
  EXPECT_EQ(cli::http_get(url(), "/api/v1/boxes/" + a.id, session).status, 403);
  EXPECT_EQ(
      cli::http_post(url(), "/api/v1/login", "", R"({"name": "can-bo-bu-dang", "password": "sai"})")
          .status,
      401);
}

TEST_F(HubTest, HubDownThenTheDatabaseRestartedMidIngestLoseNoRowAndDoubleNone) {
  write_hub_config();
  auto a = make_box("bp-dong-xoai-tan-phu", "Đồng Xoài", "Tân Phú", 20000, 5);
  // The box plays and pushes while the hub is down: it keeps its cursor and backs off.
  auto box = start_box(a);
  ASSERT_TRUE(box->wait_for_line("failure(s) in a row", 20s)) << box->output();
  start_hub();
  // Mid-ingest, PostgreSQL restarts: batches in flight fail (503) and are sent again.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::int64_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline && seen == 0) {
    seen = std::stoll(psql("SELECT count(*) FROM airtime"));
    std::this_thread::sleep_for(50ms);  // polling interval, not a wait for an outcome
  }
  ASSERT_GT(seen, 0);
  ASSERT_LT(seen, 20000) << "the box pushed everything before the restart";
  const auto r = run({"/bin/bash", std::string(LOAXA_SOURCE_DIR) + "/scripts/pg_cluster.sh",
                      "restart", (dir.path() / "pg").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  // The hub's connection died with the restart: the next batch is refused (503) and sent
  // again.
  EXPECT_TRUE(box->wait_for_line("HTTP 503", 30s)) << box->output();
  ASSERT_TRUE(wait_for_rows(a.id, 20000, 120s)) << hub->output() << box->output();
  EXPECT_EQ(psql("SELECT count(*), count(DISTINCT id) FROM airtime"), "20000|20000");
  const auto chain = get("/api/v1/boxes/" + a.id + "/chain");
  EXPECT_TRUE(chain.at("verified").as_bool()) << chain;
  // What the hub holds is the box's log, row for row.
  const auto lines = box_lines(a.db());
  const std::string all = joined(lines, 0, lines.size());
  EXPECT_EQ(psql("SELECT encode(sha256(convert_to(string_agg(line, E'\\n' ORDER BY chain_pos), "
                 "'UTF8')), 'hex') FROM airtime"),
            sha256_hex(all.substr(0, all.size() - 1)));
}

TEST_F(HubTest, AStatementThatMeetsADatabaseRestartIsUnavailableAndTheNextOneReconnects) {
  // What the ingest above met by chance (a month's partition created as PostgreSQL
  // restarted answered 500, so the box did not know to wait): made certain here.
  hub::pg::Connection db(database);
  db.script("CREATE TABLE IF NOT EXISTS probe (n int)");
  for (int i = 0; i < 2; ++i) {
    const auto r = run({"/bin/bash", std::string(LOAXA_SOURCE_DIR) + "/scripts/pg_cluster.sh",
                        "restart", (dir.path() / "pg").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    // Both kinds of call: a script (partitions, migrations) and a statement.
    if (i == 0) {
      EXPECT_THROW(db.script("CREATE TABLE IF NOT EXISTS probe (n int)"), Unavailable);
    } else {
      EXPECT_THROW(db.exec("SELECT count(*) FROM probe"), Unavailable);
    }
    EXPECT_EQ(db.exec("SELECT count(*) FROM probe").int64(0, 0), 0);
  }
  // A statement PostgreSQL refuses is an error of the hub's, not a reason to wait.
  try {
    db.script("CREATE TABLE probe (n int)");
    ADD_FAILURE() << "a table made twice";
  } catch (const Unavailable&) {
    ADD_FAILURE() << "a duplicate table is not the database being away";
  } catch (const std::runtime_error&) {
  }
}

TEST_F(HubTest, ABoxWhoseLogWasEditedRaisesTheChainAlertNamingTheRow) {
  write_hub_config();
  auto a = make_box("bp-dong-xoai-tan-phu", "Đồng Xoài", "Tân Phú", 100, 9);
  // Someone with the SD card changes row 37's title in the box's database.
  const auto lines = box_lines(a.db());
  const std::string id(boost::json::parse(lines[36]).at("id").as_string());
  { store::Store st(a.db()); }
  auto sql = run({"/usr/bin/sqlite3", a.db().string(),
                  "UPDATE airtime SET title = 'Đã sửa' WHERE id = '" + id + "'"});
  ASSERT_EQ(sql.code, 0) << sql.err;
  start_hub();
  auto box = start_box(a);
  ASSERT_TRUE(wait_for_rows(a.id, 100, 30s)) << hub->output() << box->output();
  auto alert = wait_for_alert(a.id, "chain_edit", 10s);
  ASSERT_TRUE(alert) << hub->output();
  EXPECT_EQ(alert->at("detail").at("row"), id.c_str());
  EXPECT_NE(std::string(alert->at("message").as_string()).find(id), std::string::npos);
  EXPECT_FALSE(get("/api/v1/boxes/" + a.id + "/chain").at("verified").as_bool());
}

TEST_F(HubTest, ABoxThatStopsIsOfflineAndTheAlertCommandHearsIt) {
  const auto heard = dir.path() / "heard.ndjson";
  alerts_extra = "offline_after = \"3s\"\ncommand = [\"/bin/sh\", \"-c\", \"cat >> " +
                 heard.string() + "\"]\n";
  write_hub_config();
  auto a = make_box("bp-dong-xoai-tan-phu", "Đồng Xoài", "Tân Phú", 0, 1);
  start_hub();
  auto box = start_box(a);
  // Online once its status arrives; the enrolment's offline alert closes.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool online = false;
  while (std::chrono::steady_clock::now() < deadline && !online) {
    online = get("/api/v1/boxes/" + a.id).at("online").as_bool();
    std::this_thread::sleep_for(100ms);  // polling interval, not a wait for an outcome
  }
  ASSERT_TRUE(online) << box->output();
  const auto st = get("/api/v1/boxes/" + a.id);
  EXPECT_FALSE(st.at("history").as_array().empty());
  for (const auto& al : st.at("alerts").as_array()) EXPECT_NE(al.at("kind"), "offline");
  box->signal(SIGKILL);
  box->wait_exit(5s);
  auto alert = wait_for_alert(a.id, "offline", 20s);
  ASSERT_TRUE(alert);
  EXPECT_NE(std::string(alert->at("message").as_string()).find("mất kết nối"), std::string::npos);
  // The command got the alert as JSON on its stdin.
  std::string text;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until &&
         text.find("\"offline\"") == std::string::npos) {
    std::ifstream in(heard);
    text.assign(std::istreambuf_iterator<char>(in), {});
    std::this_thread::sleep_for(100ms);  // polling interval, not a wait for an outcome
  }
  EXPECT_NE(text.find("\"kind\":\"offline\""), std::string::npos) << text;
  EXPECT_NE(text.find(a.id), std::string::npos);
}

TEST_F(HubTest, TheCommuneListImportsWithItsVietnameseNamesOrNotAtAll) {
  write_hub_config();
  const std::string k1 = "MJJYLEwbNqWXoFte2hDMZwDPzygAwZgmx9ypoOEf9Ds=";
  std::ofstream(dir.path() / "xa.csv")
      << "\xEF\xBB\xBFid,district,commune,name,public_key,lat,lon\r\n"
      << "bp-dong-xoai-tan-phu,Đồng Xoài,Tân Phú,\"Đài xã Tân Phú, cụm 1\"," << k1
      << ",11.54,106.89\r\n"
      << "bp-bu-dang-duc-lieu,Bù Đăng,Đức Liễu,Đài xã Đức Liễu," << k1 << ",,\r\n";
  auto r = hub_cli({"box", "import", (dir.path() / "xa.csv").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  auto list = hub_cli({"box", "list", "--format", "json"});
  ASSERT_EQ(list.code, 0);
  const auto boxes = boost::json::parse(list.out).as_array();
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes.at(0).at("name"), "Đài xã Đức Liễu");
  EXPECT_EQ(boxes.at(0).at("district_id"), "bu-dang");
  EXPECT_EQ(boxes.at(1).at("name"), "Đài xã Tân Phú, cụm 1");
  // A file with one bad line enrols nothing and names the line.
  std::ofstream(dir.path() / "sai.csv") << "id,district,commune,name,public_key,lat,lon\n"
                                        << "bp-a,Đồng Xoài,Tân Xuân,Đài A," << k1 << ",,\n"
                                        << "bp-b,Đồng Xoài,Tiến Thành,Đài B,khong-phai-khoa,,\n";
  r = hub_cli({"box", "import", (dir.path() / "sai.csv").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("sai.csv:3: --key is not a public key"), std::string::npos) << r.err;
  EXPECT_EQ(boost::json::parse(hub_cli({"box", "list", "--format", "json"}).out).as_array().size(),
            2u);
  r = hub_cli({"box", "rm", "bp-bu-dang-duc-lieu"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(boost::json::parse(hub_cli({"box", "list", "--format", "json"}).out).as_array().size(),
            1u);
}

}  // namespace loaxa::test
