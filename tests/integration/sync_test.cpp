// Province sync against a real web server: `loaxa publish` builds a signed tree, nginx
// (started here on a loopback port, its own config) serves it, a real loaxad syncs.
// Faults: 304 polls, a cut mid-file resumed with Range, an altered media file, a bad
// signature, a rollback, URLs escaping the tree, a 1 TB size, malformed JSON, HTTP 500
// and a server that never answers. Local content plays on throughout.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "daemon_fixture.hpp"
#include "nginx.hpp"
#include "process.hpp"
#include "store/store.hpp"
#include "sync/keys.hpp"

namespace loaxa::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Writes a served file with a modification time of its own: nginx's ETag is mtime and
// size, and two versions written within a second with the same size would look alike.
void spit(const fs::path& p, const std::string& bytes) {
  static int bump = 0;
  std::ofstream(p, std::ios::binary) << bytes;
  fs::last_write_time(p, fs::file_time_type::clock::now() + std::chrono::seconds(++bump));
}

class SyncTest : public DaemonTest {
 protected:
  fs::path src() const { return dir.path() / "src"; }
  fs::path www() const { return dir.path() / "www"; }
  fs::path key() const { return dir.path() / "province.key"; }
  std::string pub;

  void SetUp() override {
    fs::create_directories(src());
    auto r = run({LOAXA_BIN, "keygen", "--out", (dir.path() / "province").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    pub = slurp(dir.path() / "province.pub");
    pub.erase(pub.find_last_not_of("\n") + 1);
    write_tone_wav(src() / "ban-tin-cchc.wav", 1.0, 660);
    write_tone_wav(dir.path() / "local.wav", 0.5, 440);
  }

  // province.toml with one priority schedule starting at `start` on the loudspeaker.
  void write_province(const std::string& start, const std::string& extra_media = "") {
    std::ofstream(src() / "province.toml")
        << "[publisher]\nid = \"so-noi-vu-binh-phuoc\"\nname = \"Sở Nội vụ tỉnh Bình Phước\"\n"
        << "targets = [\"test-*\"]\nholidays = [\"2022-09-02\"]\n\n"
        << "[[media]]\nfile = \"ban-tin-cchc.wav\"\nid = \"cchc-2022-07\"\n"
        << "title = \"Bản tin cải cách hành chính tháng 7\"\ntopic = \"institutions\"\n\n"
        << extra_media
        << "[[playlist]]\nid = \"sang\"\ntitle = \"Bản tin sáng\"\nitems = [\"cchc-2022-07\"]\n\n"
        // For kiosks: an item with its own duration (what a still image would show for).
        << "[[playlist]]\nid = \"man-hinh\"\ntitle = \"Màn hình một cửa\"\n"
        << "items = [\"cchc-2022-07\", { media = \"cchc-2022-07\", duration = \"20s\" }]\n\n"
        << "[[schedule]]\nid = \"tinh-sang\"\nchannel = \"loudspeaker\"\nplaylist = \"sang\"\n"
        << "level = \"priority\"\nstart = \"" << start << "\"\n";
  }

  void publish() {
    auto r = run(
        {LOAXA_BIN, "publish", src().string(), "--out", www().string(), "--key", key().string()});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
  }

  // Signs `bytes` as the province would: a crafted manifest, served as is.
  void serve_signed(const std::string& bytes) {
    spit(www() / "manifest.json", bytes);
    spit(www() / "manifest.json.sig", sync::sign_with_key_file(bytes, key()));
  }

  // `more_sync`: further [sync] lines.
  void write_sync_config(const std::string& url, const std::string& more_sync = "") {
    std::string seconds;
    for (int s = 0; s < 60; s += 3) seconds += (seconds.empty() ? "" : ",") + std::to_string(s);
    write_config(
        "[[schedule]]\nid = \"xa-moi-3-giay\"\nchannel = \"loudspeaker\"\nfile = \"local.wav\"\n"
        "start = \"" +
            local(start_in(1s)) + "\"\nrrule = \"FREQ=MINUTELY;BYSECOND=" + seconds +
            "\"\npriority = 40\n",
        "\n[sync]\nurl = \"" + url + "\"\ninterval = \"5s\"\npublic_keys = [\"" + pub + "\"]\n" +
            more_sync);
  }

  json::object sync_status() {
    const auto r = cli::http_get(url(), "/api/v1/sync", "");
    EXPECT_EQ(r.status, 200) << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return ec ? json::object{} : v.as_object();
  }
  void sync_now() { ASSERT_EQ(cli::http_post(url(), "/api/v1/sync", "").status, 202); }
  std::int64_t applied() { return sync_status().at("applied_sequence").as_int64(); }
};

// Targets per entry: one signed manifest for the fleet; a box of Đồng Xoài takes the
// bulletin for Đồng Xoài, and Bù Đăng's flood warning (a schedule due before it and an
// emergency in force) is neither downloaded, nor in its preview, nor aired.
TEST_F(SyncTest, EntriesForAnotherDistrictAreNeitherDownloadedShownNorAired) {
  box_extra = "district = \"dong-xoai\"\n";
  write_tone_wav(src() / "canh-bao-lu.wav", 1.0, 880);
  write_province(local(start_in(7s)),
                 "[[media]]\nfile = \"canh-bao-lu.wav\"\nid = \"canh-bao-lu\"\n"
                 "title = \"Cảnh báo lũ huyện Bù Đăng\"\n\n");
  const auto now = std::chrono::system_clock::now();
  std::ofstream(src() / "province.toml", std::ios::app)
      << "targets = { districts = [\"dong-xoai\"] }\n\n"  // of the schedule tinh-sang
      << "[[schedule]]\nid = \"bu-dang-lu\"\nchannel = \"loudspeaker\"\nmedia = \"canh-bao-lu\"\n"
      << "level = \"priority\"\nstart = \"" << local(start_in(4s)) << "\"\n"
      << "targets = { districts = [\"bu-dang\"], boxes = [\"bp-bu-dang-*\"] }\n\n"
      << "[[emergency]]\nid = \"lu-bu-dang\"\nmedia = \"canh-bao-lu\"\n"
      << "text = \"Lũ trên sông Đồng Nai, huyện Bù Đăng\"\n"
      << "valid_from = \"" << zone.format_iso(Instant{(now - 60s).time_since_epoch()}) << "\"\n"
      << "valid_until = \"" << zone.format_iso(Instant{(now + 3600s).time_since_epoch()}) << "\"\n"
      << "targets = { districts = [\"bu-dang\"] }\n";
  publish();
  Nginx nginx(dir.path(), www());
  write_sync_config(nginx.url("/manifest.json"));
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();

  // Only the media of its own entries came down.
  std::map<std::string, std::string> file_of;
  const auto published = json::parse(slurp(www() / "manifest.json"));
  for (const auto& m : published.at("media").as_array()) {
    file_of[std::string(m.at("id").as_string())] =
        fs::path(std::string(m.at("url").as_string())).filename().string();
  }
  ASSERT_EQ(file_of.size(), 2u);
  EXPECT_TRUE(fs::exists(dir.path() / "state" / "media" / file_of["cchc-2022-07"]));
  EXPECT_FALSE(fs::exists(dir.path() / "state" / "media" / file_of["canh-bao-lu"]));

  const auto r = cli::http_get(url(), "/api/v1/schedule/preview", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"tinh-sang\""), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("bu-dang"), std::string::npos) << r.body;

  ASSERT_TRUE(daemon->wait_for_line("started cchc-2022-07", 20s)) << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
  EXPECT_EQ(daemon->output().find("canh-bao-lu"), std::string::npos) << daemon->output();
  EXPECT_EQ(daemon->output().find("lu-bu-dang"), std::string::npos) << daemon->output();
  store::Store st(dir.path() / "state" / "loaxa.db");
  int ours = 0;
  st.airtime().for_each({}, [&](const store::AirtimeRow& row) {
    EXPECT_NE(row.schedule_id, "bu-dang-lu");
    EXPECT_NE(row.schedule_id, "lu-bu-dang");
    if (row.schedule_id == "tinh-sang") ++ours;
  });
  EXPECT_GE(ours, 1);
}

TEST_F(SyncTest, PublishedScheduleSyncsAirsAndAnUnchangedPollIsOne304) {
  write_province(local(start_in(8s)));
  publish();
  Nginx nginx(dir.path(), www());
  write_sync_config(nginx.url("/manifest.json"));
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  const auto seq = json::parse(slurp(www() / "manifest.json")).at("sequence").as_int64();
  EXPECT_EQ(applied(), seq);

  // What publish wrote is what docs/manifest.schema.json describes (and a 1 TB size is not).
  {
    auto bad = json::parse(slurp(www() / "manifest.json")).as_object();
    bad["media"].as_array()[0].as_object()["size"] = std::int64_t{1} << 40;
    std::ofstream(dir.path() / "bad.json") << json::serialize(bad);
    const auto check =
        run({PYTHON3_BIN, std::string(LOAXA_SOURCE_DIR) + "/tests/tools/check_schema.py",
             std::string(LOAXA_SOURCE_DIR) + "/docs/manifest.schema.json",
             (www() / "manifest.json").string(), "--invalid", (dir.path() / "bad.json").string()});
    EXPECT_EQ(check.code, 0) << check.out << check.err;
  }
  // An item with its own duration is published as an object and applied as one.
  const auto item = json::parse(R"({"media": "cchc-2022-07", "duration": "20s"})");
  EXPECT_EQ(json::parse(slurp(www() / "manifest.json")).at("playlists").at(1).at("items").at(1),
            item);
  const auto lists = json::parse(cli::http_get(url(), "/api/v1/playlists", "").body);
  bool has_item = false;
  for (const auto& p : lists.as_array()) {
    if (p.at("id") == "man-hinh") has_item = p.at("items").at(1) == item;
  }
  EXPECT_TRUE(has_item) << lists;

  // The province's schedule is in the plan, above local content.
  const auto r = cli::http_get(url(), "/api/v1/schedule/preview", "");
  ASSERT_EQ(r.status, 200);
  bool found = false;
  const auto timeline = json::parse(r.body);
  for (const auto& e : timeline.as_array()) {
    if (e.at("schedule_id") == "tinh-sang") {
      found = true;
      EXPECT_EQ(e.at("priority").as_int64(), 70);
      EXPECT_EQ(e.at("content"), "sang");
    }
  }
  EXPECT_TRUE(found) << r.body;

  // A poll with nothing new: one request, answered 304.
  const auto before = nginx.access_log();
  sync_now();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string fresh;
  while (std::chrono::steady_clock::now() < deadline) {
    fresh = nginx.access_log().substr(before.size());
    if (fresh.find("\n") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);  // polling interval
  }
  EXPECT_NE(fresh.find("\"GET /manifest.json HTTP/1.1\" 304 0"), std::string::npos) << fresh;
  EXPECT_EQ(std::count(fresh.begin(), fresh.end(), '\n'), 1) << fresh;
  // Who is asking, in the province's ordinary access log.
  EXPECT_NE(fresh.find("box=test-box seq=" + std::to_string(seq)), std::string::npos) << fresh;

  // It airs at its time, from the province's media.
  ASSERT_TRUE(daemon->wait_for_line("started cchc-2022-07", 20s)) << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
  store::Store st(dir.path() / "state" / "loaxa.db");
  bool logged = false;
  st.airtime().for_each({}, [&](const store::AirtimeRow& row) {
    if (row.schedule_id == "tinh-sang") {
      logged = true;
      EXPECT_EQ(row.topic, "institutions");
      EXPECT_EQ(row.title, "Bản tin cải cách hành chính tháng 7");
    }
  });
  EXPECT_TRUE(logged);
}

TEST_F(SyncTest, ACutDownloadResumesWhereItStopped) {
  // A 6 MB file at 400 KB/s; nginx is killed once a third has arrived.
  write_tone_wav(src() / "dai.wav", 60.0, 330);
  write_province(local(start_in(3600s)),
                 "[[media]]\nfile = \"dai.wav\"\nid = \"dai\"\ntitle = \"Bản tin dài\"\n\n");
  publish();
  const auto sha =
      json::parse(slurp(www() / "manifest.json")).at("media").as_array()[1].at("sha256");
  const std::string name = std::string(sha.as_string()) + ".wav";
  const auto size = fs::file_size(www() / "media" / name);
  Nginx nginx(dir.path(), www());
  write_sync_config(nginx.url("/slow/manifest.json"));
  auto daemon = start_daemon();
  const auto part = dir.path() / "state" / "media" / (name + ".part");
  ASSERT_TRUE(wait_for_file_size(part, size / 3, 30s));
  nginx.kill();
  const auto kept = fs::file_size(part);
  ASSERT_TRUE(daemon->wait_for_line("resumed at the next poll", 40s)) << daemon->output();
  nginx.start();
  sync_now();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 60s)) << daemon->output();
  EXPECT_TRUE(fs::exists(dir.path() / "state" / "media" / name));
  EXPECT_FALSE(fs::exists(part));
  // The second request asked for the rest only, and got only the rest.
  const std::regex resumed("\"GET /slow/media/" + name +
                           " HTTP/1.1\" 206 ([0-9]+) range=\"bytes=([0-9]+)-\"");
  std::smatch m;
  const std::string log = nginx.access_log();
  ASSERT_TRUE(std::regex_search(log, m, resumed)) << log;
  EXPECT_GE(std::stoull(m[2]), kept);
  EXPECT_EQ(std::stoull(m[1]) + std::stoull(m[2]), size);
  std::cout << "cut at " << kept << " of " << size << " bytes; re-downloaded "
            << (size - std::stoull(m[1]) - kept) << " bytes\n";
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(SyncTest, AnEmergencyPublishedWhileLocalContentPlaysAirsWithinOneInterval) {
  write_province(local(start_in(3600s)));
  publish();
  Nginx nginx(dir.path(), www());
  write_tone_wav(dir.path() / "dai.wav", 30.0, 440);
  write_config(
      "[[schedule]]\nid = \"tin-xa\"\nchannel = \"loudspeaker\"\nfile = \"dai.wav\"\n"
      "start = \"" +
          local(start_in(3s)) + "\"\n",
      "\n[sync]\nurl = \"" + nginx.url("/manifest.json") +
          "\"\ninterval = \"5s\"\npublic_keys = [\"" + pub + "\"]\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("started dai", 10s)) << daemon->output();

  // The province publishes a storm warning, twice over, for every loudspeaker.
  const auto now = std::chrono::system_clock::now();
  std::ofstream(src() / "province.toml", std::ios::app)
      << "\n[[emergency]]\nid = \"bao-so-4\"\nchannels = [\"*\"]\nmedia = \"cchc-2022-07\"\n"
      << "text = \"Cơn bão số 4 đang tiến vào đất liền\"\nrepeat = 2\n"
      << "valid_from = \"" << zone.format_iso(Instant{(now - 60s).time_since_epoch()}) << "\"\n"
      << "valid_until = \"" << zone.format_iso(Instant{(now + 3600s).time_since_epoch()}) << "\"\n";
  publish();
  const auto published = std::chrono::steady_clock::now();
  ASSERT_TRUE(daemon->wait_for_line("pre-empted by bao-so-4", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("started cchc-2022-07", 5s)) << daemon->output();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - published).count();
  EXPECT_LT(took, 5.0 * 1.2 + 3.0);  // one poll interval (with jitter) and the download
  std::cout << "emergency on air " << took << " s after publishing\n";
  ASSERT_TRUE(daemon->wait_for_line("started cchc-2022-07", 5s)) << daemon->output();  // repeat 2
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 5s));
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);

  store::Store st(dir.path() / "state" / "loaxa.db");
  std::vector<std::string> seen;
  st.airtime().for_each({}, [&](const store::AirtimeRow& row) {
    seen.push_back(row.schedule_id + "/" + std::string(airtime::row_source(row.source)) + "/" +
                   std::string(airtime::row_status(row.status)));
  });
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0], "tin-xa/schedule/preempted");
  EXPECT_EQ(seen[1], "bao-so-4/emergency/completed");
  EXPECT_EQ(seen[2], "bao-so-4/emergency/completed");
}

