// The API's gate and the operator's hands: tokens and roles on every call, lock-out of
// guessers, tokens made and revoked from the CLI with an audit trail, manual play,
// stop, and a live emergency over a schedule, heard at the channel's output.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <cmath>
#include <sstream>

#include "common/sha256.hpp"
#include "daemon_fixture.hpp"
#include "process.hpp"

namespace loaxa::test {
namespace {

using namespace std::chrono_literals;
using scheduler::Instant;

constexpr const char* kAdmin = "quan-tri-bi-mat-1234";
constexpr const char* kOperator = "van-hoa-xa-5678";
constexpr const char* kViewer = "phong-noi-vu-9012";

class ApiTest : public DaemonTest {
 protected:
  ApiTest() {
    api_extra =
        "tokens = [\n"
        "  { name = \"quan-tri\", role = \"admin\", sha256 = \"" +
        sha256_hex(kAdmin) +
        "\" },\n"
        "  { name = \"can-bo-vhtt\", role = \"operator\", sha256 = \"" +
        sha256_hex(kOperator) +
        "\" },\n"
        "  { name = \"phong-noi-vu\", role = \"viewer\", sha256 = \"" +
        sha256_hex(kViewer) + "\" },\n]\n";
    api_token = kAdmin;
  }

  cli::HttpResult get(const std::string& target, const std::string& token) const {
    return cli::http_get(url(), target, token);
  }
  cli::HttpResult post(const std::string& target, const std::string& token,
                       const std::string& body = "{}") const {
    return cli::http_post(url(), target, token, body);
  }
  RunResult loaxa(std::vector<std::string> args, const std::string& token) const {
    std::vector<std::string> argv{LOAXA_BIN, "--url", url(), "--token", token};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  static std::string code_of(const cli::HttpResult& r) {
    try {
      return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
    } catch (const std::exception&) {
      return "";
    }
  }
};

TEST_F(ApiTest, EveryCallIsCheckedForItsRoleBeforeAnythingElse) {
  write_config("");
  auto daemon = start_daemon();
  EXPECT_EQ(get("/healthz", "").status, 200);

  auto r = get("/api/v1/status", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(code_of(r), "unauthorized");
  EXPECT_EQ(get("/api/v1/status", "not-a-token").status, 401);
  EXPECT_EQ(get("/api/v1/status", kViewer).status, 200);
  EXPECT_EQ(get("/api/v1/airtime?format=json", kViewer).status, 200);

  // A viewer gets 403 whatever the body; an operator with a bad body gets 400.
  r = post("/api/v1/channels/loudspeaker/play", kViewer, "this is not json");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("operator"), std::string::npos) << r.body;
  EXPECT_EQ(post("/api/v1/emergency", kViewer, "{}").status, 403);
  EXPECT_EQ(post("/api/v1/sync", kViewer).status, 403);
  r = post("/api/v1/channels/loudspeaker/play", kOperator, "this is not json");
  EXPECT_EQ(r.status, 400) << r.body;
  r = post("/api/v1/channels/loudspeaker/play", kOperator, R"({"content": "khong-co"})");
  EXPECT_EQ(r.status, 404) << r.body;
  r = post("/api/v1/channels/loa-khac/play", kOperator, R"({"content": "khong-co"})");
  EXPECT_EQ(r.status, 404) << r.body;

  // Oversized bodies are refused without being kept, with the role still first.
  r = post("/api/v1/schedules", kOperator, std::string(2 << 20, '{'));
  EXPECT_EQ(r.status, 413) << r.body;
  r = post("/api/v1/schedules", kViewer, std::string(2 << 20, '{'));
  EXPECT_EQ(r.status, 403) << r.body;

  // Tokens and the audit trail are the administrator's.
  EXPECT_EQ(get("/api/v1/tokens", kOperator).status, 403);
  EXPECT_EQ(get("/api/v1/audit", kOperator).status, 403);
  EXPECT_EQ(get("/api/v1/tokens", kAdmin).status, 200);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(ApiTest, RepeatedWrongTokensLockTheAddressOutForAMinute) {
  write_config("");
  auto daemon = start_daemon();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(get("/api/v1/status", "doan-mo-" + std::to_string(i)).status, 401);
  // Locked: even the right token waits now, so guessing gains nothing.
  const auto r = get("/api/v1/status", kViewer);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(code_of(r), "too_many_failures");
  EXPECT_EQ(get("/healthz", "").status, 200);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(ApiTest, ATokenMadeWithTheCliWorksUntilRevokedAndTheAuditSaysWho) {
  write_config("");
  auto daemon = start_daemon();
  auto made = loaxa({"token", "create", "--name", "huyen-nv", "--role", "viewer"}, kOperator);
  EXPECT_EQ(made.code, 1) << made.err;  // an operator may not
  made = loaxa({"token", "create", "--name", "huyen-nv", "--role", "viewer"}, kAdmin);
  ASSERT_EQ(made.code, 0) << made.err;
  const std::string token = made.out.substr(0, made.out.find('\n'));
  ASSERT_GE(token.size(), 40u) << made.out;
  EXPECT_EQ(get("/api/v1/status", token).status, 200);
  EXPECT_EQ(post("/api/v1/sync", token).status, 403);
  EXPECT_EQ(loaxa({"token", "create", "--name", "huyen-nv", "--role", "viewer"}, kAdmin).code, 2);
  EXPECT_EQ(loaxa({"token", "create", "--name", "x", "--role", "root"}, kAdmin).code, 2);

  const auto list = loaxa({"token", "list"}, kAdmin);
  EXPECT_NE(list.out.find("huyen-nv"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(token), std::string::npos) << "a token is shown only once";

  ASSERT_EQ(loaxa({"token", "revoke", "huyen-nv"}, kAdmin).code, 0);
  EXPECT_EQ(get("/api/v1/status", token).status, 401);
  EXPECT_EQ(loaxa({"token", "revoke", "huyen-nv"}, kAdmin).code, 2);

  const auto audit = loaxa({"audit", "--format", "json"}, kAdmin);
  ASSERT_EQ(audit.code, 0) << audit.err;
  const auto entries = boost::json::parse(audit.out).as_array();
  ASSERT_EQ(entries.size(), 2u) << audit.out;
  EXPECT_EQ(entries[0].at("action").as_string(), "token.revoke");  // newest first
  EXPECT_EQ(entries[1].at("action").as_string(), "token.create");
  EXPECT_EQ(entries[1].at("who").as_string(), "quan-tri");
  EXPECT_EQ(entries[1].at("remote").as_string(), "127.0.0.1");
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(DaemonTest, AnApiOnTheNetworkWithNoTokenRefusesToStart) {
  std::ofstream(config())
      << "[box]\nid = \"test-box\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n"
      << "state_dir = \"state\"\n\n[channels.loudspeaker]\nsink = \"fakesink\"\n"
      << "\n[api]\nlisten = [\"0.0.0.0:" << port << "\"]\n";
  Process daemon({LOAXAD_BIN, "--config", config().string()});
  const auto code = daemon.wait_exit(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(daemon.output().find("loaxa token create"), std::string::npos) << daemon.output();
}

TEST_F(ApiTest, ManualPlayAirsOnTheSecondItNamesAndLiveInputStopsByHand) {
  write_tone_wav(dir.path() / "thong-bao.wav", 1.5, 440);
  write_config("[[playlist]]\nid = \"thong-bao\"\nitems = [\"thong-bao.wav\"]\n",
               "live_source = \"audiotestsrc is-live=true freq=660 volume=0.5\"\n");
  auto daemon = start_daemon();
  auto played = loaxa({"play", "--channel", "loudspeaker", "thong-bao"}, kOperator);
  ASSERT_EQ(played.code, 0) << played.err;
  // "Phát lúc / plays at 2026-11-27T22:10:05.000+07:00 (playlist): phat-tay-..."
  const auto at = played.out.find(" at ");
  ASSERT_NE(at, std::string::npos) << played.out;
  const std::string start = played.out.substr(at + 4, played.out.find(' ', at + 4) - at - 4);
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();

  ASSERT_EQ(loaxa({"play", "--channel", "loudspeaker", "--live"}, kOperator).code, 0);
  ASSERT_TRUE(daemon->wait_for_line("started live", 15s)) << daemon->output();
  ASSERT_TRUE(wait_for_tail_hz(out(), 660.0, 15s)) << "the live input was not heard";
  ASSERT_EQ(loaxa({"stop", "--channel", "loudspeaker"}, kOperator).code, 0);
  ASSERT_TRUE(daemon->wait_for_line("ended (stopped)", 10s)) << daemon->output();
  const auto rows = airtime();
  const auto audit = get("/api/v1/audit", kAdmin);
  EXPECT_NE(audit.body.find("\"who\":\"can-bo-vhtt\",\"remote\":\"127.0.0.1\",\"action\":\"stop\""),
            std::string::npos)
      << audit.body;
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);

  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(field(rows[0], "source"), "manual");
  EXPECT_EQ(field(rows[0], "status"), "completed");
  EXPECT_EQ(field(rows[0], "planned_start"), start);
  const auto off = scheduler::parse_iso_instant(field(rows[0], "actual_start"), zone) -
                   scheduler::parse_iso_instant(start, zone);
  EXPECT_LE(std::chrono::abs(off), 20ms) << field(rows[0], "actual_start") << " vs " << start;
  EXPECT_EQ(field(rows[1], "source"), "live");
  EXPECT_EQ(field(rows[1], "status"), "stopped");
  EXPECT_EQ(field(rows[1], "media_id"), "live");

  // What sounded: the 440 Hz announcement, then the 660 Hz "microphone".
  const auto s = read_raw(out());
  const auto [first, last] = sounding_span(s);
  ASSERT_GT(last, first + 3 * 48000);
  EXPECT_NEAR(zero_crossing_hz(s, first + 4800, first + 60000), 440.0, 5.0);
  EXPECT_NEAR(zero_crossing_hz(s, last - 38400, last - 4800), 660.0, 5.0);
}

TEST_F(ApiTest, ALiveEmergencyCutsTheScheduleWhichResumesWhenItIsStopped) {
  write_tone_wav(dir.path() / "sang.wav", 12.0, 440);
  const Instant t = start_in(2s);
  write_config(
      "[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\nfile = \"sang.wav\"\n"
      "start = \"" +
          local(t) + "\"\n",
      "live_source = \"audiotestsrc is-live=true freq=660 volume=0.5\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("started sang", 15s)) << daemon->output();
  auto r = loaxa({"emergency", "start", "--live", "--text", "Bão số 5 đổ bộ"}, kOperator);
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(daemon->wait_for_line("ended (preempted)", 10s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("started live", 10s)) << daemon->output();
  const auto status = get("/api/v1/status", kViewer);
  EXPECT_NE(status.body.find("Bão số 5"), std::string::npos) << status.body;
  r = loaxa({"emergency", "stop"}, kOperator);
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(daemon->wait_for_line("ended (stopped)", 10s)) << daemon->output();
  const auto rows = rows_after(*daemon, 1);  // the resumed rest of "sang"

  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(field(rows[0], "schedule_id"), "sang");
  EXPECT_EQ(field(rows[0], "status"), "preempted");
  EXPECT_EQ(field(rows[1], "source"), "emergency");
  EXPECT_EQ(field(rows[1], "media_id"), "live");
  EXPECT_EQ(field(rows[1], "status"), "stopped");
  EXPECT_EQ(field(rows[2], "schedule_id"), "sang");
  EXPECT_EQ(field(rows[2], "status"), "completed");
  // The three parts account for the whole file: what aired before plus after.
  const double total =
      rows[0].at("duration_s").to_number<double>() + rows[2].at("duration_s").to_number<double>();
  EXPECT_NEAR(total, 12.0, 0.5);
}

TEST_F(ApiTest, AnM3uFromAUsbStickBecomesAPlaylistThatIsScheduledAndAirs) {
  const auto usb = dir.path() / "usb";
  std::filesystem::create_directories(usb / "tin");
  write_tone_wav(usb / "nhac-hieu.wav", 0.5, 440);
  write_tone_wav(usb / "tin" / "Tin cải cách.wav", 0.75, 660);
  std::ofstream(usb / "sang.m3u") << "#EXTM3U\r\n#EXTINF:1,Nhạc hiệu\r\nnhac-hieu.wav\r\n"
                                  << "tin/Tin cải cách.wav\r\n";
  std::ofstream(usb / "hong.m3u") << "nhac-hieu.wav\n\nkhong-co.wav\n";
  std::ofstream(usb / "rac.mp3") << std::string(4096, 'x');
  api_extra += "max_upload = \"1MB\"\n";
  write_config("");
  auto daemon = start_daemon();

  auto r = loaxa({"playlist", "import", (usb / "hong.m3u").string()}, kOperator);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("hong.m3u:3:"), std::string::npos) << r.err;
  r = loaxa({"playlist", "import", (usb / "sang.m3u").string(), "--name", "sang"}, kOperator);
  ASSERT_EQ(r.code, 0) << r.err;
  r = loaxa({"playlist", "show", "sang"}, kViewer);
  EXPECT_NE(r.out.find("1. nhac-hieu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2. tin-cai-cach"), std::string::npos) << r.out;

  // Bad uploads say why and keep nothing.
  r = loaxa({"media", "add", (usb / "rac.mp3").string()}, kOperator);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("rac.mp3: cannot be played"), std::string::npos) << r.err;
  write_tone_wav(usb / "dai.wav", 12.0, 440);  // 1.1 MB
  r = loaxa({"media", "add", (usb / "dai.wav").string()}, kOperator);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("upload limit"), std::string::npos) << r.err;
  r = loaxa({"media", "add", (usb / "nhac-hieu.wav").string()}, kViewer);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("operator"), std::string::npos) << r.err;
  const auto media = loaxa({"media", "list", "--format", "json"}, kViewer);
  EXPECT_EQ(boost::json::parse(media.out).as_array().size(), 2u) << media.out;
  write_tone_wav(usb / "doanh-nghiep.wav", 0.5, 550);
  r = loaxa({"media", "add", (usb / "doanh-nghiep.wav").string(), "--topic", "indices",
             "--audience", "doanh-nghiep,nguoi-dan", "--title", "Chỉ số PCI"},
            kOperator);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto added = loaxa({"media", "list", "--format", "json"}, kViewer);
  EXPECT_NE(added.out.find(R"("audience":"doanh-nghiep,nguoi-dan")"), std::string::npos)
      << added.out;
  EXPECT_NE(added.out.find(R"("title":"Chỉ số PCI")"), std::string::npos) << added.out;

  const Instant t = start_in(2s);
  r = loaxa({"schedule", "add", "--channel", "loudspeaker", "--playlist", "sang", "--start",
             local(t), "--rrule", "FREQ=DAILY", "--until", "2099-12-31"},
            kOperator);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string id = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(loaxa({"schedule", "add", "--channel", "loudspeaker", "--playlist", "sang", "--start",
                   "2022-02-30T06:00:00"},
                  kOperator)
                .code,
            2);
  EXPECT_EQ(loaxa({"media", "rm", "nhac-hieu"}, kOperator).code, 2);  // in a playlist
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  }
  const auto rows = airtime();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(field(rows[0], "media_id"), "nhac-hieu");
  EXPECT_EQ(field(rows[1], "media_id"), "tin-cai-cach");
  EXPECT_EQ(field(rows[1], "playlist_id"), "sang");
  EXPECT_EQ(field(rows[0], "schedule_id"), id);
  EXPECT_EQ(scheduler::parse_iso_instant(field(rows[0], "actual_start"), zone), t);

  const auto list = loaxa({"schedule", "list"}, kViewer);
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  EXPECT_EQ(loaxa({"schedule", "rm", id}, kOperator).code, 0);
  EXPECT_EQ(loaxa({"schedule", "rm", id}, kOperator).code, 2);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();

  // A restart keeps the box's own library and rules.
  auto again = start_daemon();
  const auto lists = loaxa({"playlist", "list", "--format", "json"}, kViewer);
  EXPECT_NE(lists.out.find("\"sang\""), std::string::npos) << lists.out;
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait_exit(5s), 0);
}

TEST_F(ApiTest, AnAnnouncementTypedAsTextIsSpokenCachedAndAired) {
  write_config("");
  auto daemon = start_daemon();
  const std::string text =
      "Kính thưa bà con, Bộ phận một cửa của xã tiếp nhận hồ sơ vào sáng thứ Bảy hằng tuần.";
  auto r = loaxa({"announce", text, "--topic", "institutions"}, kOperator);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string id = r.out.substr(0, r.out.find('\n'));
  EXPECT_TRUE(id.starts_with("thong-bao-")) << id;
  r = loaxa({"announce", text, "--topic", "institutions"}, kOperator);
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), id) << "the same text is spoken once";
  EXPECT_EQ(loaxa({"announce", "   "}, kOperator).code, 2);
  EXPECT_EQ(loaxa({"announce", text, "--voice", "vi;rm -rf"}, kOperator).code, 2);

