// Loudspeaker playout measured at the sink: the real loaxad renders through its
// long-lived channel pipeline into a FIFO that the test reads and stamps.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "common/sha256.hpp"
#include "daemon_fixture.hpp"
#include "nginx.hpp"
#include "onset.hpp"
#include "process.hpp"
#include "store/access.hpp"
#include "store/store.hpp"

namespace loaxa::test {
namespace {

using namespace std::chrono_literals;
using scheduler::Instant;

// How many samples from `from` hold `value` (within the converter's dither).
std::size_t run_of(const std::vector<std::int16_t>& s, std::size_t from, int value) {
  std::size_t i = from;
  while (i < s.size() && std::abs(s[i] - value) <= 2) ++i;
  return i - from;
}

TEST_F(DaemonTest, ABlockOfThreeStartsOnTimeAndJoinsWithoutAddedSamples) {
  // 1.000 s WAV, 0.750 s FLAC, 0.500 s WAV, each a constant level of its own.
  write_level_wav(dir.path() / "a.wav", 48000, 8000);
  write_level_wav(dir.path() / "b-src.wav", 36000, -8000);
  ASSERT_EQ(
      run({"/usr/bin/sox", (dir.path() / "b-src.wav").string(), (dir.path() / "b.flac").string()})
          .code,
      0);
  write_level_wav(dir.path() / "c.wav", 24000, 16000);
  const auto fifo = dir.path() / "out.fifo";
  FifoRecorder recorder(fifo);
  const Instant planned = start_in(3s);
  write_config(
      "[[playlist]]\nid = \"ba\"\nitems = [\"a.wav\", \"b.flac\", \"c.wav\"]\n\n"
      "[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\nplaylist = \"ba\"\n"
      "start = \"" +
          local(planned) + "\"\n",
      "max_gain = 0.0\n", fifo);  // constant levels: loudness normalisation only lowers
  auto daemon = start_daemon();
  const auto rows = rows_after(*daemon, 3);
  recorder.join();

  const auto& s = recorder.samples();
  const std::size_t k = first_above(s, 100);
  ASSERT_LT(k, s.size()) << "nothing sounded";
  // Back to back: exactly each file's samples, then silence.
  EXPECT_EQ(run_of(s, k, 8000), 48000u);
  EXPECT_EQ(run_of(s, k + 48000, -8000), 36000u);
  EXPECT_EQ(run_of(s, k + 84000, 16000), 24000u);
  EXPECT_EQ(first_above(s, 100, k + 108000), s.size()) << "sound after the block";
  // The first sample sounds at the planned instant.
  const auto onset = recorder.rendered_at(k);
  ASSERT_TRUE(onset);
  const auto error = std::chrono::duration<double, std::milli>(*onset - planned).count();
  RecordProperty("onset_error_ms", std::to_string(error));
  EXPECT_LT(std::abs(error), kOnsetToleranceMs) << "first sample " << error << " ms from the plan\n"
                                                << recorder.reads_around(k);

  // Three rows, each starting where the previous one ended, with its level.
  ASSERT_EQ(rows.size(), 3u);
  const double levels[] = {20 * std::log10(8000.0 / 32768), 20 * std::log10(8000.0 / 32768),
                           20 * std::log10(16000.0 / 32768)};
  const double lengths[] = {1.0, 0.75, 0.5};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(field(rows[i], "status"), "completed");
    EXPECT_NEAR(rows[i].at("duration_s").to_number<double>(), lengths[i], 0.002);
    EXPECT_NEAR(rows[i].at("rms_db").to_number<double>(), levels[i], 0.3) << i;
    EXPECT_NEAR(rows[i].at("peak_db").to_number<double>(), levels[i], 0.3) << i;
    EXPECT_NEAR(rows[i].at("silence_s").to_number<double>(), 0.0, 0.001) << i;
    if (i > 0) {
      EXPECT_EQ(field(rows[i], "actual_start"), field(rows[i - 1], "actual_end"));
    }
  }
  EXPECT_EQ(scheduler::parse_iso_instant(field(rows[1], "planned_start"), zone), planned + 1s);
  // Each row's start against the sink: the read that brought the item's first sample
  // (the rows come from pad-offset arithmetic; this is what the FIFO received).
  const std::size_t firsts[] = {k, k + 48000, k + 84000};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto at_sink = recorder.rendered_at(firsts[i]);
    ASSERT_TRUE(at_sink) << i;
    const auto row = scheduler::parse_iso_instant(field(rows[i], "actual_start"), zone);
    const double ms = std::chrono::duration<double, std::milli>(*at_sink - row).count();
    EXPECT_LT(std::abs(ms), kOnsetToleranceMs)
        << "row " << i << " starts " << ms << " ms from its first sample";
  }
}

