// The real loaxad, rendering to raw PCM files through real GStreamer pipelines, with
// its real SQLite file and HTTP API.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <thread>

#include "cli/http_client.hpp"
#include "daemon/playout/clock.hpp"
#include "daemon_fixture.hpp"
#include "onset.hpp"
#include "process.hpp"
#include "scheduler/local_time.hpp"
#include "store/store.hpp"

namespace loaxa::test {
namespace {

using namespace std::chrono_literals;
using scheduler::Instant;

TEST_F(DaemonTest, ScheduledToneRendersOnTimeAndIsLogged) {
  write_tone_wav(dir.path() / "tone.wav", 2.0, 440);
  const auto fifo = dir.path() / "out.fifo";
  FifoRecorder recorder(fifo);
  const Instant planned = start_in(2s);
  write_config(
      "[[schedule]]\nid = \"tone\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
          local(planned) + "\"\n",
      "", fifo);
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
  recorder.join();

  const auto& samples = recorder.samples();
  const auto [first, last] = sounding_span(samples);
  ASSERT_LT(first, last);
  const double seconds = static_cast<double>(last - first + 1) / kRate;
  EXPECT_NEAR(seconds, 2.0, 0.05);
  EXPECT_NEAR(zero_crossing_hz(samples, first, last), 440.0, 5.0);

  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(field(rows[0], "status"), "completed");
  EXPECT_EQ(field(rows[0], "box_id"), "test-box");
  EXPECT_EQ(field(rows[0], "schedule_id"), "tone");
  EXPECT_EQ(field(rows[0], "source"), "schedule");
  EXPECT_EQ(field(rows[0], "hash").size(), 64u);
  const Instant actual = scheduler::parse_iso_instant(field(rows[0], "actual_start"), zone);
  EXPECT_EQ(scheduler::parse_iso_instant(field(rows[0], "planned_start"), zone), planned);
  // The first sample as the sink received it: at the plan, and where the row says.
  const auto heard = recorder.rendered_at(first);
  ASSERT_TRUE(heard);
  const double vs_plan = std::chrono::duration<double, std::milli>(*heard - planned).count();
  const double vs_row = std::chrono::duration<double, std::milli>(*heard - actual).count();
  EXPECT_LT(std::abs(vs_plan), 5.0) << "first sample " << vs_plan << " ms from the plan";
  EXPECT_LT(std::abs(vs_row), kOnsetToleranceMs)
      << "first sample " << vs_row << " ms from the row's start " << field(rows[0], "actual_start");
  // The row lasts what the sink heard.
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), seconds, 0.005);
  // Evidence: the clock's state as the kernel reports it, and what the plan wanted.
  EXPECT_EQ(rows[0].at("clock_synced").as_bool(), system_clock_synchronized());
  EXPECT_NEAR(rows[0].at("planned_s").to_number<double>(), 2.0, 0.01);
}

