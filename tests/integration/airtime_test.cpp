// The airtime log under crashes, and the reports staff file from it: the real daemon,
// CLI and SQLite file; the spreadsheet checked by an independent reader (openpyxl).

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "cli/http_client.hpp"
#include "daemon_fixture.hpp"
#include "process.hpp"
#include "store/airtime_chain.hpp"
#include "store/store.hpp"

namespace loaxa::test {
namespace {

std::string integrity_check(const std::filesystem::path& db_path) {
  store::sqlite::Database db(db_path, store::sqlite::Database::Access::read_only);
  auto st = db.prepare("PRAGMA integrity_check");
  st.step();
  return st.text(0);
}

std::vector<std::string> matches(const std::string& text, const std::regex& re) {
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

TEST(AirtimeCrash, FiftyKillsDuringWritesLoseNoRowAndKeepTheChain) {
  TempDir dir("crash-writes");
  const auto db = dir.path() / "loaxa.db";
  std::mt19937 rng(20221);  // fixed seed: a failure can be replayed
  std::set<std::string> opened;
  std::map<std::string, std::string> closed;  // id -> status it was closed with
  // The last play each round started: the kill may land after its close committed but
  // before the tool said so; only these may be closed without our knowing.
  std::set<std::string> last_of_round;
  for (int round = 0; round < 50; ++round) {
    Process fill({FILL_BIN, db.string(), "100000", "--durable", "--print", "--recover", "--seed",
                  std::to_string(round), "--from", "2022-07-01"});
    // Let it commit a random number of rows, then kill it at a random moment.
    const int rows = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < rows; ++i) ASSERT_TRUE(fill.wait_for_line("closed ", 10s)) << fill.output();
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));  // the moment
    fill.signal(SIGKILL);
    ASSERT_TRUE(fill.wait_exit(5s));
    const std::string out = fill.output();
    const auto ids = matches(out, std::regex("opened ([0-9a-f-]{36})"));
    opened.insert(ids.begin(), ids.end());
    if (!ids.empty()) last_of_round.insert(ids.back());
    static const std::regex closed_re("closed ([0-9a-f-]{36}) ([a-z]+)");
    for (auto it = std::sregex_iterator(out.begin(), out.end(), closed_re);
         it != std::sregex_iterator(); ++it) {
      closed[(*it)[1]] = (*it)[2];
    }
  }
  // The next start closes what the last kill left open.
  ASSERT_EQ(run({FILL_BIN, db.string(), "0", "--recover"}).code, 0);

  EXPECT_EQ(integrity_check(db), "ok");
  const auto verify = run({LOAXA_BIN, "verify-log", db.string()});
  EXPECT_EQ(verify.code, 0) << verify.err;
  store::Store st(db);
  int interrupted = 0;
  for (const auto& id : opened) {  // every started play is there...
    const auto row = st.airtime().find(id);
    ASSERT_TRUE(row) << "started play " << id << " is missing";
    EXPECT_NE(row->status, airtime::RowStatus::playing);
    if (!closed.count(id) && row->status != airtime::RowStatus::interrupted) {
      EXPECT_TRUE(last_of_round.count(id))
          << id << " closed as " << row->status << " though nobody closed it";
    } else if (!closed.count(id)) {  // ... one the kill caught is closed as interrupted
      EXPECT_EQ(row->status, airtime::RowStatus::interrupted) << id;
      EXPECT_GE(*row->duration_s, 0.0);
      EXPECT_LE(*row->duration_s, *row->planned_s);
      ++interrupted;
    }
  }
  for (const auto& [id, status] : closed) {
    const auto row = st.airtime().find(id);
    ASSERT_TRUE(row) << "closed row " << id << " is missing";
    EXPECT_EQ(airtime::row_status(row->status), status);
  }
  EXPECT_GT(opened.size(), 50u);
  std::cout << opened.size() << " plays started, " << closed.size() << " rows closed, "
            << interrupted << " caught open by a kill\n";
}