TEST_F(DaemonTest, LoudnessMeasuredAtIngestBringsAQuietAndALoudFileToTheTarget) {
  // 440 Hz at 0.1 and at 0.8: about -23.7 and -5.6 LUFS. At -16 LUFS a 440 Hz sine
  // peaks at about 0.243.
  write_tone_wav(dir.path() / "quiet.wav", 1.0, 440, 0.1);
  write_tone_wav(dir.path() / "loud.wav", 1.0, 440, 0.8);
  write_config(
      "[[playlist]]\nid = \"p\"\nitems = [\"quiet.wav\", \"loud.wav\"]\n\n"
      "[[schedule]]\nid = \"tin\"\nchannel = \"loudspeaker\"\nplaylist = \"p\"\n"
      "start = \"" +
          local(start_in(2s)) + "\"\n",
      "target_lufs = -16.0\n");
  auto daemon = start_daemon();
  const auto rows = rows_after(*daemon, 2);
  const auto s = read_raw(out());
  const std::size_t k = first_above(s, 300);
  ASSERT_LT(k + 96000, s.size());
  auto peak_of = [&](std::size_t from) {
    int p = 0;
    for (std::size_t i = from + 4800; i < from + 43200; ++i) p = std::max(p, std::abs(int{s[i]}));
    return p / 32768.0;
  };
  EXPECT_NEAR(peak_of(k), 0.243, 0.015);
  EXPECT_NEAR(peak_of(k + 48000), 0.243, 0.015);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[0].at("rms_db").to_number<double>(), rows[1].at("rms_db").to_number<double>(),
              0.5);
}

TEST_F(DaemonTest, AHigherPriorityBlockFadesTheLowerOutPlaysAndTheLowerResumes) {
  write_tone_wav(dir.path() / "thuong.wav", 6.0, 440, 0.8);  // local, priority 40
  write_tone_wav(dir.path() / "khan.wav", 1.0, 880, 0.8);    // province, priority 60
  const Instant t = start_in(2s);
  write_config(
      "[[schedule]]\nid = \"thuong\"\nchannel = \"loudspeaker\"\nfile = \"thuong.wav\"\n"
      "priority = 40\nstart = \"" +
          local(t) +
          "\"\n\n"
          "[[schedule]]\nid = \"khan\"\nchannel = \"loudspeaker\"\nfile = \"khan.wav\"\n"
          "priority = 60\nstart = \"" +
          local(t + 2s) + "\"\n",
      "fade = \"300ms\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (preempted)", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);

  const auto s = read_raw(out());
  const std::size_t k = first_above(s, 300);
  ASSERT_LT(k + 7 * 48000, s.size());
  const double steady = peak(s, k + 48000, k + 72000);
  // Faded over the 300 ms before the higher block: the last 30 ms well below the tone.
  EXPECT_LT(peak(s, k + 2 * 48000 - 1440, k + 2 * 48000 - 48), steady * 0.3);
  EXPECT_GT(peak(s, k + 2 * 48000 - 14400, k + 2 * 48000 - 13000), steady * 0.9);
  // The higher block on its second, then the lower one resumes.
  EXPECT_NEAR(zero_crossing_hz(s, k + 2 * 48000 + 480, k + 3 * 48000 - 480), 880.0, 5.0);
  EXPECT_NEAR(zero_crossing_hz(s, k + 3 * 48000 + 2400, k + 6 * 48000), 440.0, 5.0);
  EXPECT_EQ(first_above(s, 300, k + 7 * 48000 + 480), s.size()) << "sound after the plan";

  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(field(rows[0], "schedule_id"), "thuong");
  EXPECT_EQ(field(rows[0], "status"), "preempted");
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), 2.0, 0.05);
  EXPECT_EQ(field(rows[1], "schedule_id"), "khan");
  EXPECT_EQ(field(rows[1], "status"), "completed");
  EXPECT_NEAR(rows[1].at("duration_s").to_number<double>(), 1.0, 0.01);
  EXPECT_EQ(field(rows[2], "schedule_id"), "thuong");
  EXPECT_EQ(field(rows[2], "status"), "completed");
  EXPECT_NEAR(rows[2].at("duration_s").to_number<double>(), 4.0, 0.05);
  const auto start_of = [&](int i) {
    return scheduler::parse_iso_instant(field(rows[i], "actual_start"), zone);
  };
  EXPECT_LT(std::chrono::abs(start_of(1) - (t + 2s)), 5ms);
  EXPECT_LT(std::chrono::abs(start_of(2) - (t + 3s)), 5ms);
  RecordProperty(
      "resume_error_ms",
      std::to_string(std::chrono::duration<double, std::milli>(start_of(2) - (t + 3s)).count()));
  for (const auto& r : rows) {
    EXPECT_LT(r.at("rms_db").to_number<double>(), -10.0);
    EXPECT_GT(r.at("rms_db").to_number<double>(), -25.0);
  }
}