TEST_F(DaemonTest, SigtermDuringPlayFadesAndClosesRowAsStopped) {
  write_tone_wav(dir.path() / "long.wav", 10.0, 440, 0.8);
  write_config(
      "[[schedule]]\nid = \"long\"\nchannel = \"loudspeaker\"\nfile = \"long.wav\"\n"
      "start = \"" +
          local(start_in(1s)) + "\"\n",
      "fade = \"300ms\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("started long", 10s)) << daemon->output();
  // Let it sound for a while: wait until 0.8 s of audio has been rendered.
  ASSERT_TRUE(wait_for_sound(out(), 0.8, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  daemon->signal(SIGTERM);
  const auto code = daemon->wait_exit(5s);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(code, 0) << daemon->output();
  EXPECT_LT(took, 2s);

  store::Store store(dir.path() / "state" / "loaxa.db");
  int rows = 0;
  store.airtime().for_each({}, [&](const store::AirtimeRow& r) {
    ++rows;
    EXPECT_EQ(r.status, airtime::RowStatus::stopped);
    ASSERT_TRUE(r.duration_s);
    EXPECT_GT(*r.duration_s, 0.5);
    EXPECT_LT(*r.duration_s, 5.0);
    EXPECT_EQ(r.hash.size(), 64u);
  });
  EXPECT_EQ(rows, 1);

  // The end is a fade, not a click: the last 50 ms are much quieter than the tone.
  const auto samples = read_raw(out());
  const auto [first, last] = sounding_span(samples);
  ASSERT_GT(last - first, static_cast<std::size_t>(0.5 * kRate));
  const double steady = peak(samples, first + 4800, first + 9600);
  const double tail = peak(samples, last - 2400, last + 1);
  EXPECT_GT(steady, 0.15);  // the 0.8 tone brought to -16 LUFS: about 0.24
  EXPECT_LT(tail, steady * 0.5) << "steady " << steady << " tail " << tail;
}

TEST_F(DaemonTest, KilledDaemonsOpenRowIsClosedAsInterruptedAtNextStart) {
  write_tone_wav(dir.path() / "long.wav", 10.0, 440);
  write_config(
      "[[schedule]]\nid = \"long\"\nchannel = \"loudspeaker\"\nfile = \"long.wav\"\n"
      "start = \"" +
      local(start_in(1s)) + "\"\n");
  {
    auto daemon = start_daemon();
    ASSERT_TRUE(daemon->wait_for_line("started long", 10s)) << daemon->output();
    daemon->signal(SIGKILL);
    ASSERT_TRUE(daemon->wait_exit(5s));
  }
  auto daemon = start_daemon();
  EXPECT_NE(daemon->output().find("1 play(s) left open by an unclean stop were closed"),
            std::string::npos)
      << daemon->output();
  const auto rows = airtime();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(field(rows[0], "status"), "interrupted");
  EXPECT_EQ(field(rows[0], "hash").size(), 64u);
  // The block already started once: it is not aired again after the restart.
  EXPECT_FALSE(daemon->wait_for_line("started long", 3s)) << daemon->output();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(DaemonTest, UnplayableItemKeepsItsSlotAndTheNextOnePlays) {
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  std::ofstream(dir.path() / "broken.ogg") << "this is not an ogg file";
  write_config(
      "[[playlist]]\nid = \"p\"\nitems = [\"broken.ogg\", \"tone.wav\"]\n\n"
      "[[schedule]]\nid = \"blk\"\nchannel = \"loudspeaker\"\nplaylist = \"p\"\n"
      "start = \"" +
      local(start_in(2s)) + "\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  const auto rows = airtime();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(field(rows[0], "media_id"), "broken");
  EXPECT_EQ(field(rows[0], "status"), "failed");
  EXPECT_NE(field(rows[0], "error").find("cannot be played"), std::string::npos);
  EXPECT_EQ(field(rows[1], "media_id"), "tone");
  EXPECT_EQ(field(rows[1], "status"), "completed");
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(DaemonTest, SighupReloadsAndRefusesABadConfig) {
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  const std::string later = local(start_in(3600s));
  write_config(
      "[[schedule]]\nid = \"first\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
      later + "\"\n");
  auto daemon = start_daemon();
  auto next_ids = [&] {
    const auto r = cli::http_get(url(), "/api/v1/status", "");
    std::string ids;
    const boost::json::value status = boost::json::parse(r.body);
    for (const auto& n : status.at("channels").at(0).at("next").as_array()) {
      ids += field(n, "schedule_id") + ";";
    }
    return ids;
  };
  EXPECT_EQ(next_ids(), "first;");

  std::ofstream(config(), std::ios::app) << "volum = 3\n";
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for_line("refused", 5s)) << daemon->output();
  EXPECT_NE(daemon->output().find("unknown key 'volum'"), std::string::npos);
  EXPECT_EQ(next_ids(), "first;");

  write_config(
      "[[schedule]]\nid = \"second\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
      later + "\"\n");
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for_line("reloaded", 5s)) << daemon->output();
  EXPECT_EQ(next_ids(), "second;");
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

// The scheduler issue's example through the real daemon and CLI: a province rule (60)
// over a local one (40), quiet hours 21:30-05:00.
TEST_F(DaemonTest, SchedulePreviewShowsCutResumeAndBlocked) {
  write_tone_wav(dir.path() / "local.wav", 60.0, 440);
  write_tone_wav(dir.path() / "province.wav", 10.0, 660);
  write_config(
      "[[schedule]]\nid = \"dia-phuong\"\nchannel = \"loudspeaker\"\nfile = \"local.wav\"\n"
      "start = \"2022-07-01T06:00:00\"\nrrule = \"FREQ=DAILY;BYHOUR=6,22\"\npriority = 40\n\n"
      "[[schedule]]\nid = \"tinh\"\nchannel = \"loudspeaker\"\nfile = \"province.wav\"\n"
      "start = \"2022-07-01T06:00:30\"\npriority = 60\n",
      "quiet_hours = [\"21:30-05:00\"]\n");
  auto daemon = start_daemon();
  const auto r = run({LOAXA_BIN, "--url", url(), "schedule", "preview", "--date", "2022-07-01",
                      "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto entries = boost::json::parse(r.out).as_array();
  std::vector<std::string> got;
  for (const auto& e : entries) {
    got.push_back(field(e, "schedule_id") + " " + field(e, "status") + " " +
                  field(e, "start").substr(11, 8) + "-" + field(e, "end").substr(11, 8));
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "dia-phuong cut 06:00:00-06:00:30", "tinh airs 06:00:30-06:00:40",
                     "dia-phuong airs 06:00:40-06:01:10", "dia-phuong blocked 22:00:00-22:01:00"}));
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(field(entries[0], "start"), "2022-07-01T06:00:00+07:00");
  EXPECT_EQ(entries[1].at("priority").to_number<int>(), 60);
  EXPECT_NE(field(entries[0], "reason").find("cut at 06:00 by tinh (priority 60)"),
            std::string::npos);
  EXPECT_NE(field(entries[2], "reason").find("resumes after tinh"), std::string::npos);
  EXPECT_NE(field(entries[3], "reason").find("quiet hours"), std::string::npos);

  const auto table =
      run({LOAXA_BIN, "--url", url(), "schedule", "preview", "--date", "2022-07-01"});
  EXPECT_EQ(table.code, 0);
  EXPECT_NE(table.out.find("TRẠNG THÁI/STATUS"), std::string::npos);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

// The box was off for an hour: a block half an hour ago is logged `missed`; one 5 s ago
// (within the grace) starts late, from its beginning.
TEST_F(DaemonTest, BlocksMissedWhileOffAreLoggedAndRecentOnesStartLate) {
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  const Instant now{std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch())};
  write_config(
      "[[schedule]]\nid = \"long-ago\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
      local(now - 30min) +
      "\"\n\n"
      "[[schedule]]\nid = \"just-now\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
      local(now - 5s) + "\"\n");
  {
    std::filesystem::create_directories(dir.path() / "state");
    store::Store store(dir.path() / "state" / "loaxa.db");
    store.set_meta("last_alive", zone.format_iso(now - 1h));
  }
  auto daemon = start_daemon();
  EXPECT_NE(daemon->output().find("1 block(s) missed"), std::string::npos) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  EXPECT_NE(daemon->output().find("starts late by"), std::string::npos);
  const auto rows = airtime();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(field(rows[0], "schedule_id"), "long-ago");
  EXPECT_EQ(field(rows[0], "status"), "missed");
  EXPECT_EQ(field(rows[1], "schedule_id"), "just-now");
  EXPECT_EQ(field(rows[1], "status"), "completed");
  EXPECT_NEAR(rows[1].at("duration_s").to_number<double>(), 1.0, 0.05);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

TEST_F(DaemonTest, ApiAnswersHealthAndErrorsAsJson) {
  write_config("");
  auto daemon = start_daemon();
  auto r = cli::http_get(url(), "/healthz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  r = cli::http_get(url(), "/api/v1/nothing", "");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(boost::json::parse(r.body).at("error").at("code").as_string(), "not_found");
  r = cli::http_get(url(), "/api/v1/airtime?format=xml", "");
  EXPECT_EQ(r.status, 400);
  r = cli::http_get(url(), "/api/v1/airtime?from=yesterday", "");
  EXPECT_EQ(r.status, 400);
  r = cli::http_get(url(), "/api/v1/airtime?format=csv", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("id,box_id,channel,", 0), 0u);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
}

}  // namespace
}  // namespace loaxa::test
