// The loaxa and loaxad binaries as a user runs them: help, exit codes, errors.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/password.hpp"
#include "common/password_worker.hpp"
#include "process.hpp"
#include "store/store.hpp"

namespace loaxa::test {
namespace {

// The harness itself: a child that says nothing is described by what it runs and
// where each of its threads waits, so a daemon that never started can be diagnosed.
TEST(TestHarness, ASilentChildIsDescribedByItsProgramAndThreads) {
  Process p({"/usr/bin/sleep", "30"});
  std::string what;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    what = p.describe();
    if (what.find("(sleep) S") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling for exec
  }
  EXPECT_NE(what.find("program /usr/bin/sleep"), std::string::npos) << what;
  EXPECT_NE(what.find("(sleep) S waiting in "), std::string::npos) << what;
  EXPECT_FALSE(p.wait_for_line("anything", std::chrono::milliseconds(50)));
}

// It printed a hard-coded "0.1.0" whatever the project's version was.
TEST(Loaxad, VersionIsTheProjects) {
  const auto r = run({LOAXAD_BIN, "--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("loaxad ") + LOAXA_PROJECT_VERSION + "\n");
}

TEST(Loaxad, CheckNamesFileAndLineOfAnUnknownKey) {
  TempDir dir("check");
  const auto bad = dir.path() / "bad.toml";
  std::ofstream(bad) << "[box]\nid = \"x\"\n\n[channels.loudspeaker]\nvolum = 0.5\n";
  const auto r = run({LOAXAD_BIN, "--config", bad.string(), "--check"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind(bad.string() + ":5: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("volum"), std::string::npos);
}

TEST(Loaxad, CheckReportsEveryProblem) {
  TempDir dir("check");
  const auto bad = dir.path() / "bad.toml";
  std::ofstream(bad) << "[box]\nid = \"x\"\ntimezone = \"Nowhere\"\n[channels.ls]\nvolume = -1\n"
                        "colour = \"red\"\n";
  const auto r = run({LOAXAD_BIN, "--config", bad.string(), "--check"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(":3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":5: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":6: "), std::string::npos) << r.err;
}

TEST(Loaxad, CheckAcceptsAGoodConfig) {
  const auto r = run(
      {LOAXAD_BIN, "--config", std::string(LOAXA_SOURCE_DIR) + "/configs/loaxa.toml", "--check"});
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST(Loaxad, HelpAndBadArguments) {
  EXPECT_EQ(run({LOAXAD_BIN, "--help"}).code, 0);
  const auto r = run({LOAXAD_BIN, "--frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--frobnicate"), std::string::npos);
}

TEST(Loaxa, EveryVerbHasHelp) {
  for (const char* verb : {"status",          "airtime",        "report",
                           "keygen",          "occurrences",    "schedule preview",
                           "verify-log",      "publish",        "sync now",
                           "sync status",     "inbox",          "inbox accept",
                           "inbox reject",    "play",           "stop",
                           "emergency start", "emergency stop", "token create",
                           "token list",      "token revoke",   "audit",
                           "media add",       "media list",     "media rm",
                           "playlist import", "playlist list",  "playlist show",
                           "schedule add",    "schedule list",  "schedule rm",
                           "announce",        "passwd",         "doctor"}) {
    std::vector<std::string> argv{LOAXA_BIN};
    std::string v(verb);
    for (std::size_t sp; (sp = v.find(' ')) != std::string::npos; v.erase(0, sp + 1)) {
      argv.push_back(v.substr(0, sp));
    }
    argv.push_back(v);
    argv.push_back("--help");
    const auto r = run(argv);
    EXPECT_EQ(r.code, 0) << verb;
    EXPECT_NE(r.out.find(std::string("loaxa ") + verb), std::string::npos) << verb;
  }
  EXPECT_EQ(run({LOAXA_BIN, "--help"}).code, 0);
}

TEST(Loaxa, BadInputExitsTwoFailureExitsOne) {
  auto r = run({LOAXA_BIN, "frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown verb"), std::string::npos);
  r = run({LOAXA_BIN, "airtime", "--format", "xml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);  // one line
  r = run({LOAXA_BIN, "--url", "http://127.0.0.1:" + std::to_string(free_port()), "status"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot reach loaxad"), std::string::npos) << r.err;
}

TEST(Loaxa, OccurrencesPrintsLocalDateTimes) {
  auto r = run({LOAXA_BIN, "occurrences", "--dtstart", "2022-07-14T07:30:00", "--rrule",
                "FREQ=MONTHLY;BYDAY=2TH,4TH", "--count", "3", "--tz", "Asia/Ho_Chi_Minh"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "2022-07-14T07:30:00\n2022-07-28T07:30:00\n2022-08-11T07:30:00\n");
  r = run({LOAXA_BIN, "occurrences", "--dtstart", "2022-07-01T06:00:00", "--rrule",
           "FREQ=DAILY;EXDATE=x", "--tz", "Asia/Ho_Chi_Minh"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("EXDATE"), std::string::npos) << r.err;
  r = run({LOAXA_BIN, "occurrences", "--dtstart", "2022-07-01T06:00:00", "--rrule", "FREQ=DAILY",
           "--exdate", "2022-07-02T06:00:00", "--until", "2022-07-03T06:00:00", "--tz",
           "Asia/Ho_Chi_Minh"});
  EXPECT_EQ(r.out, "2022-07-01T06:00:00\n2022-07-03T06:00:00\n");
}

TEST(Loaxa, VerifyLogNamesTheFirstBrokenRow) {
  TempDir dir("verify");
  const auto db = dir.path() / "loaxa.db";
  std::string second;
  {
    store::Store store(db);
    for (int i = 0; i < 3; ++i) {
      store::AirtimeRow r;
      r.box_id = "bp";
      r.channel = "loudspeaker";
      r.source = airtime::RowSource::schedule;
      r.title = "Bản tin " + std::to_string(i);
      const auto id = store.airtime().open(r, 1000 + i);
      store.airtime().close(id, "2022-07-01T06:00:02.000+07:00", 2.0, airtime::RowStatus::completed,
                            "");
      if (i == 1) second = id;
    }
  }
  auto r = run({LOAXA_BIN, "verify-log", db.string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("3 closed rows, chain intact"), std::string::npos);
  {
    store::Store store(db);
    store.db().exec("UPDATE airtime SET duration_s = 20.0 WHERE id = '" + second + "'");
  }
  r = run({LOAXA_BIN, "verify-log", db.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("row 2 (id " + second + ")"), std::string::npos) << r.err;
  EXPECT_EQ(run({LOAXA_BIN, "verify-log", (dir.path() / "none.db").string()}).code, 2);
}

TEST(Loaxa, KeygenWritesAPrivateKeyAndNeverOverwrites) {
  TempDir dir("keys");
  const auto prefix = (dir.path() / "province").string();
  auto r = run({LOAXA_BIN, "keygen", "--out", prefix});
  ASSERT_EQ(r.code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat((prefix + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream pub(prefix + ".pub");
  std::string line;
  std::getline(pub, line);
  EXPECT_EQ(line.size(), 44u);
  r = run({LOAXA_BIN, "keygen", "--out", prefix});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("exists already"), std::string::npos);
}

}  // namespace
}  // namespace loaxa::test

namespace loaxa::test {
namespace {

TEST(Loaxa, DoctorSaysWhatToFix) {
  TempDir dir("doctor");
  const auto keys = run({LOAXA_BIN, "keygen", "--out", (dir.path() / "tinh").string()});
  ASSERT_EQ(keys.code, 0) << keys.err;
  std::ifstream pub_in(dir.path() / "tinh.pub");
  std::string pub;
  std::getline(pub_in, pub);
  const auto cfg = dir.path() / "loaxa.toml";
  std::ofstream(cfg) << "[box]\nid = \"hop\"\nstate_dir = \"" << (dir.path() / "state").string()
                     << "\"\n[channels.loudspeaker]\nsink = \"fakesink\"\n[sync]\nurl = "
                        "\"http://127.0.0.1:"
                     << free_port() << "/manifest.json\"\npublic_keys = [\"" << pub << "\"]\n";
  auto r = run({LOAXA_BIN, "doctor", "--config", cfg.string()});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("[ OK ] cấu hình / config"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[LỖI] máy chủ tỉnh / province server"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("→ check the network"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[ OK ] khóa tỉnh / province keys: 1"), std::string::npos) << r.out;

  std::ofstream(cfg) << "[box]\nid = \"hop\"\nbogus = 1\n";
  r = run({LOAXA_BIN, "doctor", "--config", cfg.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("loaxa.toml:3:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace loaxa::test

namespace loaxa::test {
namespace {

// The daemon's password checks run in `loaxad --password-worker`: right and wrong
// answers come back, a killed worker is replaced at the next check, and with no
// program to run the check still answers (in this process).
TEST(PasswordWorker, AnswersFromAChildThatIsReplacedWhenKilled) {
  const std::string hash = hash_password("mat-khau-xa-1");
  PasswordWorker worker(LOAXAD_BIN);
  EXPECT_TRUE(worker.verify(hash, "mat-khau-xa-1"));
  EXPECT_FALSE(worker.verify(hash, "sai"));
  EXPECT_FALSE(worker.verify("", "mat-khau-xa-1"));
  const pid_t first = worker.child();
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  EXPECT_TRUE(worker.verify(hash, "mat-khau-xa-1"));
  EXPECT_GT(worker.child(), 0);
  EXPECT_NE(worker.child(), first);

  PasswordWorker none("/nonexistent/loaxad");
  EXPECT_TRUE(none.verify(hash, "mat-khau-xa-1"));
  EXPECT_FALSE(none.verify(hash, "sai"));
}

}  // namespace
}  // namespace loaxa::test