TEST_F(DaemonTest, ARelayWhoseServerDiesFallsBackAndReconnects) {
  // A station sending 64 kb/s MP3 at about real time.
  const auto www = dir.path() / "www";
  std::filesystem::create_directories(www);
  ASSERT_EQ(
      run({"/usr/bin/gst-launch-1.0", "-q", "audiotestsrc", "freq=440", "volume=0.5",
           "num-buffers=1500", "samplesperbuffer=1920", "!", "audio/x-raw,rate=48000,channels=1",
           "!", "audioconvert", "!", "lamemp3enc", "target=bitrate", "bitrate=64", "cbr=true", "!",
           "filesink", "location=" + (www / "dai.mp3").string()})
          .code,
      0);
  Nginx station(dir.path(), www);
  write_tone_wav(dir.path() / "du-phong.wav", 3.0, 880, 0.5);
  write_config("[[schedule]]\nid = \"tiep-song\"\nchannel = \"loudspeaker\"\nstream = \"" +
                   station.url("/radio/dai.mp3") + "\"\nmax_duration = \"40s\"\nstart = \"" +
                   local(start_in(1s)) + "\"\n",
               "fallback = \"du-phong.wav\"\nstall_timeout = \"3s\"\nconnect_timeout = \"3s\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("started http://", 15s)) << daemon->output();
  ASSERT_TRUE(wait_for_sound(out(), 3.0, 10s));
  station.kill();
  const auto killed = std::chrono::system_clock::now();
  const auto failed = daemon->wait_for_line("relay of ", 10s);
  ASSERT_TRUE(failed) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("started du-phong", 10s)) << daemon->output();
  // Back on the air: the stream is tried again once the fallback has played.
  station.start();
  ASSERT_TRUE(daemon->wait_for_line("started http://", 15s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);

  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(field(rows[0], "media_id"), station.url("/radio/dai.mp3"));
  EXPECT_EQ(field(rows[0], "status"), "failed");
  EXPECT_FALSE(field(rows[0], "error").empty());
  EXPECT_GT(rows[0].at("duration_s").to_number<double>(), 3.0);
  EXPECT_EQ(field(rows[1], "media_id"), "du-phong");
  const auto fallback_start = scheduler::parse_iso_instant(field(rows[1], "actual_start"), zone);
  const auto after_kill =
      std::chrono::duration<double>(fallback_start - Instant{killed.time_since_epoch()});
  EXPECT_LT(after_kill.count(), 3.0 + 1.0)
      << "fallback " << after_kill.count() << " s after the server died; "
      << field(rows[0], "error");
  EXPECT_EQ(field(rows[2], "media_id"), station.url("/radio/dai.mp3"));
  // The station, then the fallback tone.
  const auto s = read_raw(out());
  const std::size_t k = first_above(s, 300);
  ASSERT_LT(k + 3 * 48000, s.size());
  EXPECT_NEAR(zero_crossing_hz(s, k + 4800, k + 2 * 48000), 440.0, 10.0);
}

// Cuts an MPEG-TS file into an HLS VOD playlist: a new segment at every `pats_per_segment`th
// PAT packet (PID 0), so every segment opens with PAT and PMT.
void write_hls(const std::filesystem::path& ts, const std::filesystem::path& dir,
               const std::string& playlist, int pats_per_segment) {
  const std::string data = slurp(ts);
  ASSERT_EQ(data.size() % 188, 0u);
  std::vector<std::size_t> cuts;
  int pats = 0;
  for (std::size_t at = 0; at < data.size(); at += 188) {
    ASSERT_EQ(data[at], 0x47) << "sync byte at " << at;
    const int pid = ((static_cast<unsigned char>(data[at + 1]) & 0x1f) << 8) |
                    static_cast<unsigned char>(data[at + 2]);
    if (pid == 0 && pats++ % pats_per_segment == 0) cuts.push_back(at);
  }
  cuts.push_back(data.size());
  std::string m3u8 =
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n";
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seg%05zu.ts", i);
    std::ofstream(dir / name, std::ios::binary) << data.substr(cuts[i], cuts[i + 1] - cuts[i]);
    m3u8 += "#EXTINF:2.0,\n" + std::string(name) + "\n";
  }
  std::ofstream(dir / playlist) << m3u8 << "#EXT-X-ENDLIST\n";
}

TEST_F(DaemonTest, AnHlsStationRelaysForItsWindowAndEndsCompleted) {
  // An HLS playlist as provincial radio publishes it: ~2 s MPEG-TS segments of MP3.
  // hlssink2 (and splitmuxsink under it) hangs at EOS about one run in ten on GStreamer
  // 1.22 with audio only, so the stream is muxed whole and cut here at the PAT packets
  // mpegtsmux writes every 0.1 s: each segment starts with PAT and PMT, as hlssink's do.
  const auto hls = dir.path() / "www" / "hls";
  std::filesystem::create_directories(hls);
  ASSERT_EQ(run({"/usr/bin/gst-launch-1.0",
                 "-q",
                 "audiotestsrc",
                 "freq=440",
                 "volume=0.5",
                 "num-buffers=500",
                 "samplesperbuffer=1920",
                 "!",
                 "audio/x-raw,rate=48000,channels=1",
                 "!",
                 "audioconvert",
                 "!",
                 "lamemp3enc",
                 "target=bitrate",
                 "bitrate=64",
                 "cbr=true",
                 "!",
                 "mpegaudioparse",
                 "!",
                 "mpegtsmux",
                 "!",
                 "filesink",
                 "location=" + (dir.path() / "dai.ts").string()})
                .code,
            0);
  write_hls(dir.path() / "dai.ts", hls, "dai.m3u8", 20);
  Nginx station(dir.path(), dir.path() / "www");
  const Instant t = start_in(2s);
  write_config("[[schedule]]\nid = \"dai-tinh\"\nchannel = \"loudspeaker\"\nstream = \"" +
               station.url("/hls/dai.m3u8") + "\"\nmax_duration = \"6s\"\nstart = \"" + local(t) +
               "\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (", 20s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(field(rows[0], "status"), "completed") << field(rows[0], "error");
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), 6.0, 0.3);
  EXPECT_EQ(scheduler::parse_iso_instant(field(rows[0], "actual_end"), zone), t + 6s);
  const auto s = read_raw(out());
  const std::size_t k = first_above(s, 300);
  ASSERT_LT(k + 5 * 48000, s.size());
  EXPECT_NEAR(zero_crossing_hz(s, k + 48000, k + 4 * 48000), 440.0, 5.0);
}