TEST_F(SyncTest, RedirectsAreFollowedBoundedAndTheManifestMayComeGzipped) {
  write_province(local(start_in(3600s)));
  publish();
  Nginx nginx(dir.path(), www());
  write_sync_config(nginx.url("/old/manifest.json"));
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  const std::string log = nginx.access_log();
  EXPECT_NE(log.find("\"GET /old/manifest.json HTTP/1.1\" 301"), std::string::npos) << log;
  std::smatch m;
  const std::regex plain("\"GET /manifest.json HTTP/1.1\" 200 ([0-9]+)");
  ASSERT_TRUE(std::regex_search(log, m, plain)) << log;
  EXPECT_LT(std::stoull(m[1]), fs::file_size(www() / "manifest.json"));  // sent gzipped
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0) << daemon->describe() << daemon->output();

  write_sync_config(nginx.url("/loop/manifest.json"));
  daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("more than 5 redirects", 15s)) << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
}

TEST_F(SyncTest, NormalBulletinsWaitInTheInboxForTheOperator) {
  write_province(local(start_in(3600s)));
  std::ofstream(src() / "province.toml", std::ios::app)
      << "\n[[schedule]]\nid = \"tin-thuong\"\nchannel = \"loudspeaker\"\nmedia = "
         "\"cchc-2022-07\"\n"
      << "level = \"normal\"\nstart = \"" << local(start_in(7200s)) << "\"\n";
  publish();
  Nginx nginx(dir.path(), www());
  write_sync_config(nginx.url("/manifest.json"));
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  auto in_plan = [&](const std::string& id) -> std::string {
    const auto r = cli::http_get(url(), "/api/v1/schedule/preview", "");
    const auto timeline = json::parse(r.body);
    for (const auto& e : timeline.as_array()) {
      if (e.at("schedule_id").as_string() == id) return std::string(e.at("start").as_string());
    }
    return "";
  };
  auto inbox = run({LOAXA_BIN, "--url", url(), "inbox"});
  ASSERT_EQ(inbox.code, 0) << inbox.err;
  EXPECT_NE(inbox.out.find("tin-thuong"), std::string::npos) << inbox.out;
  EXPECT_NE(inbox.out.find("waiting"), std::string::npos) << inbox.out;
  EXPECT_EQ(inbox.out.find("tinh-sang"), std::string::npos);  // priority never waits
  EXPECT_EQ(in_plan("tin-thuong"), "");
  EXPECT_NE(in_plan("tinh-sang"), "");

  // Accepted for another time: in the plan there.
  const std::string at = local(start_in(5400s));
  auto r = run({LOAXA_BIN, "--url", url(), "inbox", "accept", "tin-thuong", "--start", at});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(in_plan("tin-thuong").substr(0, 19), at);
  // The decision outlives a restart.
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
  daemon = start_daemon();
  EXPECT_EQ(in_plan("tin-thuong").substr(0, 19), at);
  r = run({LOAXA_BIN, "--url", url(), "inbox", "reject", "tin-thuong"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(in_plan("tin-thuong"), "");
  // Unknown ids and bad times are bad input, in words.
  r = run({LOAXA_BIN, "--url", url(), "inbox", "accept", "khong-co"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no province bulletin \"khong-co\""), std::string::npos) << r.err;
  r = run({LOAXA_BIN, "--url", url(), "inbox", "accept", "tin-thuong", "--start", "mai"});
  EXPECT_EQ(r.code, 2) << r.err;
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
}

// Circular 39/2020 lets the commune order a province priority bulletin that meets one
// of its own: by default the province's cuts the commune's (which resumes after it);
// the operator sees the clash, chooses its own first, and the plan, the air and the
// status the province reads all follow. The choice is audited and kept.
TEST_F(SyncTest, AProvinceBulletinThatMeetsTheCommunesOwnAirsInTheOrderTheCommuneChose) {
  const auto province_at = start_in(16s);
  write_province(local(province_at));
  publish();
  Nginx nginx(dir.path(), www());
  write_tone_wav(dir.path() / "dai.wav", 3.0, 440);
  write_config(
      "[[schedule]]\nid = \"tin-xa\"\nchannel = \"loudspeaker\"\nfile = \"dai.wav\"\n"
      "start = \"" +
          local(province_at - 1s) + "\"\n",
      "\n[sync]\nurl = \"" + nginx.url("/manifest.json") +
          "\"\ninterval = \"5s\"\npublic_keys = [\"" + pub + "\"]\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  auto clashes = [&] {
    const auto r = cli::http_get(url(), "/api/v1/clashes", "");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).as_array();
  };
  auto planned = [&](const char* id) {
    const auto r = cli::http_get(url(), "/api/v1/schedule/preview", "");
    std::vector<std::string> parts;
    const auto timeline = json::parse(r.body);
    for (const auto& e : timeline.as_array()) {
      if (e.at("schedule_id") == id) {
        parts.push_back(std::string(e.at("status").as_string()) + " " +
                        std::string(e.at("start").as_string()).substr(11, 8));
      }
    }
    return parts;
  };
  const std::string t0 = local(province_at - 1s).substr(11, 8);
  // The province's block plays 1 s, the commune's 3 s from a second before it.
  const std::string resumes = local(province_at + 1s).substr(11, 8);
  const std::string t3 = local(province_at + 2s).substr(11, 8);
  // The clash, as the operator sees it: the province's goes first until told otherwise.
  auto c = clashes();
  ASSERT_EQ(c.size(), 1u) << c;
  EXPECT_EQ(c[0].at("province"), "tinh-sang");
  EXPECT_EQ(c[0].at("local"), "tin-xa");
  EXPECT_EQ(c[0].at("first"), "province");
  EXPECT_EQ(planned("tin-xa"), (std::vector<std::string>{"cut " + t0, "airs " + resumes}));
  // Not a province bulletin, or not the commune's: refused in words.
  auto r = cli::http_post(url(), "/api/v1/clashes", "",
                          R"({"province": "tin-xa", "local": "tin-xa", "first": "local"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("not a bulletin of the province"), std::string::npos) << r.body;

  r = cli::http_post(url(), "/api/v1/clashes", "",
                     R"({"province": "tinh-sang", "local": "tin-xa", "first": "local"})");
  ASSERT_EQ(r.status, 200) << r.body << daemon->output();
  c = clashes();
  ASSERT_EQ(c.size(), 1u) << c;
  EXPECT_EQ(c[0].at("first"), "local");
  EXPECT_NE(c[0].at("decided_at"), "");
  EXPECT_EQ(planned("tin-xa"), (std::vector<std::string>{"airs " + t0}));
  EXPECT_EQ(planned("tinh-sang"), (std::vector<std::string>{"airs " + t3}));
  // The status the province reads says so.
  const auto status = json::parse(cli::http_get(url(), "/api/v1/status", "").body);
  ASSERT_EQ(status.at("clash_orders").as_array().size(), 1u) << status;
  EXPECT_EQ(status.at("clash_orders").at(0).at("first"), "local");

  const auto audit = json::parse(cli::http_get(url(), "/api/v1/audit", "").body);
  ASSERT_FALSE(audit.as_array().empty()) << audit;
  EXPECT_EQ(audit.at(0).at("action"), "clash.order") << audit;
  EXPECT_EQ(audit.at(0).at("detail"), "tin-xa trước tinh-sang") << audit;

  // On air: the commune's whole, then the province's, nothing cut.
  ASSERT_TRUE(daemon->wait_for_line("started dai", 25s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("started cchc-2022-07", 10s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 5s)) << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
  store::Store st(dir.path() / "state" / "loaxa.db");
  std::vector<std::string> seen;
  st.airtime().for_each({}, [&](const store::AirtimeRow& row) {
    seen.push_back(row.schedule_id + "/" + std::string(airtime::row_status(row.status)));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"tin-xa/completed", "tinh-sang/completed"}));
}

TEST_F(SyncTest, MediaNoManifestNeedsAreRemovedAfterTheGrace) {
  write_tone_wav(src() / "cu.wav", 0.5, 550);
  write_province(local(start_in(3600s)), "[[media]]\nfile = \"cu.wav\"\nid = \"tin-cu\"\n\n");
  publish();
  const auto first = json::parse(slurp(www() / "manifest.json"));
  const std::string old_file =
      std::string(first.at("media").as_array()[1].at("sha256").as_string()) + ".wav";
  const std::string kept_file =
      std::string(first.at("media").as_array()[0].at("sha256").as_string()) + ".wav";
  Nginx nginx(dir.path(), www());
  write_sync_config(nginx.url("/manifest.json"), "media_grace = \"1s\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  const auto media = dir.path() / "state" / "media";
  ASSERT_TRUE(fs::exists(media / old_file));
  write_province(local(start_in(3600s)));  // tin-cu is gone
  publish();
  sync_now();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  EXPECT_TRUE(fs::exists(media / old_file));  // not at once: the grace first
  std::this_thread::sleep_for(1100ms);        // the grace is the point of this wait
  sync_now();
  ASSERT_TRUE(daemon->wait_for_line("removed 1 unreferenced media file(s)", 15s))
      << daemon->output();
  EXPECT_FALSE(fs::exists(media / old_file));
  EXPECT_TRUE(fs::exists(media / kept_file));
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
}

TEST_F(SyncTest, DownloadsRunTwoAtATimeAndAreThrottledWhileOnAir) {
  write_province(local(start_in(3600s)));
  publish();
  Nginx nginx(dir.path(), www());
  write_tone_wav(dir.path() / "dai.wav", 40.0, 440);
  write_config(
      "[[schedule]]\nid = \"tin-xa\"\nchannel = \"loudspeaker\"\nfile = \"dai.wav\"\n"
      "start = \"" +
          local(start_in(2s)) + "\"\n",
      "\n[sync]\nurl = \"" + nginx.url("/manifest.json") +
          "\"\ninterval = \"5s\"\n"
          "public_keys = [\"" +
          pub +
          "\"]\nparallel_downloads = 2\n"
          "max_rate_on_air = \"200KB/s\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("started dai", 10s)) << daemon->output();
  const auto seq_before = applied();
  // Two 960 KB bulletins arrive while the loudspeaker is on air.
  write_tone_wav(src() / "mot.wav", 10.0, 300);
  write_tone_wav(src() / "hai.wav", 10.0, 350);
  write_province(local(start_in(3600s)),
                 "[[media]]\nfile = \"mot.wav\"\nid = \"mot\"\n\n"
                 "[[media]]\nfile = \"hai.wav\"\nid = \"hai\"\n\n");
  publish();
  const auto began = std::chrono::steady_clock::now();
  sync_now();
  // Both at once: the sync status shows two files part-way at the same moment.
  std::size_t most_at_once = 0;
  for (auto deadline = began + 40s; std::chrono::steady_clock::now() < deadline;) {
    const auto st = sync_status();
    if (st.at("applied_sequence").as_int64() > seq_before) break;
    std::size_t partway = 0;
    for (const auto& d : st.at("pending").as_array()) {
      const auto have = d.at("have").as_int64(), size = d.at("size").as_int64();
      partway += have > 0 && have < size;
    }
    most_at_once = std::max(most_at_once, partway);
    std::this_thread::sleep_for(100ms);  // polling interval
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  ASSERT_GT(applied(), seq_before);
  EXPECT_EQ(most_at_once, 2u);
  const double bytes = 2.0 * static_cast<double>(fs::file_size(src() / "mot.wav"));
  // The cap bounds the speed from above: never faster than 200 KB/s (socket buffers aside).
  EXPECT_GE(took, 0.7 * bytes / (200 * 1024)) << took;
  std::cout << "2 x " << bytes / 2 / 1024 << " KiB on air at 200 KB/s: " << took << " s\n";
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
}

TEST_F(SyncTest, HolidaysFromTheManifestSkipTheRulesThatAskForIt) {
  const auto today = std::chrono::floor<date::days>(zone.to_local_seconds(start_in(0s)));
  const auto iso = [](date::local_days d) { return date::format("%F", d); };
  std::ofstream(src() / "province.toml")
      << "[publisher]\nid = \"so-noi-vu-binh-phuoc\"\nholidays = [\"" << iso(today + date::days(2))
      << "\"]\n\n[[media]]\nfile = \"ban-tin-cchc.wav\"\nid = \"cchc\"\n\n"
      << "[[schedule]]\nid = \"hang-ngay\"\nchannel = \"loudspeaker\"\nmedia = \"cchc\"\n"
      << "level = \"priority\"\nstart = \"" << iso(today + date::days(1)) << "T06:00:00\"\n"
      << "rrule = \"FREQ=DAILY\"\nskip_holidays = true\n\n"
      << "[[schedule]]\nid = \"ca-le\"\nchannel = \"loudspeaker\"\nmedia = \"cchc\"\n"
      << "level = \"priority\"\nstart = \"" << iso(today + date::days(1)) << "T07:00:00\"\n"
      << "rrule = \"FREQ=DAILY\"\n";
  publish();
  Nginx nginx(dir.path(), www());
  write_sync_config(nginx.url("/manifest.json"));
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  const auto r = cli::http_get(url(),
                               "/api/v1/schedule/preview?from=" + iso(today + date::days(1)) +
                                   "&to=" + iso(today + date::days(4)),
                               "");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, std::string> seen;  // "schedule day" -> status (reason)
  const auto timeline = json::parse(r.body);
  for (const auto& e : timeline.as_array()) {
    seen[std::string(e.at("schedule_id").as_string()) + " " +
         std::string(e.at("start").as_string()).substr(0, 10)] =
        std::string(e.at("status").as_string()) + " (" + std::string(e.at("reason").as_string()) +
        ")";
  }
  const std::string holiday = iso(today + date::days(2));
  EXPECT_EQ(seen["hang-ngay " + iso(today + date::days(1))].substr(0, 4), "airs");
  EXPECT_EQ(seen["hang-ngay " + holiday].substr(0, 7), "blocked") << seen["hang-ngay " + holiday];
  EXPECT_NE(seen["hang-ngay " + holiday].find("province holiday"), std::string::npos);
  EXPECT_EQ(seen["hang-ngay " + iso(today + date::days(3))].substr(0, 4), "airs");
  EXPECT_EQ(seen["ca-le " + holiday].substr(0, 4), "airs");  // it does not ask to skip
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
}

// A test CA signs the server's certificate for 127.0.0.1; openssl(1) makes them.
void make_certificates(const fs::path& dir, const std::string& san) {
  const std::string d = dir.string();
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", d + "/ca.key", "-out", d + "/ca.pem",
            "-days", "2", "-subj", "/CN=So TTTT thu nghiem CA"},
           {"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", d + "/server.key", "-out", d + "/server.csr", "-subj",
            "/CN=province"},
           {"/usr/bin/openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem",
            "-CAkey", d + "/ca.key", "-CAcreateserial", "-out", d + "/server.pem", "-days", "2",
            "-extfile", d + "/san.ext"}}) {
    if (cmd[1] == "x509") std::ofstream(dir / "san.ext") << "subjectAltName=" << san << "\n";
    const auto r = run(cmd);
    ASSERT_EQ(r.code, 0) << r.err;
  }
}

TEST_F(SyncTest, HttpsWithTheProvinceCaAndOnlyWithIt) {
  write_province(local(start_in(3600s)));
  publish();
  make_certificates(dir.path(), "IP:127.0.0.1");
  Nginx nginx(dir.path(), www(), dir.path() / "server.pem", dir.path() / "server.key");
  const std::string sync_extra = "\n[sync]\nurl = \"" + nginx.tls_url("/manifest.json") +
                                 "\"\ninterval = \"5s\"\npublic_keys = [\"" + pub + "\"]\n";
  // The system store does not know the test CA: refused, in words.
  write_config("", sync_extra);
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("unable to get local issuer certificate", 15s))
      << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
  // With ca_file: synced over TLS.
  write_config("", sync_extra + "ca_file = \"" + (dir.path() / "ca.pem").string() + "\"\n");
  daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
}

TEST_F(SyncTest, HttpsRefusesACertificateForAnotherHost) {
  write_province(local(start_in(3600s)));
  publish();
  make_certificates(dir.path(), "DNS:so-tttt.example.vn");
  Nginx nginx(dir.path(), www(), dir.path() / "server.pem", dir.path() / "server.key");
  write_config("", "\n[sync]\nurl = \"" + nginx.tls_url("/manifest.json") +
                       "\"\ninterval = \"5s\"\npublic_keys = [\"" + pub + "\"]\nca_file = \"" +
                       (dir.path() / "ca.pem").string() + "\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("IP address mismatch", 15s)) << daemon->output();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
}

// Each fault is refused with words in `sync status`, the applied manifest stays, and
// the local schedule keeps playing.
TEST_F(SyncTest, FaultsAreRefusedAndThePreviousManifestPlaysOn) {
  write_province(local(start_in(3600s)));
  publish();
  const std::string good = slurp(www() / "manifest.json");
  const std::string good_sig = slurp(www() / "manifest.json.sig");
  const auto seq = json::parse(good).at("sequence").as_int64();
  Nginx nginx(dir.path(), www());
  // A server that accepts and never answers.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  write_sync_config(nginx.url("/manifest.json"));
  const auto began = std::chrono::steady_clock::now();
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();
  ASSERT_EQ(applied(), seq);

  auto expect_refused = [&](const std::string& what, const std::string& words) {
    sync_now();
    ASSERT_TRUE(daemon->wait_for_line(words, 20s)) << what << "\n" << daemon->output();
    EXPECT_EQ(applied(), seq) << what;
    EXPECT_NE(std::string(sync_status().at("last_error").as_string()).find(words),
              std::string::npos)
        << what;
  };
  auto manifest_with = [&](const std::function<void(json::object&)>& edit) {
    auto m = json::parse(good).as_object();
    m["sequence"] = seq + 100 + static_cast<std::int64_t>(m.size());
    edit(m);
    return json::serialize(m);
  };
  std::int64_t bump = 0;
  auto newer = [&](const std::function<void(json::object&)>& edit) {
    auto m = json::parse(good).as_object();
    m["sequence"] = seq + (++bump);
    edit(m);
    return json::serialize(m);
  };
  (void)manifest_with;

  // An altered media file on the server.
  const std::string media_url =
      std::string(json::parse(good).at("media").as_array()[0].at("url").as_string());
  serve_signed(newer([&](json::object& m) {
    auto& media = m["media"].as_array()[0].as_object();
    media["sha256"] = std::string(64, 'a');
    media["url"] = "media/" + std::string(64, 'a') + ".wav";
  }));
  fs::copy_file(www() / media_url, www() / "media" / (std::string(64, 'a') + ".wav"));
  expect_refused("altered media", "does not match its SHA-256");
  // Not fetched again until a newer sequence: the next poll is one 304, no media.
  const auto log_before = nginx.access_log();
  sync_now();
  std::string fresh;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline && fresh.find('\n') == std::string::npos;) {
    std::this_thread::sleep_for(50ms);  // polling interval
    fresh = nginx.access_log().substr(log_before.size());
  }
  EXPECT_NE(fresh.find("\"GET /manifest.json HTTP/1.1\" 304"), std::string::npos) << fresh;
  std::this_thread::sleep_for(500ms);  // room for a wrong media request to show up
  EXPECT_EQ(nginx.access_log().substr(log_before.size()).find("/media/"), std::string::npos);

  serve_signed(newer([](json::object&) {}));
  spit(www() / "manifest.json.sig", good_sig);  // the old signature: bytes differ
  expect_refused("bad signature", "does not match any of the 1 configured public key");

  spit(www() / "manifest.json", good);  // rollback: an older, validly signed manifest
  serve_signed(json::serialize([&] {
    auto m = json::parse(good).as_object();
    m["sequence"] = seq - 1;
    return m;
  }()));
  expect_refused("rollback", "is older than the applied");

  serve_signed(newer(
      [](json::object& m) { m["media"].as_array()[0].as_object()["url"] = "../../etc/passwd"; }));
  expect_refused("escaping URL", "media[0].url: \"../../etc/passwd\" leaves");

  serve_signed(newer([](json::object& m) {
    m["media"].as_array()[0].as_object()["size"] = std::int64_t{1} << 40;
  }));
  expect_refused("1 TB", "media[0].size: 1099511627776 is out of range");

  serve_signed("{\"format\": \"loaxa-manifest/1\", \"sequence\": ");
  expect_refused("malformed JSON", "not valid JSON at byte");

  // The local schedule (every 3 s) played on through all of it.
  daemon->wait_for_line("no such line", 1s);  // read what it said so far
  const double ran_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const std::string said = daemon->output();
  std::size_t local_starts = 0;
  for (std::size_t at = 0; (at = said.find("started local at", at)) != std::string::npos; ++at) {
    ++local_starts;
  }
  EXPECT_GE(static_cast<double>(local_starts), ran_s / 3.0 - 2.0) << said;
  EXPECT_EQ(said.find("failed"), std::string::npos) << said;
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);

  // HTTP 500, then a server that never answers, each polled by a daemon of its own
  // that still has the applied manifest from the database.

  for (const auto& [what, target, words] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"HTTP 500", nginx.url("/broken/manifest.json"), "answered HTTP 500"},
           {"silent server",
            "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/manifest.json",
            "no answer within 5000 ms"}}) {
    write_sync_config(target);
    daemon = start_daemon();
    ASSERT_TRUE(daemon->wait_for_line(words, 20s)) << what << "\n" << daemon->output();
    EXPECT_EQ(applied(), seq) << what;  // the database's manifest is still in force
    daemon->signal(SIGTERM);
    ASSERT_EQ(daemon->wait_exit(5s), 0);
  }
}

}  // namespace
}  // namespace loaxa::test
