#include "sync/manifest.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>

#include "sync/keys.hpp"

namespace loaxa::sync {
namespace {

namespace json = boost::json;

const char* kSha = "3f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7a1";

json::object example() {
  return json::parse(std::string(R"({
    "format": "loaxa-manifest/1", "publisher": "so-noi-vu-binh-phuoc",
    "sequence": 1656633600, "generated_at": "2022-07-01T00:00:00+07:00",
    "targets": { "boxes": ["bp-*"] },
    "holidays": ["2022-09-02", "2023-01-20"],
    "media": [ { "id": "cchc-2022-07-01", "title": "Bản tin CCHC tháng 7", "topic": "indices",
                 "audience": ["citizens"], "kind": "audio", "sha256": ")") +
                     kSha + R"(",
                 "size": 482113, "duration_ms": 181000, "url": "media/)" +
                     kSha + R"(.ogg" },
               { "id": "bao-so-4-2022", "title": "Cảnh báo bão số 4", "kind": "audio",
                 "sha256": ")" +
                     std::string(64, 'b') + R"(", "size": 1000,
                 "url": "media/)" +
                     std::string(64, 'b') + R"(.ogg" } ],
    "playlists": [ { "id": "sang", "title": "Bản tin sáng", "items": ["cchc-2022-07-01"] } ],
    "schedules": [ { "id": "sang-hang-ngay", "channel": "loudspeaker", "playlist": "sang",
                     "level": "priority", "start": "2022-07-01T06:00:00", "rrule": "FREQ=DAILY",
                     "until": "2022-12-31", "max_duration": "30m", "skip_holidays": true } ],
    "emergencies": [ { "id": "bao-so-4", "channels": ["*"], "media": "bao-so-4-2022",
                       "text": "Cơn bão số 4 đang tiến vào đất liền", "repeat": 3,
                       "valid_from": "2022-09-27T10:00:00+07:00",
                       "valid_until": "2022-09-28T10:00:00+07:00" } ] })")
      .as_object();
}

std::string error_of(const json::value& v) {
  try {
    parse_manifest(json::serialize(v));
  } catch (const ManifestError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Manifest, TheSpecExampleParses) {
  const Manifest m = parse_manifest(json::serialize(example()));
  EXPECT_EQ(m.publisher, "so-noi-vu-binh-phuoc");
  EXPECT_EQ(m.sequence, 1656633600);
  ASSERT_EQ(m.media.size(), 2u);
  EXPECT_EQ(m.media[0].store_name(), std::string(kSha) + ".ogg");
  EXPECT_EQ(m.media[0].title, "Bản tin CCHC tháng 7");
  ASSERT_EQ(m.schedules.size(), 1u);
  EXPECT_EQ(m.schedules[0].effective_priority(), 70);
  EXPECT_TRUE(m.schedules[0].skip_holidays);
  EXPECT_EQ(m.schedules[0].max_duration_ms, 30 * 60 * 1000);
  EXPECT_EQ(m.media_of_schedule(m.schedules[0]), std::vector<std::string>{"cchc-2022-07-01"});
  ASSERT_EQ(m.emergencies.size(), 1u);
  EXPECT_EQ(m.emergencies[0].valid_from_ms, 1664247600000);
  EXPECT_TRUE(m.targets_box("bp-dong-xoai-tan-phu"));
  EXPECT_FALSE(m.targets_box("dn-bien-hoa"));
}

// Two districts: the morning bulletin for Đồng Xoài's boxes, a storm warning for Bù Đăng
// only, a third medium in no entry (the province's library).
json::object two_districts() {
  auto j = example();
  j.erase("targets");
  auto& media = j["media"].as_array();
  media.push_back(json::object{{"id", "thu-vien-cchc"},
                               {"kind", "audio"},
                               {"sha256", std::string(64, 'c')},
                               {"size", 10},
                               {"url", "media/" + std::string(64, 'c') + ".ogg"}});
  j["playlists"].as_array()[0].as_object()["targets"] =
      json::object{{"districts", json::array{"dong-xoai"}}};
  j["schedules"].as_array()[0].as_object()["targets"] =
      json::object{{"districts", json::array{"dong-xoai"}}};
  j["emergencies"].as_array()[0].as_object()["targets"] =
      json::object{{"boxes", json::array{"bp-bu-dang-*"}}, {"districts", json::array{"bu-dang"}}};
  return j;
}

std::vector<std::string> media_ids(const Manifest& m) {
  std::vector<std::string> out;
  for (const auto& x : m.media) out.push_back(x.id);
  return out;
}

TEST(Manifest, EntriesNotForABoxAreLeftOutWithTheMediaOnlyTheyUse) {
  const Manifest m = parse_manifest(json::serialize(two_districts()));
  ASSERT_EQ(m.schedules.size(), 1u);
  EXPECT_EQ(m.schedules[0].targets.districts, std::vector<std::string>{"dong-xoai"});

  const Manifest dx = for_box(m, "bp-dong-xoai-tan-phu", "dong-xoai");
  EXPECT_EQ(dx.schedules.size(), 1u);
  EXPECT_EQ(dx.playlists.size(), 1u);
  EXPECT_TRUE(dx.emergencies.empty());
  EXPECT_EQ(media_ids(dx), (std::vector<std::string>{"cchc-2022-07-01", "thu-vien-cchc"}));

  // Matched by its id's glob, with no district configured.
  const Manifest bd = for_box(m, "bp-bu-dang-duc-lieu", "");
  EXPECT_TRUE(bd.schedules.empty());
  EXPECT_TRUE(bd.playlists.empty());
  ASSERT_EQ(bd.emergencies.size(), 1u);
  EXPECT_EQ(media_ids(bd), (std::vector<std::string>{"bao-so-4-2022", "thu-vien-cchc"}));

  // A box of a third district gets neither, and no media either entry needs.
  const Manifest other = for_box(m, "bp-loc-ninh-loc-hoa", "loc-ninh");
  EXPECT_TRUE(other.schedules.empty() && other.emergencies.empty());
  EXPECT_EQ(media_ids(other), std::vector<std::string>{"thu-vien-cchc"});
}

TEST(Manifest, AScheduleForABoxWhosePlaylistIsNotForItIsLeftOut) {
  auto j = two_districts();
  j["schedules"].as_array()[0].as_object().erase("targets");  // every box
  const Manifest m = parse_manifest(json::serialize(j));
  EXPECT_EQ(for_box(m, "bp-dong-xoai-tan-phu", "dong-xoai").schedules.size(), 1u);
  EXPECT_TRUE(for_box(m, "bp-bu-dang-duc-lieu", "bu-dang").schedules.empty());
}

TEST(Manifest, AManifestWithoutEntryTargetsIsForEveryBoxAsBefore) {
  auto j = example();
  j.erase("targets");
  const Manifest m = parse_manifest(json::serialize(j));
  const Manifest any = for_box(m, "hn-ba-vi-tan-linh", "");
  EXPECT_EQ(any.schedules.size(), 1u);
  EXPECT_EQ(any.emergencies.size(), 1u);
  EXPECT_EQ(any.media.size(), 2u);
  // The manifest's own empty targets stay "every box", as loaxa-manifest/1 allowed.
  j["targets"] = json::object{{"boxes", json::array{}}};
  EXPECT_TRUE(parse_manifest(json::serialize(j)).targets_box("hn-ba-vi-tan-linh"));
}

TEST(Manifest, BadEntryTargetsAreRefusedWithTheirPath) {
  auto j = two_districts();
  j["schedules"].as_array()[0].as_object()["targets"] = json::object{};
  EXPECT_EQ(error_of(j),
            "schedules[0].targets: names no box and no district; leave \"targets\" out for "
            "every box");
  j = two_districts();
  j["emergencies"].as_array()[0].as_object()["targets"] =
      json::object{{"districts", json::array{"Bù Đăng"}}};
  EXPECT_EQ(error_of(j), "emergencies[0].targets.districts[0]: \"Bù Đăng\" is not a district id");
  j = two_districts();
  j["playlists"].as_array()[0].as_object()["targets"] = "dong-xoai";
  EXPECT_EQ(error_of(j), "playlists[0].targets: must be an object, not a string");
}

TEST(Manifest, APlaylistItemMayGiveItsSlideADuration) {
  auto j = example();
  j["playlists"].as_array()[0].as_object()["items"] = json::array{
      "cchc-2022-07-01", json::object{{"media", "bao-so-4-2022"}, {"duration", "1m30s"}}};
  const Manifest m = parse_manifest(json::serialize(j));
  ASSERT_EQ(m.playlists.size(), 1u);
  EXPECT_EQ(m.playlists[0].items, (std::vector<std::string>{"cchc-2022-07-01", "bao-so-4-2022"}));
  EXPECT_EQ(m.playlists[0].durations,
            (std::map<std::size_t, std::chrono::milliseconds>{{1, std::chrono::seconds(90)}}));
  EXPECT_EQ(m.media_of_schedule(m.schedules[0]),
            (std::vector<std::string>{"cchc-2022-07-01", "bao-so-4-2022"}));
}

TEST(Manifest, EveryBadFieldIsNamedByItsPath) {
  struct Case {
    const char* want;
    std::function<void(json::object&)> edit;
  };
  const std::vector<Case> cases = {
      {"format: is \"loaxa-manifest/2\"", [](auto& m) { m["format"] = "loaxa-manifest/2"; }},
      {"sequence: is required", [](auto& m) { m.erase("sequence"); }},
      {"sequence: must be an integer", [](auto& m) { m["sequence"] = "1"; }},
      {"media[1].sha256: must be 64 lowercase hex",
       [](auto& m) { m["media"].as_array()[1].as_object()["sha256"] = "ABC"; }},
      {"media[0].size: 1099511627776 is out of range",
       [](auto& m) { m["media"].as_array()[0].as_object()["size"] = std::int64_t{1} << 40; }},
      {"media[1].id: \"cchc-2022-07-01\" is used twice",
       [](auto& m) { m["media"].as_array()[1].as_object()["id"] = "cchc-2022-07-01"; }},
      {"media[0].url: \"../etc/passwd\" leaves",
       [](auto& m) { m["media"].as_array()[0].as_object()["url"] = "../etc/passwd"; }},
      {"media[0].url: \"media/%2e%2e/%2e%2e/x\" leaves",
       [](auto& m) { m["media"].as_array()[0].as_object()["url"] = "media/%2e%2e/%2e%2e/x"; }},
      {"media[0].url: \"/etc/passwd\" must be relative",
       [](auto& m) { m["media"].as_array()[0].as_object()["url"] = "/etc/passwd"; }},
      {"media[0].url: \"http://evil.example/x.ogg\" must be relative",
       [](auto& m) { m["media"].as_array()[0].as_object()["url"] = "http://evil.example/x.ogg"; }},
      {"media[0].url: \"//evil.example/x.ogg\" must be relative",
       [](auto& m) { m["media"].as_array()[0].as_object()["url"] = "//evil.example/x.ogg"; }},
      {"media[0].kind: \"script\" must be audio, video or image",
       [](auto& m) { m["media"].as_array()[0].as_object()["kind"] = "script"; }},
      {"playlists[0].items[0]: \"nope\" is not the id",
       [](auto& m) { m["playlists"].as_array()[0].as_object()["items"] = json::array{"nope"}; }},
      {"playlists[0].items[0].duration: \"2h\" must be between 1s and 1h",
       [](auto& m) {
         m["playlists"].as_array()[0].as_object()["items"] =
             json::array{json::object{{"media", "cchc-2022-07-01"}, {"duration", "2h"}}};
       }},
      {"playlists[0].items[0].duration: ",
       [](auto& m) {
         m["playlists"].as_array()[0].as_object()["items"] =
             json::array{json::object{{"media", "cchc-2022-07-01"}, {"duration", "soon"}}};
       }},
      {"playlists[0].items[0].media: is required",
       [](auto& m) {
         m["playlists"].as_array()[0].as_object()["items"] =
             json::array{json::object{{"duration", "5s"}}};
       }},
      {"playlists[0].items[0]: must be a media id or an object",
       [](auto& m) { m["playlists"].as_array()[0].as_object()["items"] = json::array{7}; }},
      {"schedules[0].playlist: \"chieu\" is not the id",
       [](auto& m) { m["schedules"].as_array()[0].as_object()["playlist"] = "chieu"; }},
      {"schedules[0].rrule:",
       [](auto& m) { m["schedules"].as_array()[0].as_object()["rrule"] = "FREQ=FORTNIGHTLY"; }},
      {"schedules[0].start: \"2022-07-01 06:00\"",
       [](auto& m) { m["schedules"].as_array()[0].as_object()["start"] = "2022-07-01 06:00"; }},
      {"schedules[0].level: \"emergency\" must be normal or priority",
       [](auto& m) { m["schedules"].as_array()[0].as_object()["level"] = "emergency"; }},
      {"schedules[0]: needs exactly one of playlist and media",
       [](auto& m) { m["schedules"].as_array()[0].as_object()["media"] = "bao-so-4-2022"; }},
      {"emergencies[0].valid_until: must be after valid_from",
       [](auto& m) {
         m["emergencies"].as_array()[0].as_object()["valid_until"] = "2022-09-27T09:00:00+07:00";
       }},
      {"emergencies[0].valid_from: \"2022-09-27T10:00:00\" must be an ISO-8601 date-time with its "
       "offset",
       [](auto& m) {
         m["emergencies"].as_array()[0].as_object()["valid_from"] = "2022-09-27T10:00:00";
       }},
      {"holidays[1]: \"2023-02-30\" is not a date",
       [](auto& m) {
         m["holidays"] = json::array{"2022-09-02", "2023-02-30"};
       }},
      {"targets: must be an object", [](auto& m) { m["targets"] = "bp-*"; }},
  };
  for (const auto& c : cases) {
    auto m = example();
    c.edit(m);
    const std::string got = error_of(m);
    EXPECT_EQ(got.rfind(c.want, 0), 0u) << "want: " << c.want << "\ngot:  " << got;
  }
}

TEST(Manifest, MalformedJsonNamesTheByte) {
  try {
    parse_manifest("{\n  \"format\": \"loaxa-manifest/1\",\n  \"sequence\": 12,,\n}");
    FAIL() << "accepted";
  } catch (const ManifestError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON at byte 51 (line 3, column 18)"),
              std::string::npos)
        << e.what();
  }
}

class Signing : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    for (auto* k : {&a_, &b_}) {
      crypto_sign_keypair(k->pk, k->sk);
      k->pub = base64_encode(k->pk, sizeof k->pk);
    }
  }
  struct Key {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    std::string pub;
  } a_, b_;
  std::string sign(const std::string& bytes, const Key& k) {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(bytes.data()),
                         bytes.size(), k.sk);
    return base64_encode(sig, sizeof sig) + "\n";
  }
};