TEST_F(DaemonTest, ADeadSinkIsReopenedWithBackOffAndTheNextBlockPlays) {
  // The sink's device is gone at start (a directory that does not exist yet stands for
  // a USB sound card unplugged); it comes back before the block is due.
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  const auto later = dir.path() / "card" / "out.raw";
  const Instant t = start_in(6s);
  write_config(
      "[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
          local(t) + "\"\n",
      "", later);
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("reopening it", 10s)) << daemon->output();
  std::filesystem::create_directories(later.parent_path());
  ASSERT_TRUE(daemon->wait_for_line("channel pipeline up", 10s)) << daemon->output();
  const auto rows = rows_after(*daemon, 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(field(rows[0], "status"), "completed");
  EXPECT_EQ(scheduler::parse_iso_instant(field(rows[0], "actual_start"), zone), t);
  const auto s = read_raw(later);
  const auto [first, last] = sounding_span(s);
  EXPECT_NEAR(static_cast<double>(last - first), 48000.0, 100.0);
}

TEST_F(DaemonTest, AmplifierSwitchesOnBeforeABlockAndOffAfterTheHold) {
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440);
  const auto on = dir.path() / "amp-on", off = dir.path() / "amp-off";
  const Instant t = start_in(3s);
  write_config(
      "[[schedule]]\nid = \"tone\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
      "start = \"" +
          local(t) + "\"\n",
      "on_air_command = [\"/usr/bin/touch\", \"" + on.string() +
          "\"]\noff_air_command = [\"/usr/bin/touch\", \"" + off.string() +
          "\"]\namp_lead = \"1500ms\"\namp_hold = \"1s\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("amplifier: loudspeaker: on", 10s)) << daemon->output();
  const auto on_at = std::chrono::system_clock::now();
  ASSERT_TRUE(daemon->wait_for_line("started tone", 10s)) << daemon->output();
  const auto started = std::chrono::system_clock::now();
  EXPECT_GT(started - on_at, 1200ms) << "switched on too late before the block";
  EXPECT_FALSE(std::filesystem::exists(off));
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 10s)) << daemon->output();
  const auto ended = std::chrono::system_clock::now();
  ASSERT_TRUE(daemon->wait_for_line("amplifier: loudspeaker: off", 10s)) << daemon->output();
  const auto off_at = std::chrono::system_clock::now();
  EXPECT_GT(off_at - ended, 800ms) << "switched off before the hold";
  EXPECT_LT(off_at - ended, 2500ms);
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0);
  EXPECT_TRUE(std::filesystem::exists(on));  // the commands really ran
  EXPECT_TRUE(std::filesystem::exists(off));
}

TEST_F(DaemonTest, BadFilesFailAtTheirSlotWithAReasonAndTheRestPlaysOn) {
  write_tone_wav(dir.path() / "tot.wav", 1.0, 440);
  std::ofstream(dir.path() / "rong.wav");                               // zero length
  std::ofstream(dir.path() / "rac.flac") << std::string(4096, '\x5a');  // not FLAC at all
  // A WAV whose header promises 2 s but holds 0.5 s, and a WAV named .mp3.
  write_tone_wav(dir.path() / "cut.wav", 2.0, 660);
  std::filesystem::resize_file(dir.path() / "cut.wav", 44 + 48000);
  std::filesystem::copy_file(dir.path() / "tot.wav", dir.path() / "sai-duoi.mp3");
  write_config(
      "[[playlist]]\nid = \"p\"\nitems = [\"rong.wav\", \"cut.wav\", \"rac.flac\", "
      "\"sai-duoi.mp3\", \"tot.wav\"]\n\n"
      "[[schedule]]\nid = \"blk\"\nchannel = \"loudspeaker\"\nplaylist = \"p\"\n"
      "start = \"" +
      local(start_in(2s)) + "\"\n");
  auto daemon = start_daemon();
  const auto rows = rows_after(*daemon, 3);
  ASSERT_EQ(rows.size(), 5u);
  const char* ids[] = {"rong", "cut", "rac", "sai-duoi", "tot"};
  const char* statuses[] = {"failed", "completed", "failed", "completed", "completed"};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(field(rows[i], "media_id"), ids[i]);
    EXPECT_EQ(field(rows[i], "status"), statuses[i]) << ids[i] << ": " << field(rows[i], "error");
  }
  EXPECT_NE(field(rows[0], "error").find("empty"), std::string::npos) << field(rows[0], "error");
  EXPECT_NE(field(rows[2], "error").find("cannot be played"), std::string::npos);
  EXPECT_NEAR(rows[1].at("duration_s").to_number<double>(), 0.5, 0.02);  // what it holds
  // Nothing waits for a failure: the good items follow each other.
  const auto start_of = [&](int i) {
    return scheduler::parse_iso_instant(field(rows[i], "actual_start"), zone);
  };
  const auto end_of = [&](int i) {
    return scheduler::parse_iso_instant(field(rows[i], "actual_end"), zone);
  };
  EXPECT_LT(start_of(3) - end_of(1), 1s);
  EXPECT_LT(start_of(4) - end_of(3), 1s);
}

