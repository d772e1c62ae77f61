#include "daemon/config/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace loaxa {
namespace {

const char* kValid = R"(
[box]
id = "bp-dong-xoai-tan-phu"
name = "UBND phường Tân Phú"
timezone = "Asia/Ho_Chi_Minh"
state_dir = "state"

[channels.loudspeaker]
kind = "audio"
sink = "fakesink"
volume = 0.9
quiet_hours = ["21:30-05:00"]
chime = "media/chime.ogg"
fade = "500ms"

[channels.kiosk]
kind = "video"
sink = "fakesink"
audio_sink = "fakesink"
image_duration = "10s"

[sync]
url = "https://example.invalid/loaxa/bp/manifest.json"
public_keys = ["11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]
interval = "60s"

[api]
listen = ["127.0.0.1:8080"]
tokens = [ { name = "operator", role = "operator", sha256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8" } ]

[schedule_defaults]
grace = "90s"

[[playlist]]
id = "morning"
title = "Bản tin sáng"
items = ["media/chao-buoi-sang.ogg", "cchc-tuan-27"]

[[schedule]]
id = "sang"
channel = "loudspeaker"
playlist = "morning"
start = "2022-07-01T06:00:00"
rrule = "FREQ=DAILY"
exdate = ["2022-09-02T06:00:00"]
until = "2022-12-31"
priority = 50
max_duration = "30m"

[[schedule]]
channel = "loudspeaker"
stream = "http://radio.example.invalid/vov1"
start = "2022-07-01T17:00:00"
max_duration = "15m"
)";

ConfigResult parse(const std::string& text) {
  return parse_config(text, "/etc/loaxa/t.toml");
}

std::string all(const ConfigResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.to_string() + "\n";
  return out;
}

TEST(Config, ValidFileParsesWithPathsRelativeToIt) {
  const auto r = parse(kValid);
  ASSERT_TRUE(r.config) << all(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.box.id, "bp-dong-xoai-tan-phu");
  EXPECT_EQ(c.box.name, "UBND phường Tân Phú");
  EXPECT_EQ(c.box.state_dir, "/etc/loaxa/state");
  ASSERT_EQ(c.channels.size(), 2u);
  const auto& ls = c.channels.at("loudspeaker");
  EXPECT_DOUBLE_EQ(ls.volume, 0.9);
  ASSERT_EQ(ls.quiet_hours.size(), 1u);
  EXPECT_EQ(ls.quiet_hours[0].from, std::chrono::hours(21) + std::chrono::minutes(30));
  EXPECT_EQ(*ls.chime, "/etc/loaxa/media/chime.ogg");
  EXPECT_EQ(ls.fade, std::chrono::milliseconds(500));
  EXPECT_EQ(c.grace, std::chrono::seconds(90));
  ASSERT_EQ(c.playlists.size(), 1u);
  EXPECT_EQ(c.playlists[0].items[0], "/etc/loaxa/media/chao-buoi-sang.ogg");
  EXPECT_EQ(c.playlists[0].items[1], "cchc-tuan-27");  // a media id, not a path
  ASSERT_EQ(c.schedules.size(), 2u);
  EXPECT_EQ(c.schedules[1].id, "config-2");
  EXPECT_EQ(c.schedules[0].exdates, std::vector<std::string>{"2022-09-02T06:00:00"});
  EXPECT_EQ(c.schedules[1].content_kind, ContentKind::stream);
  EXPECT_EQ(c.api->tokens.at(0).role, "operator");
}

TEST(Config, DefaultsForLeftOutSections) {
  const auto r = parse("[box]\nid = \"a\"\n");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->box.timezone, "Asia/Ho_Chi_Minh");
  EXPECT_EQ(r.config->box.state_dir, "/var/lib/loaxa");
  EXPECT_FALSE(r.config->sync);
  EXPECT_EQ(r.config->api->listen, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_EQ(r.config->grace, std::chrono::minutes(2));
}

TEST(Config, UnknownKeyNamesItsLineAndSuggests) {
  const auto r = parse("[box]\nid = \"a\"\n\n[channels.loudspeaker]\nvolum = 0.5\n");
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 5);
  EXPECT_EQ(r.problems[0].to_string().rfind("/etc/loaxa/t.toml:5: ", 0), 0u);
  EXPECT_NE(r.problems[0].message.find("'volum'"), std::string::npos);
  EXPECT_NE(r.problems[0].message.find("did you mean 'volume'"), std::string::npos);
}

TEST(Config, WrongTypeAndRangeAreReportedTogether) {
  const auto r = parse(
      "[box]\n"                             // 1
      "id = \"a\"\n"                        // 2
      "timezone = \"Mars/Olympus\"\n"       // 3
      "[channels.ls]\n"                     // 4
      "volume = \"loud\"\n"                 // 5
      "kind = \"radio\"\n"                  // 6
      "[channels.k2]\n"                     // 7
      "volume = 11\n"                       // 8
      "quiet_hours = [\"late\"]\n"          // 9
      "[[schedule]]\n"                      // 10
      "channel = \"nowhere\"\n"             // 11
      "media = \"x\"\n"                     // 12
      "start = \"2022-02-30T06:00:00\"\n"   // 13
      "priority = 101\n"                    // 14
      "rrule = \"FREQ=DAILY;BYDAY=2TH\"\n"  // 15
      "max_duration = \"forever\"\n");      // 16
  ASSERT_FALSE(r.config);
  std::vector<int> lines;
  for (const auto& p : r.problems) lines.push_back(p.line);
  EXPECT_EQ(lines, (std::vector<int>{3, 5, 6, 8, 9, 11, 13, 14, 15, 16})) << all(r);
  EXPECT_NE(all(r).find("channels.ls.volume must be a number, not a string"), std::string::npos);
  EXPECT_NE(all(r).find("channels.k2.volume = 11"), std::string::npos);
  EXPECT_NE(all(r).find("BYDAY"), std::string::npos);
}

TEST(Config, SyntaxErrorIsReportedAlone) {
  const auto r = parse("[box]\nid = \"a\"\nname = \"unterminated\n[channels.x]\nvolum = 1\n");
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 3);
  EXPECT_NE(r.problems[0].message.find("TOML syntax error"), std::string::npos);
}

TEST(Config, ReferencesBetweenSectionsAreChecked) {
  const auto r = parse(
      "[box]\nid = \"a\"\n[channels.ls]\n"
      "[[schedule]]\nchannel = \"ls\"\nplaylist = \"missing\"\nstart = \"2022-07-01T06:00:00\"\n"
      "[[schedule]]\nchannel = \"ls\"\nstart = \"2022-07-01T06:00:00\"\n"
      "[[schedule]]\nchannel = \"ls\"\nstream = \"http://x.invalid/s\"\n"
      "start = \"2022-07-01T06:00:00\"\n");
  ASSERT_FALSE(r.config);
  const std::string text = all(r);
  EXPECT_NE(text.find(":6: schedule[0].playlist \"missing\" is not defined"), std::string::npos)
      << text;
  EXPECT_NE(text.find(":8: schedule[1] needs exactly one of"), std::string::npos) << text;
  EXPECT_NE(text.find(":11: schedule[2]: a stream needs max_duration"), std::string::npos) << text;
}

TEST(Config, APlaylistItemMayGiveItsSlideADuration) {
  const auto r = parse(
      "[box]\nid = \"a\"\n[channels.kiosk]\nkind = \"video\"\n"
      "[[playlist]]\nid = \"so-1\"\n"
      "items = [\"bia.png\", { media = \"trang-2.png\", duration = \"20s\" }, \"clip-id\"]\n");
  ASSERT_TRUE(r.config) << all(r);
  const auto& p = r.config->playlists.at(0);
  ASSERT_EQ(p.items.size(), 3u);
  EXPECT_EQ(p.items[1], "/etc/loaxa/trang-2.png");
  EXPECT_EQ(p.durations,
            (std::map<std::size_t, std::chrono::milliseconds>{{1, std::chrono::seconds(20)}}));

  const auto bad = parse(
      "[box]\nid = \"a\"\n[[playlist]]\nid = \"p\"\nitems = [\n"
      "  { media = \"a.png\", duration = \"2h\" },\n"
      "  { duration = \"5s\" },\n"
      "  { media = \"b.png\", secs = 5 },\n"
      "  7,\n]\n");
  ASSERT_FALSE(bad.config);
  const std::string text = all(bad);
  EXPECT_NE(text.find(":6: playlist[0].items[0].duration must be between \"1s\" and \"1h\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(":7: playlist[0].items[1].media is required"), std::string::npos) << text;
  EXPECT_NE(text.find(":8: unknown key 'secs' in [playlist[0].items[2]]"), std::string::npos)
      << text;
  EXPECT_NE(text.find(":9: playlist[0].items[3] must be a media id or path, or a table"),
            std::string::npos)
      << text;
}

TEST(Config, ALoudspeakerRestsAfterAMinuteUnlessToldOtherwise) {
  const auto r = parse(
      "[box]\nid = \"a\"\n[channels.loa]\n[channels.loa2]\nrest_after = \"0s\"\n"
      "[channels.loa3]\nrest_after = \"5m\"\n");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->channels.at("loa").rest_after, std::chrono::seconds(60));
  EXPECT_EQ(r.config->channels.at("loa2").rest_after, std::chrono::seconds(0));
  EXPECT_EQ(r.config->channels.at("loa3").rest_after, std::chrono::minutes(5));
  const auto bad = parse("[box]\nid = \"a\"\n[channels.loa]\nrest_after = \"500ms\"\n");
  ASSERT_FALSE(bad.config);
  EXPECT_NE(all(bad).find(":4: channels.loa.rest_after must be \"0s\" (never rest) or between"),
            std::string::npos)
      << all(bad);
}

TEST(Config, BoxIdIsRequired) {
  const auto r = parse("[box]\nname = \"x\"\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("box.id is required"), std::string::npos);
}

TEST(Config, TokensAreValidated) {
  const auto r = parse(
      "[box]\nid = \"a\"\n[api]\n"
      "tokens = [ { name = \"x\", role = \"root\", sha256 = \"abc\" } ]\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("role must be admin, operator or viewer"), std::string::npos);
  EXPECT_NE(all(r).find("sha256 must be 64 lowercase hex digits"), std::string::npos);
}

TEST(Config, MissingFileIsAProblemNotACrash) {
  const auto r = load_config("/nonexistent/loaxa.toml");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.problems.at(0).message.find("cannot read"), std::string::npos);
}

TEST(Config, ShippedConfigsAreValid) {
  for (const char* name : {"loaxa.toml", "demo.toml"}) {
    const auto r = load_config(std::string(LOAXA_SOURCE_DIR) + "/configs/" + name);
    EXPECT_TRUE(r.config) << name << "\n" << all(r);
  }
}

// A certificate without its key was reported only when nothing else was wrong; now with
// the rest, and a key that is not the certificate's is found by --check, not at start.
TEST(Config, TlsProblemsAreReportedWithTheRest) {
  auto r = parse(
      "[box]\nid = \"a\"\n\n[channels.loudspeaker]\nvolum = 0.5\n\n[api]\n"
      "tls_key = \"/etc/hostname\"\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("t.toml:5: unknown key 'volum'"), std::string::npos) << all(r);
  EXPECT_NE(all(r).find("t.toml:8: api.tls_cert and api.tls_key go together"), std::string::npos)
      << all(r);

  const auto dir =
      std::filesystem::temp_directory_path() / ("loaxa-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"a", "b"}) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-days 1 -subj /CN=loaxa -keyout " +
        (dir / name).string() + ".key -out " + (dir / name).string() + ".crt 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);  // NOLINT(cert-env33-c): the test's own tool
  }
  const auto with = [&](const char* cert, const char* key) {
    return parse_config(std::string("[box]\nid = \"a\"\n\n[api]\ntls_cert = \"") + cert +
                            std::string(".crt\"\ntls_key = \"") + key + ".key\"\n",
                        dir / "t.toml");
  };
  EXPECT_TRUE(with("a", "a").config) << all(with("a", "a"));
  r = with("a", "b");
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u) << all(r);
  EXPECT_EQ(r.problems[0].line, 6);
  EXPECT_NE(r.problems[0].message.find("api.tls_key"), std::string::npos) << all(r);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace loaxa
