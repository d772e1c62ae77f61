// The hub serving the province's signed tree to the boxes: ETag, 304 and Range on the
// files `loaxa publish` wrote, names that cannot leave the tree, and a long-poll that
// brings an emergency to a real box in seconds although its poll interval is a minute.

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "hub_fixture.hpp"
#include "nginx.hpp"  // slurp
#include "scheduler/local_time.hpp"

namespace loaxa::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class ServeTest : public HubTest {
 protected:
  fs::path src() const { return dir.path() / "src"; }
  fs::path www() const { return dir.path() / "www"; }
  fs::path province_key() const { return dir.path() / "province.key"; }
  std::string province_pub;

  void publish() {
    const auto r = run({LOAXA_BIN, "publish", src().string(), "--out", www().string(), "--key",
                        province_key().string()});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
  }

  void SetUp() override {
    HubTest::SetUp();
    fs::create_directories(src());
    const auto k = run({LOAXA_BIN, "keygen", "--out", (dir.path() / "province").string()});
    ASSERT_EQ(k.code, 0) << k.err;
    province_pub = slurp(dir.path() / "province.pub");
    province_pub.erase(province_pub.find_last_not_of('\n') + 1);
    write_tone_wav(src() / "ban-tin.wav", 1.0, 660);
    std::ofstream(src() / "province.toml")
        << "[publisher]\nid = \"so-noi-vu-binh-phuoc\"\nname = \"Sở Nội vụ tỉnh Bình Phước\"\n\n"
        << "[[media]]\nfile = \"ban-tin.wav\"\nid = \"ban-tin-cchc\"\n"
        << "title = \"Bản tin cải cách hành chính\"\ntopic = \"institutions\"\n\n"
        << "[[schedule]]\nid = \"tinh-nam-sau\"\nchannel = \"loudspeaker\"\n"
        << "media = \"ban-tin-cchc\"\nlevel = \"priority\"\nstart = \"2099-01-01T06:00:00\"\n";
    publish();
    write_hub_config();
    std::ofstream(hub_config(), std::ios::app) << "\n[publish]\ndir = \"www\"\n";
  }

  sync::HttpResponse fetch(const std::string& target,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    return send(boost::beast::http::verb::get, target, std::move(headers));
  }
};