TEST_F(DaemonTest, AFileThatRotsAfterIngestFailsAtItsSlotAndTheRestFollowsBackToBack) {
  // The first item decodes to nothing when its turn comes, while the items behind it
  // are already queued: they play once each, in order, from its slot.
  write_level_wav(dir.path() / "hong.wav", 48000, 4000);
  write_level_wav(dir.path() / "a.wav", 48000, 8000);
  write_level_wav(dir.path() / "c.wav", 24000, 16000);
  const auto fifo = dir.path() / "out.fifo";
  FifoRecorder recorder(fifo);
  const Instant planned = start_in(4s);
  write_config(
      "[[playlist]]\nid = \"ba\"\nitems = [\"hong.wav\", \"a.wav\", \"c.wav\"]\n\n"
      "[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\nplaylist = \"ba\"\n"
      "start = \"" +
          local(planned) + "\"\n",
      "max_gain = 0.0\n", fifo);
  auto daemon = start_daemon();
  ASSERT_EQ(rot_stored_copy(dir.path() / "hong.wav"), 1);
  const auto rows = rows_after(*daemon, 2);
  recorder.join();

  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(field(rows[0], "media_id"), "hong");
  EXPECT_EQ(field(rows[0], "status"), "failed");
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(field(rows[i], "status"), "completed") << i << ": " << field(rows[i], "error");
  }
  EXPECT_EQ(field(rows[2], "actual_start"), field(rows[1], "actual_end"));
  // At the sink: a from its slot (the failed item's second), then c, nothing else.
  const auto& s = recorder.samples();
  const std::size_t k = first_above(s, 100);
  ASSERT_LT(k, s.size()) << "nothing sounded";
  EXPECT_EQ(run_of(s, k, 8000), 48000u);
  EXPECT_EQ(run_of(s, k + 48000, 16000), 24000u);
  EXPECT_EQ(first_above(s, 100, k + 72000), s.size()) << "sound after the block";
  const auto onset = recorder.rendered_at(k);
  ASSERT_TRUE(onset);
  const double error = std::chrono::duration<double, std::milli>(*onset - (planned + 1s)).count();
  EXPECT_LT(std::abs(error), kOnsetToleranceMs) << "a sounded " << error << " ms from its slot\n"
                                                << daemon->output();
}

TEST_F(DaemonTest, SigtermInTheMiddleOfAChainOfShortItemsStopsCleanly) {
  write_level_wav(dir.path() / "t.wav", 4800, 4000);
  std::string items;
  for (int i = 0; i < 100; ++i) items += std::string(i ? ", " : "") + "\"t.wav\"";
  write_config("[[playlist]]\nid = \"p\"\nitems = [" + items +
               "]\n\n[[schedule]]\nid = \"chuoi\"\nchannel = \"loudspeaker\"\n"
               "playlist = \"p\"\nstart = \"" +
               local(start_in(2s)) + "\"\n");
  auto daemon = start_daemon();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 10s)) << daemon->output();
  }
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
  EXPECT_EQ(daemon->output().find("did not stop in time"), std::string::npos) << daemon->output();
  // Every row that opened is closed; nothing aired without its row.
  store::Store st(dir.path() / "state" / "loaxa.db");
  int rows = 0;
  st.airtime().for_each({}, [&](const store::AirtimeRow& r) {
    ++rows;
    EXPECT_TRUE(r.status == airtime::RowStatus::completed ||
                r.status == airtime::RowStatus::stopped)
        << r.status;
  });
  EXPECT_GE(rows, 5);
  const auto s = read_raw(out());
  const std::size_t k = first_above(s, 100);
  std::size_t sounding = 0;
  for (std::size_t i = k; i < s.size(); ++i) sounding += std::abs(s[i]) > 100;
  EXPECT_LE(static_cast<double>(sounding) / 48000.0, rows * 0.1 + 0.01);
}