class AirtimeDaemonTest : public DaemonTest {
 protected:
  // After kills: the database is whole, its chain verifies, no row is left playing, and
  // every play the daemon said it started (by actual_start) has its row. `each` sees
  // every row.
  void expect_no_row_lost(const std::set<std::string>& started,
                          const std::function<void(const store::AirtimeRow&)>& each = {}) {
    const auto db = dir.path() / "state" / "loaxa.db";
    EXPECT_EQ(integrity_check(db), "ok");
    const auto verify = run({LOAXA_BIN, "verify-log", db.string()});
    EXPECT_EQ(verify.code, 0) << verify.err;
    store::Store st(db);
    std::set<std::string> logged;
    st.airtime().for_each({}, [&](const store::AirtimeRow& r) {
      EXPECT_NE(r.status, airtime::RowStatus::playing);
      if (!r.actual_start.empty()) logged.insert(r.actual_start);
      if (each) each(r);
    });
    for (const auto& t : started)
      EXPECT_TRUE(logged.count(t)) << "play started at " << t << " lost";
  }

  // A one-second tone every two seconds, from a second from now; positions
  // checkpointed every second.
  void write_every_two_seconds() {
    write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
    std::string seconds;
    for (int s = 0; s < 60; s += 2) seconds += (seconds.empty() ? "" : ",") + std::to_string(s);
    write_config(
        "[[schedule]]\nid = \"moi-2-giay\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
        "start = \"" +
            local(start_in(1s)) + "\"\nrrule = \"FREQ=MINUTELY;BYSECOND=" + seconds + "\"\n",
        "\n[airtime]\ncheckpoint = \"1s\"\n");
  }
};

TEST_F(AirtimeDaemonTest, FiftyKillsDuringPlayLoseNoRowAndKeepTheChain) {
  write_every_two_seconds();
  std::mt19937 rng(20222);
  std::set<std::string> started;  // actual_start of every play the daemon said began
  const std::regex started_re("started [^ ]+ at ([^ ]+) ");
  for (int round = 0; round < 50; ++round) {
    auto daemon = start_daemon();
    ASSERT_TRUE(daemon->wait_for_line(": started ", 10s)) << daemon->output();
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 1500));  // the moment
    daemon->signal(SIGKILL);
    ASSERT_TRUE(daemon->wait_exit(5s));
    for (const auto& t : matches(daemon->output(), started_re)) started.insert(t);
  }
  auto daemon = start_daemon();  // closes the last round's open row
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  for (const auto& t : matches(daemon->output(), started_re)) started.insert(t);

  int interrupted = 0;
  expect_no_row_lost(started, [&](const store::AirtimeRow& r) {
    if (r.status == airtime::RowStatus::interrupted) {
      ++interrupted;
      // A 1 s tone plays at most 1 s (what the kill's moment left of it is measured at
      // the sink by DaemonTest.ASigkillMidPlayLosesAtMostASecondOfTheRow).
      EXPECT_GE(*r.duration_s, 0.0);
      EXPECT_LE(*r.duration_s, 1.05);
    }
  });
  EXPECT_GE(started.size(), 50u);
  std::cout << started.size() << " plays started, " << interrupted
            << " closed as interrupted after a kill\n";
}