TEST_F(Signing, AnyConfiguredKeyVerifiesForRotation) {
  const std::string bytes = json::serialize(example());
  EXPECT_EQ(verify_manifest_signature(bytes, sign(bytes, a_), {a_.pub, b_.pub}), 0u);
  EXPECT_EQ(verify_manifest_signature(bytes, sign(bytes, b_), {a_.pub, b_.pub}), 1u);
}

TEST_F(Signing, AlteredBytesOrAnotherKeyAreRefused) {
  std::string bytes = json::serialize(example());
  const std::string sig = sign(bytes, a_);
  EXPECT_THROW(verify_manifest_signature(bytes, sig, {b_.pub}), ManifestError);
  bytes[bytes.find("1656633600") + 9] = '1';  // one digit of the sequence
  try {
    verify_manifest_signature(bytes, sig, {a_.pub});
    FAIL() << "altered manifest accepted";
  } catch (const ManifestError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match any of the 1 configured"),
              std::string::npos);
  }
  EXPECT_THROW(verify_manifest_signature(bytes, "bm90IGEgc2lnbmF0dXJl", {a_.pub}), ManifestError);
  EXPECT_THROW(verify_manifest_signature(bytes, sig, {}), ManifestError);
}

}  // namespace
}  // namespace loaxa::sync