// Silence inside a play is measured, not only ever found to be zero: 3 s of it in the
// middle of a 7 s file are the row's silence_s, and with dead_air = "2s" they are dead
// air once (a warning and the metric).
TEST_F(DaemonTest, ThreeSecondsOfSilenceInAPlayAreItsSilenceAndDeadAir) {
  write_tone_wav(dir.path() / "tone.wav", 2.0, 440);
  ASSERT_EQ(run({"/usr/bin/sox", "-n", "-r", "48000", "-c", "1", "-b", "16",
                 (dir.path() / "quiet.wav").string(), "trim", "0", "3"})
                .code,
            0);
  ASSERT_EQ(
      run({"/usr/bin/sox", (dir.path() / "tone.wav").string(), (dir.path() / "quiet.wav").string(),
           (dir.path() / "tone.wav").string(), (dir.path() / "lang.wav").string()})
          .code,
      0);
  write_config(
      "[[schedule]]\nid = \"lang\"\nchannel = \"loudspeaker\"\nfile = \"lang.wav\"\n"
      "start = \"" +
          local(start_in(2s)) + "\"\n",
      "dead_air = \"2s\"\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 20s)) << daemon->output();
  const auto metrics = cli::http_get(url(), "/metrics", api_token);
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), 7.0, 0.05);
  EXPECT_NEAR(rows[0].at("silence_s").to_number<double>(), 3.0, 0.15);
  EXPECT_NE(daemon->output().find("dead air"), std::string::npos) << daemon->output();
  EXPECT_NE(metrics.body.find("loaxa_dead_air_total{channel=\"loudspeaker\"} 1\n"),
            std::string::npos)
      << metrics.body;
}

// Password logins (Argon2id, ~0.1 s each) used to run on the event loop that also
// queues each item behind the one that plays: four clients logging in without pause
// held it up long enough for the next short item to come late, a gap on air. The hash
// now runs on a worker thread.
TEST_F(DaemonTest, LoginsInALoopLeaveTheAudioGapFreeAndOnTime) {
  // Twelve items of 0.2 s, each a level of its own: a gap or an added sample shows.
  constexpr int kItems = 12;
  std::string items;
  for (int i = 0; i < kItems; ++i) {
    write_level_wav(dir.path() / ("l" + std::to_string(i) + ".wav"), 9600,
                    static_cast<std::int16_t>((i % 2 ? -1 : 1) * (3000 + 1000 * i)));
    items += std::string(i ? ", " : "") + "\"l" + std::to_string(i) + ".wav\"";
  }
  const std::string token = "quan-tri-bi-mat-1234";
  api_extra = "tokens = [{ name = \"quan-tri\", role = \"admin\", sha256 = \"" + sha256_hex(token) +
              "\" }]\n"
              "users = [{ name = \"van-hoa-xa\", role = \"viewer\", password = \"" +
              store::hash_password("mat-khau-xa-1") + "\" }]\n";
  api_token = token;
  const auto fifo = dir.path() / "out.fifo";
  FifoRecorder recorder(fifo);
  const Instant planned = start_in(4s);
  write_config("[[playlist]]\nid = \"ngan\"\nitems = [" + items +
                   "]\n\n[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\n"
                   "playlist = \"ngan\"\nstart = \"" +
                   local(planned) + "\"\n",
               "max_gain = 0.0\n", fifo);
  auto daemon = start_daemon();
  std::atomic<bool> stop{false};
  std::atomic<int> logins{0}, refused{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      while (!stop) {
        try {
          const auto r = cli::http_post(url(), "/api/v1/login", "",
                                        R"({"name": "van-hoa-xa", "password": "mat-khau-xa-1"})");
          (r.status == 201 ? logins : refused)++;
        } catch (const std::exception&) {
          refused++;
        }
      }
    });
  }
  int ended = 0;
  while (ended < kItems && daemon->wait_for_line("ended (completed)", 15s)) ++ended;
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_EQ(ended, kItems) << daemon->output();
  const auto rows = rows_after(*daemon, 0);
  recorder.join();
  EXPECT_GT(logins.load(), 8) << "the logins did not run during the block";

  const auto& s = recorder.samples();
  const std::size_t k = first_above(s, 100);
  ASSERT_LT(k, s.size()) << "nothing sounded";
  std::size_t at = k;
  for (int i = 0; i < kItems; ++i) {
    const int level = (i % 2 ? -1 : 1) * (3000 + 1000 * i);
    EXPECT_EQ(run_of(s, at, level), 9600u) << "item " << i << " at sample " << at - k;
    at += 9600;
  }
  const auto onset = recorder.rendered_at(k);
  ASSERT_TRUE(onset);
  const auto error = std::chrono::duration<double, std::milli>(*onset - planned).count();
  RecordProperty("onset_error_ms", std::to_string(error));
  // Argon2 in a thread of the daemon made this start 6-24 ms late in 8 runs of 20 (its
  // 64 MiB map and unmap hold the address space's lock that a playout thread's page
  // fault waits for); in a child process of its own, under 1 ms in 16 of 16 here.
  EXPECT_LT(std::abs(error), 5.0) << "first sample " << error << " ms from the plan\n"
                                  << recorder.reads_around(k);
  // And every sample after it: the block's timeline must not slip anywhere (a stall of
  // the daemon moves every later sample; a late wake-up of this VM, made up within
  // 100 ms, does not count: see FifoRecorder::worst_lateness_ms).
  std::size_t worst_at = k;
  const double late = recorder.worst_lateness_ms(k, k + kItems * 9600, planned, &worst_at);
  RecordProperty("worst_lateness_ms", std::to_string(late));
  EXPECT_LT(late, 5.0) << "a sample of the block came " << late << " ms after its place\n"
                       << recorder.reads_around(worst_at);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kItems));
  std::cout << logins << " logins (" << refused << " refused) while the block played\n";
}