// The kills above hit the fill tool or a daemon writing one row a second. Here loaxad
// itself dies while its own writes queue: a block of twenty 0.1 s items every three
// seconds (ten rows a second) while an operator adds playlists through the API. No
// started play and no playlist the API acknowledged may be lost, and the chain holds.
TEST_F(AirtimeDaemonTest, TwentyKillsWhileItsOwnWritesQueueLoseNoRowAndNoAcknowledgedEdit) {
  write_level_wav(dir.path() / "ngan.wav", 4800, 8000);
  std::string items, seconds;
  for (int i = 0; i < 20; ++i) items += std::string(i ? ", " : "") + "\"ngan.wav\"";
  for (int s = 0; s < 60; s += 3) seconds += (seconds.empty() ? "" : ",") + std::to_string(s);
  write_config("[[playlist]]\nid = \"chuoi\"\nitems = [" + items +
               "]\n\n[[schedule]]\nid = \"moi-3-giay\"\nchannel = \"loudspeaker\"\n"
               "playlist = \"chuoi\"\nstart = \"" +
               local(start_in(1s)) + "\"\nrrule = \"FREQ=MINUTELY;BYSECOND=" + seconds +
               ";COUNT=200\"\n");  // ten minutes' worth: a replan stays quick
  std::mt19937 rng(16);
  std::set<std::string> started;
  std::set<std::string> acknowledged;  // playlists the API answered 201 for
  const std::regex started_re("started [^ ]+ at ([^ ]+) ");
  int edit = 0;
  for (int round = 0; round < 20; ++round) {
    auto daemon = start_daemon();
    ASSERT_TRUE(daemon->wait_for_line(": started ", 10s)) << daemon->output();
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::thread editor([&] {
      while (!stop) {
        const std::string id = "ds-" + std::to_string(round) + "-" + std::to_string(edit++);
        try {
          const auto r = cli::http_post(url(), "/api/v1/playlists", api_token,
                                        R"({"id": ")" + id + R"(", "items": ["ngan"]})");
          std::lock_guard lock(mutex);
          if (r.status == 201) acknowledged.insert(id);
        } catch (const std::exception&) {  // the daemon is gone
          return;
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 1500));  // the moment
    daemon->signal(SIGKILL);
    ASSERT_TRUE(daemon->wait_exit(5s));
    stop = true;
    editor.join();
    daemon->wait_for_line("(read to the end)", 2s);  // what it said before it died
    for (const auto& t : matches(daemon->output(), started_re)) started.insert(t);
  }
  auto daemon = start_daemon();  // closes the last round's open rows
  const auto playlists = cli::http_get(url(), "/api/v1/playlists", api_token);
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  for (const auto& t : matches(daemon->output(), started_re)) started.insert(t);

  expect_no_row_lost(started);
  for (const auto& id : acknowledged) {
    EXPECT_NE(playlists.body.find("\"" + id + "\""), std::string::npos)
        << "playlist " << id << " was acknowledged and lost";
  }
  EXPECT_GE(started.size(), 40u);
  std::cout << started.size() << " plays started, " << acknowledged.size()
            << " playlists acknowledged, across 20 kills of loaxad\n";
}

TEST_F(AirtimeDaemonTest, QuarterReportOpensInASpreadsheetWithTotalsFromTheRawRows) {
  // A quarter's worth of rows (and the days around it) written by the store's own code.
  std::filesystem::create_directories(dir.path() / "state");
  const auto db = dir.path() / "state" / "loaxa.db";
  ASSERT_EQ(run({FILL_BIN, db.string(), "6000", "--from", "2022-06-25", "--years", "1",
                 "--channels", "2"})
                .code,
            0);
  write_config("");
  auto daemon = start_daemon();
  const auto xlsx = dir.path() / "bao-cao-2022-Q3.xlsx";
  const auto csv = dir.path() / "bao-cao-2022-Q3.csv";
  const auto raw = dir.path() / "raw.csv";
  auto r = run({LOAXA_BIN, "--url", url(), "report", "--period", "2022-Q3", "--by", "topic",
                "--format", "xlsx", "--out", xlsx.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({LOAXA_BIN, "--url", url(), "report", "--period", "2022-Q3", "--format", "csv", "--excel",
           "--out", csv.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({LOAXA_BIN, "--url", url(), "airtime", "--from", "2022-06-28", "--to", "2022-10-02",
           "--format", "csv", "--excel"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::ofstream(raw, std::ios::binary) << r.out;
  const auto check = run(
      {PYTHON3_BIN, std::string(LOAXA_SOURCE_DIR) + "/tests/tools/check_report.py", xlsx.string(),
       csv.string(), raw.string(), "2022-07-01T00:00:00+07:00", "2022-10-01T00:00:00+07:00"});
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  std::cout << check.out;

  // The table for people, and the same numbers offline from the file.
  r = run({LOAXA_BIN, "--url", url(), "report", "--period", "2022-Q3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("PAR Index, SIPAS, PAPI, PCI"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Tổng cộng / total"), std::string::npos);
  const auto online =
      run({LOAXA_BIN, "--url", url(), "report", "--period", "2022-Q3", "--format", "json"});
  const auto offline =
      run({LOAXA_BIN, "report", "--db", db.string(), "--period", "2022-Q3", "--format", "json"});
  EXPECT_EQ(online.out, offline.out);
  // Bad periods are refused with the accepted forms.
  r = run({LOAXA_BIN, "--url", url(), "report", "--period", "2022-Q5"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("2022-Q3 (quarter)"), std::string::npos) << r.err;
  const auto api = cli::http_get(url(), "/api/v1/reports/airtime?period=2022-Q5", "");
  EXPECT_EQ(api.status, 400);
  EXPECT_NE(api.body.find("\"bad_report\""), std::string::npos) << api.body;
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(AirtimeDaemonTest, ExportStreamsEveryRowWithFilters) {
  std::filesystem::create_directories(dir.path() / "state");
  const auto db = dir.path() / "state" / "loaxa.db";
  ASSERT_EQ(run({FILL_BIN, db.string(), "30000", "--from", "2022-01-01", "--years", "1"}).code, 0);
  write_config("");
  auto daemon = start_daemon();
  // Every row, chunked, as NDJSON, read piece by piece.
  std::int64_t lines = 0;
  std::string partial;
  const auto res =
      cli::http_get(url(), "/api/v1/airtime?format=ndjson", "", [&](std::string_view piece) {
        partial.append(piece);
        std::size_t nl;
        while ((nl = partial.find('\n')) != std::string::npos) {
          ++lines;
          partial.erase(0, nl + 1);
        }
      });
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(lines, 30000);
  EXPECT_TRUE(partial.empty());
  auto r = run({LOAXA_BIN, "--url", url(), "airtime", "--format", "csv", "--status", "missed",
                "--topic", "indices", "--from", "2022-03-01", "--to", "2022-04-01"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::int64_t rows = std::count(r.out.begin(), r.out.end(), '\n') - 1;
  store::Store st(db);
  auto count = st.db().prepare(
      "SELECT COUNT(*) FROM airtime WHERE status='missed' AND topic='indices' AND start_ms >= ? "
      "AND start_ms < ?");
  count.bind(1, std::int64_t{1646067600000}).bind(2, std::int64_t{1648746000000});
  count.step();
  EXPECT_EQ(rows, count.int64(0));
  EXPECT_GT(rows, 0);
  // JSON is one well-formed array.
  r = run({LOAXA_BIN, "--url", url(), "airtime", "--format", "json", "--from", "2022-03-01", "--to",
           "2022-03-02"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(boost::json::parse(r.out).as_array().size(), 0u);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(AirtimeDaemonTest, RetentionArchivesOldRowsAndVerifyLogWalksTheArchive) {
  std::filesystem::create_directories(dir.path() / "state");
  const auto db = dir.path() / "state" / "loaxa.db";
  ASSERT_EQ(run({FILL_BIN, db.string(), "3000", "--from", "2022-01-01", "--years", "1"}).code, 0);
  write_config("", "\n[airtime]\nretention = \"365d\"\n");
  auto daemon = start_daemon();
  // Archiving runs before the daemon says it is ready.
  EXPECT_NE(daemon->output().find("retention: archived 3000 row(s)"), std::string::npos)
      << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "state" / "archive")) {
    files.push_back(e.path().string());
  }
  ASSERT_EQ(files.size(), 1u);
  auto r = run({LOAXA_BIN, "verify-log", db.string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("continuing from archived row 3000"), std::string::npos) << r.out;
  r = run({LOAXA_BIN, "verify-log", db.string(), files[0]});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("with 3000 archived rows"), std::string::npos) << r.out;
  // An edited archive line is named.
  std::string text;
  {
    std::ifstream in(files[0]);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("\"duration_s\":", text.find('\n', text.find('\n') + 1));
  text.replace(at, 14, "\"duration_s\":9");
  std::ofstream(files[0], std::ios::trunc) << text;
  r = run({LOAXA_BIN, "verify-log", db.string(), files[0]});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("chain broken at row 3 "), std::string::npos) << r.err;
}

TEST_F(AirtimeDaemonTest, PushSendsEveryRowAndResumesAfterFailuresAndAKill) {
  std::filesystem::create_directories(dir.path() / "state");
  const auto db = dir.path() / "state" / "loaxa.db";
  ASSERT_EQ(run({FILL_BIN, db.string(), "3000", "--from", "2022-01-01", "--years", "1"}).code, 0);
  const auto received = dir.path() / "received.ndjson";
  Process receiver({PYTHON3_BIN, std::string(LOAXA_SOURCE_DIR) + "/tests/tools/push_receiver.py",
                    received.string(), "--fail-first", "3"});
  const auto ready = receiver.wait_for_line("listening on ", 10s);
  ASSERT_TRUE(ready) << receiver.output();
  const std::string port = ready->substr(ready->find("listening on ") + 13);
  write_config("", "\n[airtime.push]\nurl = \"http://127.0.0.1:" + port +
                       "/nhat-ky\"\ninterval = \"1s\"\nbatch = 100\n");

  auto received_ids = [&] {
    std::vector<std::string> ids;
    std::ifstream in(received);
    for (std::string line; std::getline(in, line);) {
      // The receiver may be half-way through writing the last line.
      boost::system::error_code ec;
      const auto v = boost::json::parse(line, ec);
      if (ec || !v.is_object() || !v.as_object().contains("id")) continue;
      ids.push_back(std::string(v.at("id").as_string()));
    }
    return ids;
  };
  // Three refused requests (backing off 1, 2, 4 s), then batches; killed half-way.
  auto daemon = start_daemon();
  ASSERT_TRUE(receiver.wait_for_line("batch ", 30s)) << daemon->output();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(receiver.wait_for_line("batch ", 10s));
  daemon->signal(SIGKILL);
  ASSERT_TRUE(daemon->wait_exit(5s));
  EXPECT_NE(daemon->output().find("HTTP 500 (1 failure(s) in a row)"), std::string::npos)
      << daemon->output();
  EXPECT_NE(daemon->output().find("pushing resumed"), std::string::npos);
  const auto before_restart = received_ids().size();
  EXPECT_LT(before_restart, 3000u);

  daemon = start_daemon();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::vector<std::string> ids;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!receiver.wait_for_line("batch ", 10s)) break;
    ids = received_ids();
    if (std::set<std::string>(ids.begin(), ids.end()).size() >= 3000) break;
  }
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);

  // Every closed row arrived; a kill resends at most the one batch it interrupted.
  const std::set<std::string> unique(ids.begin(), ids.end());
  std::set<std::string> closed;
  store::Store st(db);
  st.airtime().for_each({}, [&](const store::AirtimeRow& r) { closed.insert(r.id); });
  EXPECT_EQ(unique, closed);
  EXPECT_LE(ids.size() - unique.size(), 100u);
  EXPECT_EQ(st.airtime().push_cursor("http://127.0.0.1:" + port + "/nhat-ky"), 3000);
  receiver.signal(SIGTERM);
}

// A full disk: writes fail cleanly, playout goes on, the rows wait in memory and reach
// the database once space returns; nothing is lost and the chain verifies. The state
// folder is a small tmpfs (root only: skipped elsewhere).
TEST_F(AirtimeDaemonTest, AFullDiskStopsNoPlayAndLosesNoRow) {
  const auto state = dir.path() / "state";
  std::filesystem::create_directories(state);
  if (run({"/usr/bin/mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", state.string()}).code != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  }
  struct Unmount {
    std::filesystem::path p;
    ~Unmount() { run({"/usr/bin/umount", "-l", p.string()}); }
  } unmount{state};
  write_every_two_seconds();
  auto daemon = start_daemon();
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 10s));

  // Fill the disk to the last byte.
  const auto filler = state / "filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string chunk(64 * 1024, 'x');
    while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush()) {
    }
  }
  ASSERT_TRUE(daemon->wait_for_line("the database refuses writes", 15s)) << daemon->output();
  // Playout goes on, and the box says what is wrong.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 10s)) << daemon->output();
  }
  const auto status = cli::http_get(url(), "/api/v1/status", api_token);
  EXPECT_NE(status.body.find("\"storage\":{\"ok\":false"), std::string::npos) << status.body;

  // Space returns: the waiting rows are written, by themselves.
  std::filesystem::remove(filler);
  ASSERT_TRUE(daemon->wait_for_line("the database accepts writes again", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 10s));
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(10s), 0) << daemon->output();

  // Every play the daemon announced has its row, closed, and the chain verifies.
  const std::regex started_re("started [^ ]+ at ([^ ]+) ");
  const auto started = matches(daemon->output(), started_re);
  const auto db = state / "loaxa.db";
  std::set<std::string> rows;
  {
    store::Store st(db);
    st.airtime().for_each({}, [&](const store::AirtimeRow& r) {
      EXPECT_NE(r.status, airtime::RowStatus::playing) << r.id;
      rows.insert(r.actual_start);
    });
  }
  for (const auto& t : started) EXPECT_TRUE(rows.count(t)) << "no row for the play at " << t;
  EXPECT_GE(started.size(), 6u);
  const auto verify = run({LOAXA_BIN, "verify-log", db.string()});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  const auto check = run({"/usr/bin/sqlite3", db.string(), "PRAGMA integrity_check"});
  EXPECT_EQ(check.out, "ok\n") << check.err;
}

}  // namespace
}  // namespace loaxa::test
