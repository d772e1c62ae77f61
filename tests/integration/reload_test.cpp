// SIGHUP reloads and the event loop's edge, through the real loaxad: a reload is applied
// or refused as a whole and never ends the daemon; schedules that name a channel the
// config lost stay, blocked, and air again when it is back; a handler that throws (timer,
// GStreamer bus, HTTP route, download callback) is stopped at the loop's edge while the
// box stays on air.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>
#include <random>

#include "cli/http_client.hpp"
#include "daemon_fixture.hpp"
#include "process.hpp"

namespace loaxa::test {
namespace {

class ReloadTest : public DaemonTest {
 protected:
  std::filesystem::path loa2_out() const { return dir.path() / "loa2.raw"; }
  std::string loa2() const { return "\n[channels.loa2]\nsink = \"" + sink_to(loa2_out()) + "\"\n"; }
  // The config's own playlist makes `tone` a media id the API can schedule.
  static std::string playlist() { return "[[playlist]]\nid = \"p\"\nitems = [\"tone.wav\"]\n"; }

  boost::json::object status() const {
    const auto r = cli::http_get(url(), "/api/v1/status", api_token);
    EXPECT_EQ(r.status, 200) << r.body;
    return boost::json::parse(r.body).as_object();
  }
  // Preview entries of one schedule over the next two hours: "status|reason".
  std::vector<std::string> preview_of(const std::string& id) const {
    const auto r = cli::http_get(url(), "/api/v1/schedule/preview", api_token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const auto entries = boost::json::parse(r.body);
    for (const auto& e : entries.as_array()) {
      if (field(e, "schedule_id") == id)
        out.push_back(field(e, "status") + "|" + field(e, "reason"));
    }
    return out;
  }
};

// Found by trying it: an operator's schedule on loa2, then the admin removes
// [channels.loa2] and sends SIGHUP: `loaxad: map::at`, exit 1.
TEST_F(ReloadTest, AReloadThatRemovesAChannelKeepsItsScheduleBlockedUntilTheChannelIsBack) {
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  write_config(playlist(), loa2());
  auto daemon = start_daemon();
  const std::string at = local(start_in(1800s));
  auto r = cli::http_post(
      url(), "/api/v1/schedules", api_token,
      R"({"id": "tren-loa2", "channel": "loa2", "content": "p", "start": ")" + at + R"("})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(preview_of("tren-loa2").size(), 1u);
  EXPECT_EQ(preview_of("tren-loa2")[0].substr(0, 5), "airs|");

  write_config(playlist());  // loa2 gone
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for_line("config: reloaded", 10s)) << daemon->output();
  const auto blocked = preview_of("tren-loa2");
  ASSERT_EQ(blocked.size(), 1u) << daemon->output();
  EXPECT_EQ(blocked[0].substr(0, 8), "blocked|");
  EXPECT_NE(blocked[0].find("kênh loa2 không còn trong cấu hình"), std::string::npos) << blocked[0];
  EXPECT_EQ(field(status().at("reload"), "result"), "applied");

  // The operator's schedule is still there, and airs again once the channel is back.
  r = cli::http_get(url(), "/api/v1/schedules", api_token);
  EXPECT_NE(r.body.find("tren-loa2"), std::string::npos) << r.body;
  write_config(playlist(), loa2());
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for_line("config: reloaded", 10s)) << daemon->output();
  ASSERT_EQ(preview_of("tren-loa2").size(), 1u);
  EXPECT_EQ(preview_of("tren-loa2")[0].substr(0, 5), "airs|");
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

// A new channel whose sink does not build used to throw out of the signal handler and
// end io_context::run. Now the reload is refused whole, with the reason in the log and
// in /api/v1/status, and what played goes on.
TEST_F(ReloadTest, AReloadWithASinkThatDoesNotBuildIsRefusedWholeAndPlayoutGoesOn) {
  write_tone_wav(dir.path() / "tone.wav", 4.0, 440);
  write_config(
      "[[schedule]]\nid = \"dang-phat\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
      local(start_in(2s)) + "\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("started tone", 15s)) << daemon->output();
  std::ofstream(config(), std::ios::app)
      << "\n[channels.loa3]\nsink = \"khong-co-phan-tu-nay ! fakesink\"\nvolume = 0.5\n";
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for_line("the new config was refused", 10s)) << daemon->output();
  EXPECT_NE(daemon->output().find("channels.loa3"), std::string::npos) << daemon->output();
  const auto s = status();
  EXPECT_EQ(field(s.at("reload"), "result"), "refused");
  EXPECT_NE(field(s.at("reload"), "message").find("channels.loa3"), std::string::npos);
  EXPECT_EQ(s.at("channels").as_array().size(), 1u);  // nothing of it was applied
  // The play that was on air when the reload came ends whole.
  const auto rows = rows_after(*daemon, 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(field(rows[0], "status"), "completed");
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), 4.0, 0.1);
}

// Settings a reload cannot apply while loaxad runs are named, never silently ignored.
TEST_F(ReloadTest, AReloadSaysWhichKeysNeedARestart) {
  write_config("");
  auto daemon = start_daemon();
  const int other = free_port();
  std::string text;
  {
    std::ifstream in(config());
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto pos = text.find("127.0.0.1:" + std::to_string(port));
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, ("127.0.0.1:" + std::to_string(port)).size(),
               "127.0.0.1:" + std::to_string(port) + "\", \"127.0.0.1:" + std::to_string(other));
  std::ofstream(config()) << text;
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for_line("khởi động lại để áp dụng", 10s)) << daemon->output();
  const auto reload = status().at("reload");
  EXPECT_EQ(field(reload, "result"), "applied");
  EXPECT_NE(field(reload, "message").find("api.listen"), std::string::npos) << reload;
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

// Reload used to apply a channel's volume and silence level only: a new live_source
// waited for a restart without a word, and `play --live` failed.
TEST_F(ReloadTest, AReloadAppliesANewLiveSourceAtOnce) {
  write_config("");
  auto daemon = start_daemon();
  write_config("",
               "live_source = \"audiotestsrc is-live=true freq=660 volume=0.5\"\n"
               "dead_air = \"20s\"\nstall_timeout = \"3s\"\n");
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for_line("config: reloaded", 10s)) << daemon->output();
  const auto r = run({LOAXA_BIN, "--url", url(), "play", "--channel", "loudspeaker", "--live"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(daemon->wait_for_line("started live", 15s)) << daemon->output();
  EXPECT_TRUE(wait_for_tail_hz(out(), 660.0, 15s)) << "the new live input was not heard";
  EXPECT_EQ(run({LOAXA_BIN, "--url", url(), "stop", "--channel", "loudspeaker"}).code, 0);
  ASSERT_TRUE(daemon->wait_for_line("ended (stopped)", 10s)) << daemon->output();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

// Each kind of handler the loop runs throws once (LOAXA_FAULT): the daemon logs it at
// the loop's edge, answers the API, and the block airs whole on its planned instant.
TEST_F(ReloadTest, AnExceptionInAnyHandlerIsStoppedAtTheLoopsEdgeAndTheBoxStaysOnAir) {
  write_tone_wav(dir.path() / "tone.wav", 2.0, 440);
  const int closed = free_port();  // nobody listens: the push fails at once
  const Instant start = start_in(3s);
  write_config(
      "[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
          local(start) + "\"\n",
      "\n[airtime.push]\nurl = \"http://127.0.0.1:" + std::to_string(closed) +
          "/ingest\"\ninterval = \"1s\"\n");
  auto daemon = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/env", "LOAXA_FAULT=timer,bus,route,download", LOAXAD_BIN,
                               "--config", config().string()});
  ASSERT_TRUE(daemon->wait_for_line("loaxad: box ", 15s)) << daemon->output();
  const auto first = cli::http_get(url(), "/api/v1/status", api_token);
  EXPECT_EQ(first.status, 500) << first.body;  // the route that threw
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  // The closed row is pushed (and the push fails: nobody listens) after the play.
  ASSERT_TRUE(daemon->wait_for_line("injected fault: download handler", 15s)) << daemon->output();
  // The push whose answer's handler threw is not lost: the pusher gives up waiting for
  // it after its 30 s timeout and tries again (which fails: nobody listens).
  ASSERT_TRUE(daemon->wait_for_line("no answer was handled within the timeout", 45s))
      << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("1 failure(s) in a row", 10s)) << daemon->output();
  for (const char* kind : {"timer", "route", "bus"}) {
    EXPECT_NE(daemon->output().find(std::string("injected fault: ") + kind + " handler"),
              std::string::npos)
        << kind << "\n"
        << daemon->output();
  }
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
  ASSERT_EQ(rows.size(), 1u) << daemon->output();
  EXPECT_EQ(field(rows[0], "status"), "completed");
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), 2.0, 0.05);
  // Measured at the sink: two seconds of tone from the planned instant on.
  const auto samples = read_raw(out());
  const auto [from, to] = sounding_span(samples);
  ASSERT_LT(from, to);
  EXPECT_NEAR(static_cast<double>(to - from) / kRate, 2.0, 0.05);
}

}  // namespace
}  // namespace loaxa::test