// A fault of the box: `pid` stopped (SIGSTOP) at each wall instant for `length`, from a
// thread the caller joins.
std::thread stall_at(pid_t pid, std::vector<Instant> at, std::chrono::milliseconds length) {
  return std::thread([pid, at = std::move(at), length] {
    for (const Instant t : at) {
      std::this_thread::sleep_until(std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(t.time_since_epoch())));
      if (::kill(pid, SIGSTOP) != 0) return;
      std::this_thread::sleep_for(length);  // the length of the fault, not a wait
      ::kill(pid, SIGCONT);
    }
  });
}

// A box that stalls (a busy core, a virtual machine's host taking the CPU) as an item
// ends must still sound its last sample. The live mixer takes a sample about when the
// sink renders it, so the item's end timer and the mixer's last take are due together;
// once a stall let the timer win, the pad was released and the tail cut (the soak test
// saw 64 samples go in CI). Here the daemon is stopped for 38 ms across the end of each
// of ten items: before the fix, 177-1,187 samples went from 4 to 10 of them (3 runs of 3).
TEST_F(DaemonTest, AStallOfTheBoxAsAnItemEndsCutsNoneOfItsSamples) {
  constexpr int kBlocks = 10;
  constexpr std::uint32_t kItem = 14400;  // 0.3 s
  write_level_wav(dir.path() / "ban-tin.wav", kItem, 8000);
  const auto fifo = dir.path() / "out.fifo";
  FifoRecorder recorder(fifo);
  const Instant t0 = start_in(4s);
  write_config(every_second("ban-tin", "ban-tin.wav", t0, kBlocks), "max_gain = 0.0\n", fifo);
  auto daemon = start_daemon();
  const pid_t pid = daemon->pid();
  // The fault, at instants of the plan: each item's last sample is rendered at
  // t0 + h s + 0.3 s, and its end timer is due then; the daemon is stopped from 35 ms
  // before that to 3 ms after, so the timer and the mixer's last take are due together
  // when it runs again.
  std::vector<Instant> at;
  for (int h = 0; h < kBlocks; ++h) at.push_back(t0 + std::chrono::seconds(h) + 265ms);
  std::thread staller = stall_at(pid, at, 38ms);
  const auto rows = rows_after(*daemon, kBlocks);
  staller.join();
  recorder.join();
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kBlocks));
  const auto& s = recorder.samples();
  std::size_t i = 0;
  for (int h = 0; h < kBlocks; ++h) {
    i = first_above(s, 100, i);
    ASSERT_LT(i, s.size()) << "block " << h << " not heard";
    std::size_t sounding = 0;
    while (i < s.size() && std::abs(s[i]) > 100) ++i, ++sounding;
    EXPECT_EQ(sounding, kItem) << "block " << h << ": " << kItem - sounding << " samples cut";
    EXPECT_EQ(field(rows[h], "status"), "completed") << rows[h];
  }
}

// A box stopped for a moment in the middle of an item (a VM or SD card stall, a
// swapped-out page): every thread wakes late together, the mixer catches up on the
// instants it owes and the item's branch must refill it as fast. The mixer's latency
// is what the branch has in hand: a stall within it loses no sample. Seen in CI as a
// relayed stream's click and a 64-sample tail gone; with a 40 ms latency a stall of
// 120 ms lost samples here (docs/decisions.md, "The mixer's latency").
TEST_F(DaemonTest, AStallOfTheBoxInTheMiddleOfAnItemLosesNoSample) {
  constexpr std::uint32_t kItem = 5 * 48000;
  write_level_wav(dir.path() / "ban-tin.wav", kItem, 8000);
  const auto fifo = dir.path() / "out.fifo";
  FifoRecorder recorder(fifo);
  const Instant t0 = start_in(3s);
  write_config(
      "[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\nfile = "
      "\"ban-tin.wav\"\nstart = \"" +
          local(t0) + "\"\n",
      "max_gain = 0.0\n", fifo);
  auto daemon = start_daemon();
  const pid_t pid = daemon->pid();
  const auto stall = std::chrono::milliseconds(
      std::getenv("LOAXA_STALL_MS") ? std::atoi(std::getenv("LOAXA_STALL_MS")) : 120);
  std::vector<Instant> at;
  for (int k = 1; k <= 4; ++k) at.push_back(t0 + std::chrono::seconds(k) - 37ms * k);
  std::thread staller = stall_at(pid, at, stall);
  const auto rows = rows_after(*daemon, 1);
  staller.join();
  recorder.join();
  ASSERT_EQ(rows.size(), 1u);
  const auto& s = recorder.samples();
  std::size_t i = first_above(s, 100, 0);
  ASSERT_LT(i, s.size()) << "the item was not heard";
  std::size_t sounding = 0;
  while (i < s.size() && std::abs(s[i]) > 100) ++i, ++sounding;
  EXPECT_EQ(sounding, kItem) << "the item broke after " << sounding << " samples";
  EXPECT_EQ(field(rows[0], "status"), "completed") << rows[0];
}

