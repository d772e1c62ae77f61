// A crash of the process loses at most a second of evidence: loaxad is SIGKILLed at
// moments spread over an 8 s play (the row's checkpoint is each
// second, so eight seconds cover every phase of it); each `interrupted` row the next start closes
// is compared with what the sink really rendered before the kill.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <random>
#include <thread>

#include "daemon_fixture.hpp"
#include "process.hpp"

namespace loaxa::test {
namespace {

TEST_F(DaemonTest, ASigkillMidPlayLosesAtMostASecondOfTheRow) {
  write_tone_wav(dir.path() / "tone.wav", 8.0, 440);
  constexpr int kKills = 10;
  std::mt19937 random(20221);  // the same moments every run
  std::uniform_int_distribution<int> moment_ms(500, 7'500);
  std::vector<double> rendered;  // seconds of tone at the sink before each kill
  for (int i = 0; i <= kKills; ++i) {
    const bool last = i == kKills;  // one more start closes the last kill's row
    write_config(last ? ""
                      : "[[schedule]]\nid = \"s" + std::to_string(i) +
                            "\"\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\n"
                            "start = \"" +
                            local(start_in(2s)) + "\"\n");
    std::error_code ec;
    const auto before = std::filesystem::file_size(out(), ec);
    auto daemon = start_daemon();
    if (last) {
      const auto rows = airtime();
      daemon->signal(SIGTERM);
      EXPECT_EQ(daemon->wait_exit(5s), 0) << daemon->output();
      ASSERT_EQ(rows.size(), static_cast<std::size_t>(kKills));
      for (int k = 0; k < kKills; ++k) {
        EXPECT_EQ(field(rows[k], "status"), "interrupted") << k;
        EXPECT_NEAR(rows[k].at("duration_s").to_number<double>(), rendered[k], 1.1)
            << "kill " << k << ": the row says " << rows[k].at("duration_s")
            << " s, the sink rendered " << rendered[k] << " s";
      }
      break;
    }
    ASSERT_TRUE(daemon->wait_for_line("started tone", 15s)) << daemon->output();
    // The kill's moment is the stimulus, not a wait for an outcome.
    std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(random)));
    daemon->signal(SIGKILL);
    daemon->wait_exit(5s);
    auto samples = read_raw(out());
    samples.erase(samples.begin(),
                  samples.begin() + static_cast<std::ptrdiff_t>(ec ? 0 : before / 2));
    const auto [first, end] = sounding_span(samples);
    rendered.push_back(first < end ? static_cast<double>(end - first) / kRate : 0.0);
  }
}

}  // namespace
}  // namespace loaxa::test