namespace loaxa::test {
namespace {

// 200 reloads, valid and invalid at random, while a block plays and API schedules
// exist (one on a channel the reloads add and remove): the daemon never exits, each
// reload is applied or refused with its reason, and the block is heard whole.
TEST_F(ReloadTest, TwoHundredRandomReloadsWhileABlockPlays) {
  write_tone_wav(dir.path() / "tone.wav", 30.0, 440);
  const Instant start = start_in(2s);
  const std::string schedule =
      "[[schedule]]\nid = \"dang-phat\"\nchannel = \"loudspeaker\"\n"
      "file = \"tone.wav\"\nstart = \"" +
      local(start) + "\"\n";
  write_config(playlist() + schedule, loa2());
  auto daemon = start_daemon();
  const std::string later = local(start_in(3600s));
  for (const char* ch : {"loudspeaker", "loa2"}) {
    const auto r = cli::http_post(url(), "/api/v1/schedules", api_token,
                                  std::string(R"({"channel": ")") + ch +
                                      R"(", "content": "p", "start": ")" + later + R"("})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  ASSERT_TRUE(daemon->wait_for_line("started tone", 15s)) << daemon->output();

  std::mt19937 random(16);
  const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  // Each breaks the file in its own way; the reason the log gives contains `why`.
  const std::vector<std::pair<std::string, std::string>> breakers = {
      {"\nvolum = 3\n", "unknown key"},
      {"\n[channels.loa3]\nsink = \"khong-co-phan-tu ! fakesink\"\n", "channels.loa3"},
      {"\n[[schedule]]\nid = \"sai\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
       "start = \"2022-07-01T06:00:00\"\nrrule = \"FREQ=SOMETIMES\"\n",
       "rrule"},
      {"\n[[schedule]]\nid = \"-sai\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
       "start = \"2022-07-01T06:00:00\"\n",
       "id"},
      {"\n[channels.loa4\n", "loaxa.toml:"},
      {"\n[[schedule]]\nid = \"khong-kenh\"\nchannel = \"khong-co\"\nfile = \"tone.wav\"\n"
       "start = \"2022-07-01T06:00:00\"\n",
       "khong-co"},
  };
  int applied = 0, refused = 0;
  for (int i = 0; i < 200; ++i) {
    const bool valid = pick(3) != 0;
    std::string extra;
    if (pick(2)) extra += loa2();
    if (pick(3) == 0) extra += "\n[channels.loa5]\nsink = \"fakesink\"\nvolume = 0.5\n";
    std::string loudspeaker = "dead_air = \"" + std::to_string(5 + pick(20)) + "s\"\nfade = \"" +
                              std::to_string(100 + 50 * pick(8)) + "ms\"\n";
    std::string why;
    if (!valid) {
      const auto& b = breakers[static_cast<std::size_t>(pick(static_cast<int>(breakers.size())))];
      extra += b.first;
      why = b.second;
    }
    write_config(playlist() + schedule, loudspeaker + extra);
    daemon->signal(SIGHUP);
    const auto line =
        daemon->wait_for_line(valid ? "config: reloaded" : "the new config was refused", 10s);
    ASSERT_TRUE(line) << "reload " << i << " (" << (valid ? "valid" : why) << ")\n"
                      << daemon->output();
    const auto reload = status().at("reload");
    EXPECT_EQ(field(reload, "result"), valid ? "applied" : "refused") << i;
    if (!valid) {
      EXPECT_NE(field(reload, "message").find(why), std::string::npos)
          << i << ": " << field(reload, "message");
      ++refused;
    } else {
      ++applied;
    }
  }
  std::cout << applied << " reloads applied, " << refused << " refused while the block played\n";
  // Under a sanitizer the reloads may outlast the block: its end may already be read.
  if (daemon->output().find("ended (completed)") == std::string::npos) {
    ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 45s)) << daemon->output();
  }
  const auto rows = rows_after(*daemon, 0);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(field(rows[0], "status"), "completed");
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), 30.0, 0.05);
  // Heard whole at the sink: 30 s of tone with no silent stretch inside.
  const auto samples = read_raw(out());
  const auto [from, to] = sounding_span(samples);
  ASSERT_LT(from, to);
  // A stretch of 48 samples (1 ms) under 200 is a gap: the tone crosses zero faster.
  std::size_t longest_quiet = 0, quiet = 0, in_gaps = 0;
  for (std::size_t i = from; i < to; ++i) {
    quiet = std::abs(samples[i]) < 200 ? quiet + 1 : 0;
    longest_quiet = std::max(longest_quiet, quiet);
    if (quiet == 48) in_gaps += 48;
    if (quiet > 48) ++in_gaps;
  }
#ifdef __SANITIZE_ADDRESS__
  // Under ASan the tone's decoder can fall behind the live mixer: each reload that adds
  // or removes a channel builds or tears down a pipeline, instrumented, on two cores.
  // CI's ASan pass (this test then sharing the cores with a hub test) measured one silent
  // stretch of 1,270 samples, and at -O1 a block 30.17 s long. The gap and the length
  // are the normal pass's to check (label `timed`); here every second of the tone
  // reached the sink, and none twice.
  const double heard_s = static_cast<double>(to - from - in_gaps) / kRate;
  EXPECT_NEAR(heard_s, 30.0, 0.05) << in_gaps << " samples in gaps";
  EXPECT_LT(static_cast<double>(to - from) / kRate, 31.0);
#else
  EXPECT_NEAR(static_cast<double>(to - from) / kRate, 30.0, 0.05);
  EXPECT_EQ(in_gaps, 0u) << "a silent stretch of " << longest_quiet << " samples";
#endif
}

}  // namespace
}  // namespace loaxa::test