// Issue 20: an idle loudspeaker rests (its mixer off, its sink paused: no CPU spent on
// silence) and wakes for the next item, which still starts on its planned sample: a
// scheduled block, and an emergency asked for while it rests.
TEST_F(DaemonTest, ARestingLoudspeakerWakesForABlockAndAnEmergencyEachOnItsSample) {
  write_level_wav(dir.path() / "a.wav", 48000, 8000);
  write_level_wav(dir.path() / "b.wav", 24000, -8000);
  write_level_wav(dir.path() / "c.wav", 24000, 16000);
  const std::string token = "van-hanh-bi-mat-5678";
  api_extra = "tokens = [{ name = \"van-hanh\", role = \"operator\", sha256 = \"" +
              sha256_hex(token) + "\" }]\n";
  api_token = token;
  const auto fifo = dir.path() / "out.fifo";
  FifoRecorder recorder(fifo);
  const Instant planned1 = start_in(3s);
  const Instant planned2 = planned1 + 7s;  // asked for 2 s ahead: 4 s after the first ends
  write_config(
      "[[playlist]]\nid = \"khan\"\nitems = [\"c.wav\"]\n\n"
      "[[schedule]]\nid = \"sang\"\nchannel = \"loudspeaker\"\nfile = \"a.wav\"\n"
      "start = \"" +
          local(planned1) +
          "\"\n\n[[schedule]]\nid = \"trua\"\nchannel = \"loudspeaker\"\n"
          "file = \"b.wav\"\nstart = \"" +
          local(planned2) + "\"\n",
      "max_gain = 0.0\nrest_after = \"1s\"\n", fifo);
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("resting until the next item", 5s)) << daemon->output();
  const auto status = cli::http_get(url(), "/api/v1/status", api_token);
  ASSERT_EQ(status.status, 200);
  const auto status_json = boost::json::parse(status.body);
  const auto& channel = status_json.at("channels").as_array().at(0);
  EXPECT_EQ(channel.at("resting"), true) << status.body;
  EXPECT_EQ(channel.at("up"), true) << status.body;
  ASSERT_TRUE(daemon->wait_for_line("awake for the next item", 10s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  ASSERT_TRUE(daemon->wait_for_line("resting until the next item", 5s)) << daemon->output();
  const auto r = cli::http_post(url(), "/api/v1/emergency", api_token,
                                R"({"content": "c", "channels": ["loudspeaker"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const Instant planned3 = scheduler::parse_iso_instant(
      std::string(boost::json::parse(r.body).at("start").as_string()), zone);
  const auto rows = rows_after(*daemon, 1);
  recorder.join();

  const auto& s = recorder.samples();
  const auto& reads = recorder.reads();
  const std::size_t k1 = first_above(s, 100);
  ASSERT_LT(k1, s.size()) << "nothing sounded";
  EXPECT_EQ(run_of(s, k1, 8000), 48000u);
  const std::size_t k2 = first_above(s, 100, k1 + 48000);
  ASSERT_LT(k2, s.size()) << "the second block did not sound";
  EXPECT_EQ(run_of(s, k2, -8000), 24000u);
  const std::size_t k3 = first_above(s, 100, k2 + 24000);
  ASSERT_LT(k3, s.size()) << "the emergency did not sound";
  EXPECT_EQ(run_of(s, k3, 16000), 24000u);
  // Each first sample at its planned instant, measured at the sink. What a wake gone
  // wrong does is tens of milliseconds or more (a start placed when the mixer came back
  // instead of when it was planned, a mixer catching up on the rest, a latency changed
  // under it); a sink thread woken late by this 2-core machine shows as 2-4 ms in about
  // one onset in 25 here, with or without a rest (bench/start_error.py measures the p99),
  // and more under ASan's slowdown.
#ifdef __SANITIZE_ADDRESS__
  constexpr double kTolerance = 20.0;
#else
  constexpr double kTolerance = 5.0;
#endif
  const std::pair<std::size_t, Instant> starts[] = {{k1, planned1}, {k2, planned2}, {k3, planned3}};
  for (const auto& [k, planned] : starts) {
    const auto onset = recorder.rendered_at(k);
    ASSERT_TRUE(onset);
    const double error = std::chrono::duration<double, std::milli>(*onset - planned).count();
    RecordProperty("onset_error_ms_" + std::to_string(k), std::to_string(error));
    EXPECT_LT(std::abs(error), kTolerance) << "first sample " << error << " ms from the plan\n"
                                           << recorder.reads_around(k);
  }
  // Rested between the blocks: 6 s apart on the wall, but the sink was given about 1 s
  // of silence before the rest and 2 s after the wake (a mixer never at rest: 6 s), and
  // read nothing for the 2 s or so in between.
  const double between_s = static_cast<double>(k2 - (k1 + 48000)) / 48000.0;
  EXPECT_GT(between_s, 2.0);
  EXPECT_LT(between_s, 4.5) << "the sink was given silence all the time between the blocks";
  double longest_quiet_s = 0.0;
  for (std::size_t r = 1; r < reads.size(); ++r) {
    if (reads[r].first_sample <= k1 + 48000 || reads[r].first_sample > k2) continue;
    longest_quiet_s = std::max(
        longest_quiet_s, std::chrono::duration<double>(reads[r].at - reads[r - 1].at).count());
  }
  EXPECT_GT(longest_quiet_s, 1.5);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) EXPECT_EQ(field(row, "status"), "completed") << row;
}

}  // namespace
}  // namespace loaxa::test