  const auto media = boost::json::parse(loaxa({"media", "list", "--format", "json"}, kViewer).out);
  ASSERT_EQ(media.as_array().size(), 1u);
  const auto& m = media.as_array()[0];
  EXPECT_EQ(m.at("topic").as_string(), "institutions");
  EXPECT_TRUE(std::string(m.at("title").as_string()).starts_with("Kính thưa bà con"));
  EXPECT_GT(m.at("duration_s").to_number<double>(), 2.0);

  ASSERT_EQ(loaxa({"play", "--channel", "loudspeaker", id}, kOperator).code, 0);
  const auto rows = rows_after(*daemon, 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(field(rows[0], "media_id"), id);
  EXPECT_EQ(field(rows[0], "topic"), "institutions");
  ASSERT_TRUE(rows[0].at("rms_db").is_number());
  EXPECT_GT(rows[0].at("rms_db").to_number<double>(), -40.0) << "speech was heard";
}

TEST_F(ApiTest, OnTheOfficeNetworkTheApiSpeaksHttpsAndLoopbackStaysPlain) {
  const auto cert = dir.path() / "hop.pem", key = dir.path() / "hop.key";
  ASSERT_EQ(run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=DNS:localhost", "-keyout", key.string(), "-out",
                 cert.string()})
                .code,
            0);
  const int lan = free_port();
  api_extra =
      "tls_cert = \"" + cert.string() + "\"\ntls_key = \"" + key.string() + "\"\n" + api_extra;
  write_config("");
  // A second listener, as on the office Wi-Fi (any address: reached here via loopback).
  {
    std::ifstream in(config());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto at = text.find("listen = [\"127.0.0.1:" + std::to_string(port) + "\"]");
    ASSERT_NE(at, std::string::npos);
    text.insert(text.find(']', at), ", \"0.0.0.0:" + std::to_string(lan) + "\"");
    std::ofstream(config()) << text;
  }
  auto daemon = start_daemon();
  EXPECT_NE(daemon->output().find("listening on https://0.0.0.0:" + std::to_string(lan)),
            std::string::npos)
      << daemon->output();
  const std::string https = "https://localhost:" + std::to_string(lan);
  auto r = run({"/usr/bin/curl", "-sS", "--cacert", cert.string(), "-H",
                std::string("Authorization: Bearer ") + kViewer, https + "/api/v1/whoami"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"role\":\"viewer\""), std::string::npos) << r.out;
  // Without the box's certificate the client refuses; plain HTTP there gets nothing.
  EXPECT_NE(run({"/usr/bin/curl", "-sS", https + "/healthz"}).code, 0);
  EXPECT_NE(run({"/usr/bin/curl", "-sS", "--max-time", "5",
                 "http://localhost:" + std::to_string(lan) + "/healthz"})
                .out,
            "ok\n");
  // The CLI on the box keeps using loopback, plain.
  EXPECT_EQ(get("/api/v1/status", kViewer).status, 200);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(ApiTest, EveryEndpointRefusesCallersBelowItsRole) {
  constexpr const char* kAdminToken = kAdmin;
  write_config("");
  auto daemon = start_daemon();
  struct Endpoint {
    const char* method;
    const char* path;
    const char* role;  // the least role that may
  };
  const Endpoint all[] = {
      {"GET", "/api/v1/status", "viewer"},
      {"GET", "/api/v1/whoami", "viewer"},
      {"GET", "/api/v1/media", "viewer"},
      {"PUT", "/api/v1/media?filename=x.wav", "operator"},
      {"DELETE", "/api/v1/media/x", "operator"},
      {"GET", "/api/v1/playlists", "viewer"},
      {"POST", "/api/v1/playlists", "operator"},
      {"PUT", "/api/v1/playlists/x", "operator"},
      {"DELETE", "/api/v1/playlists/x", "operator"},
      {"GET", "/api/v1/schedules", "viewer"},
      {"POST", "/api/v1/schedules", "operator"},
      {"DELETE", "/api/v1/schedules/x", "operator"},
      {"GET", "/api/v1/schedule/preview", "viewer"},
      {"POST", "/api/v1/channels/loudspeaker/play", "operator"},
      {"POST", "/api/v1/channels/loudspeaker/stop", "operator"},
      {"POST", "/api/v1/emergency", "operator"},
      {"DELETE", "/api/v1/emergency", "operator"},
      {"POST", "/api/v1/ticker", "operator"},
      {"DELETE", "/api/v1/ticker", "operator"},
      {"GET", "/metrics", "viewer"},
      {"POST", "/api/v1/announcements", "operator"},
      {"GET", "/api/v1/inbox", "viewer"},
      {"POST", "/api/v1/inbox/x/accept", "operator"},
      {"POST", "/api/v1/inbox/x/reject", "operator"},
      {"GET", "/api/v1/clashes", "viewer"},
      {"POST", "/api/v1/clashes", "operator"},
      {"GET", "/api/v1/airtime", "viewer"},
      {"GET", "/api/v1/reports/airtime?period=2022", "viewer"},
      {"GET", "/api/v1/sync", "viewer"},
      {"POST", "/api/v1/sync", "operator"},
      {"GET", "/api/v1/tokens", "admin"},
      {"POST", "/api/v1/tokens", "admin"},
      {"DELETE", "/api/v1/tokens/x", "admin"},
      {"GET", "/api/v1/audit", "admin"},
  };
  const std::pair<const char*, const char*> callers[] = {
      {"viewer", kViewer}, {"operator", kOperator}, {"admin", kAdminToken}};
  auto rank = [](const std::string& role) {
    return role == "admin" ? 3 : role == "operator" ? 2 : 1;
  };
  for (const auto& e : all) {
    const std::string target = url() + e.path;
    auto status = [&](const std::string& token) {
      std::vector<std::string> argv{
          "/usr/bin/curl", "-s", "-o",     "/dev/null", "-w",
          "%{http_code}",  "-X", e.method, "-H",        "Content-Type: application/json",
          "--data",        "{}"};
      if (!token.empty()) {
        argv.push_back("-H");
        argv.push_back("Authorization: Bearer " + token);
      }
      argv.push_back(target);
      return run(argv).out;
    };
    EXPECT_EQ(status(""), "401") << e.method << " " << e.path;
    for (const auto& [role, token] : callers) {
      const std::string got = status(token);
      if (rank(role) < rank(e.role)) {
        EXPECT_EQ(got, "403") << role << " " << e.method << " " << e.path;
      } else {
        EXPECT_NE(got, "401") << role << " " << e.method << " " << e.path;
        EXPECT_NE(got, "403") << role << " " << e.method << " " << e.path;
      }
    }
  }
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(ApiTest, ReadyzAndPrometheusMetricsSayWhatTheBoxDoes) {
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440.0);
  const Instant start = start_in(3s);
  write_config("[[schedule]]\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\nstart = \"" +
               local(start) + "\"\n");
  auto daemon = start_daemon();
  auto r = get("/readyz", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(get("/metrics", "").status, 401);
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  r = get("/metrics", kViewer);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto has = [&](const std::string& line) {
    EXPECT_NE(r.body.find(line), std::string::npos) << "no \"" << line << "\" in\n" << r.body;
  };
  has("# TYPE loaxa_plays_total counter");
  has("loaxa_plays_total{channel=\"loudspeaker\",status=\"completed\"} 1\n");
  has("loaxa_start_error_seconds_count{channel=\"loudspeaker\"} 1\n");
  has("loaxa_start_error_seconds_bucket{channel=\"loudspeaker\",le=\"+Inf\"} 1\n");
  has("loaxa_start_error_seconds_bucket{channel=\"loudspeaker\",le=\"0.01\"} 1\n");
  has("loaxa_channel_up{channel=\"loudspeaker\"} 1\n");
  has("loaxa_channel_playing{channel=\"loudspeaker\",kind=\"audio\"} 0\n");
  has("loaxa_dead_air_total{channel=\"loudspeaker\"} 0\n");
  has("loaxa_disk_free_bytes ");
  has("loaxa_database_bytes ");
  has("loaxa_clock_synchronized ");
  // Every sample line is NAME{labels} VALUE or NAME VALUE, VALUE a number.
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string value = line.substr(space + 1);
    // The whole value parses as a finite number (Prometheus' text format), or +Inf.
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    EXPECT_TRUE(value == "+Inf" ||
                (!value.empty() && end == value.c_str() + value.size() && std::isfinite(number)))
        << line;
    EXPECT_EQ(line.rfind("loaxa_", 0), 0u) << line;
  }
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
}

}  // namespace
}  // namespace loaxa::test