TEST_F(ServeTest, TheTreeIsServedWithETagsRangesAndNoWayOut) {
  start_hub();
  const std::string manifest = slurp(www() / "manifest.json");
  auto r = fetch("/manifest.json");
  ASSERT_EQ(r.status, 200) << r.error << r.body << hub->output();
  EXPECT_EQ(r.body, manifest);
  ASSERT_TRUE(r.headers.count("etag"));
  const std::string etag = r.headers.at("etag");
  EXPECT_EQ(fetch("/manifest.json", {{"If-None-Match", etag}}).status, 304);
  EXPECT_EQ(fetch("/manifest.json.sig").body, slurp(www() / "manifest.json.sig"));

  const std::string media_url =
      std::string(json::parse(manifest).at("media").at(0).at("url").as_string());
  const std::string bytes = slurp(www() / media_url);
  ASSERT_GT(bytes.size(), 1000u);
  r = fetch("/" + media_url);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, bytes);
  EXPECT_EQ(fetch("/" + media_url, {{"If-None-Match", r.headers.at("etag")}}).status, 304);
  // A cut download resumes: the rest from byte 1000, said in Content-Range.
  r = fetch("/" + media_url, {{"Range", "bytes=1000-"}});
  ASSERT_EQ(r.status, 206) << r.body;
  EXPECT_EQ(r.headers.at("content-range"),
            "bytes 1000-" + std::to_string(bytes.size() - 1) + "/" + std::to_string(bytes.size()));
  EXPECT_EQ(r.body, bytes.substr(1000));
  r = fetch("/" + media_url, {{"Range", "bytes=10-19"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, bytes.substr(10, 10));
  r = fetch("/" + media_url, {{"Range", "bytes=" + std::to_string(bytes.size()) + "-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.headers.at("content-range"), "bytes */" + std::to_string(bytes.size()));

  // Nothing but a media name reaches the disk: the hub's own config stays unread.
  for (const char* target : {"/media/..%2Fhub.toml", "/media/hub.toml", "/media/%2e%2e",
                             "/media/..%2F..%2Fhub.toml", "/www/hub.toml"}) {
    r = fetch(target);
    EXPECT_EQ(r.status, 404) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("[database]"), std::string::npos) << target;
  }
  EXPECT_EQ(fetch("/manifest.json?wait=mot").status, 400);
}

TEST_F(ServeTest, AnEmergencyReachesALongPollingBoxInSecondsThoughItsIntervalIsAMinute) {
  start_hub();
  auto box = make_box("bp-dong-xoai-tan-phu", "dong-xoai", "Tân Phú", 0, 1);
  std::ofstream(box.config(), std::ios::app)
      << "\n[sync]\nurl = \"" << url() << "/manifest.json\"\ninterval = \"60s\"\nwait = true\n"
      << "public_keys = [\"" << province_pub << "\"]\n";
  auto daemon = start_box(box);
  ASSERT_TRUE(daemon->wait_for_line(" applied: ", 15s)) << daemon->output();

  const auto now = std::chrono::system_clock::now();
  const scheduler::Zone zone("Asia/Ho_Chi_Minh");
  std::ofstream(src() / "province.toml", std::ios::app)
      << "\n[[emergency]]\nid = \"bao-so-4\"\nmedia = \"ban-tin-cchc\"\n"
      << "text = \"Cơn bão số 4 đang tiến vào đất liền\"\n"
      << "valid_from = \"" << zone.format_iso(now - 60s) << "\"\n"
      << "valid_until = \"" << zone.format_iso(now + 3600s) << "\"\n";
  const auto published = std::chrono::steady_clock::now();
  publish();
  ASSERT_TRUE(daemon->wait_for_line("started ban-tin-cchc", 20s)) << daemon->output();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - published).count();
  RecordProperty("publish_to_start_s", std::to_string(took));
  // Its ordinary poll would come 48 to 72 s after the last (the interval with its
  // jitter); seconds mean the hub held the box's request and answered it on publish.
  EXPECT_LT(took, 20.0);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

// A box the manifest is not for has refused its sequence; its long-poll must wait for a
// newer one, not ask for the refused one and be answered at once, again and again.
TEST_F(ServeTest, ABoxTheManifestIsNotForWaitsAtTheHubInsteadOfAskingAgainAndAgain) {
  std::string toml = slurp(src() / "province.toml");
  toml.insert(toml.find("\n\n"), "\ntargets = [\"bp-bu-dang-*\"]");
  std::ofstream(src() / "province.toml") << toml;
  publish();
  start_hub();
  auto box = make_box("bp-dong-xoai-tan-phu", "dong-xoai", "Tân Phú", 0, 1);
  std::ofstream(box.config(), std::ios::app)
      << "\n[sync]\nurl = \"" << url() << "/manifest.json\"\ninterval = \"60s\"\nwait = true\n"
      << "public_keys = [\"" << province_pub << "\"]\n";
  std::smatch m;
  const std::string config = slurp(box.config());
  ASSERT_TRUE(std::regex_search(config, m, std::regex(R"re(listen = \["127\.0\.0\.1:(\d+)")re")));
  const std::string box_url = "http://127.0.0.1:" + m[1].str();
  auto daemon = start_box(box);
  ASSERT_TRUE(daemon->wait_for_line("is not for box bp-dong-xoai-tan-phu", 15s))
      << daemon->output();
  auto polls = [&] {
    const auto r = cli::http_get(box_url, "/metrics", "");
    std::smatch pm;
    EXPECT_TRUE(std::regex_search(r.body, pm, std::regex(R"(\nloaxa_sync_polls_total (\d+))")))
        << r.body;
    return pm.empty() ? -1 : std::stoi(pm[1].str());
  };
  const int before = polls();
  std::this_thread::sleep_for(3s);  // the window the rate is counted over
  const int after = polls();
  // Held at the hub: at most the one request that was already on its way.
  EXPECT_LE(after - before, 1) << daemon->output();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

}  // namespace
}  // namespace loaxa::test
