#include "store/airtime_log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include "airtime/export.hpp"
#include "common/sha256.hpp"
#include "store/airtime_chain.hpp"
#include "store/store.hpp"
#include "store_fixture.hpp"

namespace loaxa::store {
namespace {

class AirtimeLogTest : public StoreTest {
 protected:
  AirtimeRow row(const std::string& media) {
    AirtimeRow r;
    r.box_id = "bp-tan-phu";
    r.channel = "loudspeaker";
    r.media_id = media;
    r.title = "Thông báo cải cách hành chính";
    r.source = airtime::RowSource::schedule;
    r.schedule_id = "sang";
    r.planned_start = "2022-07-01T06:00:00.000+07:00";
    r.actual_start = "2022-07-01T06:00:00.001+07:00";
    return r;
  }
};

TEST_F(AirtimeLogTest, OpenThenCloseChainsHashes) {
  auto& log = store_->airtime();
  const std::string a = log.open(row("a"), 1000);
  const std::string b = log.open(row("b"), 2000);
  EXPECT_EQ(log.find(a)->status, airtime::RowStatus::playing);
  EXPECT_EQ(log.find(a)->hash, "");  // an open row has no hash yet
  ASSERT_TRUE(
      log.close(b, "2022-07-01T06:00:02.000+07:00", 2.0, airtime::RowStatus::completed, ""));
  ASSERT_TRUE(log.close(a, "2022-07-01T06:00:03.000+07:00", 3.0, airtime::RowStatus::stopped, ""));
  EXPECT_FALSE(
      log.close(a, "x", 1.0, airtime::RowStatus::completed, ""));  // closed rows never change
  const auto rb = *log.find(b), ra = *log.find(a);
  EXPECT_EQ(rb.prev_hash, "");  // first in closing order
  EXPECT_EQ(ra.prev_hash, rb.hash);
  EXPECT_EQ(airtime_row_hash(ra), ra.hash);
  EXPECT_EQ(rb.hash.size(), 64u);
  EXPECT_EQ(ra.title, "Thông báo cải cách hành chính");
}

TEST_F(AirtimeLogTest, HashCoversEveryField) {
  auto& log = store_->airtime();
  const std::string id = log.open(row("a"), 1000);
  log.close(id, "2022-07-01T06:00:02.000+07:00", 2.0, airtime::RowStatus::completed, "");
  AirtimeRow r = *log.find(id);
  const std::string original = r.hash;
  r.duration_s = 2.001;
  EXPECT_NE(airtime_row_hash(r), original);
  r = *log.find(id);
  r.title += " ";
  EXPECT_NE(airtime_row_hash(r), original);
}

// Known answers, computed outside this code (Python's hashlib over the format
// docs/api.md describes), so the hash is checked against the documented format and not
// only against itself.
TEST(AirtimeHash, KnownAnswers) {
  AirtimeRow a;
  a.id = "018f0000-0000-7000-8000-000000000001";
  a.box_id = "bp-dong-xoai-tan-phu";
  a.channel = "loudspeaker";
  a.media_id = "tin-sang";
  a.title = "Thông báo cải cách hành chính";
  a.topic = "thu-tuc-hanh-chinh";
  a.playlist_id = "ban-tin-sang";
  a.schedule_id = "sang-thu-hai";
  a.source = airtime::RowSource::schedule;
  a.planned_start = "2022-07-04T06:00:00.000+07:00";
  a.actual_start = "2022-07-04T06:00:00.001+07:00";
  a.actual_end = "2022-07-04T06:02:00.001+07:00";
  a.duration_s = 120.0;
  a.status = airtime::RowStatus::completed;
  EXPECT_EQ(airtime_row_hash(a),
            "a95b53df40ceedf8c5dacf49c30d6ab029b556cb59de75ce38c8dd8afa35359d");

  AirtimeRow b = a;
  b.id = "018f0000-0000-7000-8000-000000000002";
  b.duration_s = 95.5;
  b.status = airtime::RowStatus::stopped;
  b.error = "dừng tay / stopped by hand";
  b.prev_hash = "a95b53df40ceedf8c5dacf49c30d6ab029b556cb59de75ce38c8dd8afa35359d";
  b.clock_synced = true;
  b.planned_s = 120.0;
  b.rms_db = -18.3;
  b.peak_db = -1.2;
  b.silence_s = 3.021;
  b.frames_rendered = 2389;
  b.frames_dropped = 7;
  EXPECT_EQ(airtime_row_hash(b),
            "df4966bdd8aa0c6f269b1cd8525ff6778e038da3af4073f5d8686f58e5406f9f");
}

TEST_F(AirtimeLogTest, OpenRowsAreClosedAsInterruptedWithCheckpoint) {
  auto& log = store_->airtime();
  const std::string id = log.open(row("a"), 1000);
  log.checkpoint(id, 4500);
  const int n = log.close_interrupted(
      [](const std::string& start, std::int64_t pos) { return start + "+" + std::to_string(pos); });
  EXPECT_EQ(n, 1);
  const auto r = *log.find(id);
  EXPECT_EQ(r.status, airtime::RowStatus::interrupted);
  EXPECT_DOUBLE_EQ(*r.duration_s, 4.5);
  EXPECT_EQ(r.actual_end, "2022-07-01T06:00:00.001+07:00+4500");
  EXPECT_EQ(airtime_row_hash(r), r.hash);
}

TEST_F(AirtimeLogTest, FailedRowsAreClosedFromTheStart) {
  auto& log = store_->airtime();
  AirtimeRow r = row("missing");
  r.actual_start.clear();
  r.status = airtime::RowStatus::failed;
  r.error = "no such file";
  const std::string id = log.insert_closed(r, 1000);
  const auto got = *log.find(id);
  EXPECT_EQ(got.status, airtime::RowStatus::failed);
  EXPECT_EQ(got.error, "no such file");
  EXPECT_EQ(airtime_row_hash(got), got.hash);
}

TEST_F(AirtimeLogTest, FilterByTimeAndChannel) {
  auto& log = store_->airtime();
  log.open(row("a"), 1000);
  AirtimeRow k = row("b");
  k.channel = "kiosk";
  log.open(k, 2000);
  log.open(row("c"), 3000);
  AirtimeRow t = row("d");
  t.topic = "indices";
  t.status = airtime::RowStatus::missed;  // closed from the start
  log.insert_closed(t, 3500);
  std::vector<std::string> got;
  AirtimeFilter f;
  f.from_ms = 2000;
  f.to_ms = 4000;
  f.channel = "loudspeaker";
  log.for_each(f, [&](const AirtimeRow& r) { got.push_back(r.media_id); });
  EXPECT_EQ(got, (std::vector<std::string>{"c", "d"}));
  got.clear();
  f.topic = "indices";
  log.for_each(f, [&](const AirtimeRow& r) { got.push_back(r.media_id); });
  EXPECT_EQ(got, std::vector<std::string>{"d"});
  got.clear();
  f.topic.reset();
  f.status = airtime::RowStatus::playing;
  log.for_each(f, [&](const AirtimeRow& r) { got.push_back(r.media_id); });
  EXPECT_EQ(got, std::vector<std::string>{"c"});
}

TEST_F(AirtimeLogTest, CsvFollowsRfc4180) {
  AirtimeRow r = row("a");
  r.title = "Bản tin \"sáng\", số 1";
  const std::string line = to_csv(r);
  EXPECT_NE(line.find(",\"Bản tin \"\"sáng\"\", số 1\","), std::string::npos) << line;
  EXPECT_EQ(line.substr(line.size() - 2), "\r\n");
  EXPECT_EQ(airtime_csv_header().rfind("id,box_id,channel,media_id,title,topic,playlist_id,", 0),
            0u);
}

// The fast writer and the field list the hash uses must never disagree.
TEST_F(AirtimeLogTest, CsvLineIsTheHashedFieldsInOrder) {
  AirtimeRow r = row("a");
  r.title = "Bản tin \"sáng\", số 1\r\nhai dòng";
  r.error = "lỗi, \"x\"";
  r.duration_s = 12.3456;
  r.planned_s = 0.0005;
  r.clock_synced = false;
  for (int pass = 0; pass < 2; ++pass) {
    std::string expected;
    const auto fields = airtime_fields(r);
    for (std::size_t i = 0; i < fields.size(); ++i)
      expected += (i ? "," : "") + csv_field(fields[i]);
    EXPECT_EQ(to_csv(r), expected + "\r\n");
    r.duration_s.reset();
    r.planned_s.reset();
    r.clock_synced.reset();
  }
}

TEST_F(AirtimeLogTest, EditingAnyFieldBreaksTheChainAtThatRow) {
  auto& log = store_->airtime();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    AirtimeRow r = row("m" + std::to_string(i));
    r.clock_synced = i % 2 == 0;
    r.planned_s = 2.0;
    ids.push_back(log.open(r, 1000 + i));
    log.close(ids.back(), "2022-07-01T06:00:02.000+07:00", 2.0, airtime::RowStatus::completed, "",
              PlayLevels{-18.0, -1.0, 0.5, 50, 1});
  }
  std::int64_t checked = 0;
  EXPECT_FALSE(log.verify(checked));
  EXPECT_EQ(checked, 5);
  for (const char* column :
       {"box_id",        "channel",         "media_id",      "title",      "schedule_id", "source",
        "planned_start", "actual_start",    "actual_end",    "duration_s", "status",      "error",
        "topic",         "playlist_id",     "clock_synced",  "planned_s",  "rms_db",      "peak_db",
        "silence_s",     "frames_rendered", "frames_dropped"}) {
    sqlite::Database& db = store_->db();
    db.exec(std::string("CREATE TEMP TABLE saved AS SELECT * FROM airtime WHERE id='") + ids[2] +
            "'");
    db.exec(std::string("UPDATE airtime SET ") + column + " = " +
            (std::set<std::string>{"duration_s", "planned_s", "rms_db", "peak_db", "silence_s",
                                   "frames_rendered", "frames_dropped"}
                     .count(column)
                 ? "2.5"
             : std::string(column) == "clock_synced" ? "0"
                                                     : "'x'") +
            " WHERE id='" + ids[2] + "'");
    const auto broken = log.verify(checked);
    ASSERT_TRUE(broken) << column;
    EXPECT_EQ(broken->position, 3) << column;
    EXPECT_EQ(broken->id, ids[2]) << column;
    db.exec(std::string("UPDATE airtime SET ") + column + " = (SELECT " + column +
            " FROM saved) WHERE id='" + ids[2] + "'");
    db.exec("DROP TABLE saved");
    EXPECT_FALSE(log.verify(checked)) << column;
  }
  // Removing a row breaks the next one's link.
  store_->db().exec("DELETE FROM airtime WHERE id='" + ids[1] + "'");
  const auto broken = log.verify(checked);
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->id, ids[2]);
}

TEST_F(AirtimeLogTest, RowsClosedBeforeV4StillVerify) {
  // A row without the v4 columns hashes as it did before them.
  AirtimeRow r = row("old");
  r.duration_s = 1.0;
  const std::string before = airtime_row_hash(r);
  r.clock_synced = true;
  EXPECT_NE(airtime_row_hash(r), before);
  r.clock_synced.reset();
  EXPECT_EQ(airtime_row_hash(r), before);
}

TEST_F(AirtimeLogTest, RetentionArchivesTheHeadAndTheChainGoesOn) {
  auto& log = store_->airtime();
  for (int i = 0; i < 6; ++i) {
    const auto id = log.open(row("m" + std::to_string(i)), 1000 * (i + 1));
    log.close(id, "2022-07-01T06:00:02.000+07:00", 2.0, airtime::RowStatus::completed, "");
  }
  const auto open_id = log.open(row("still-playing"), 500);  // open rows never move
  auto& db = store_->db();
  const auto first = archive_airtime(db, dir_ / "archive", 3500);
  EXPECT_EQ(first.rows, 3);
  std::int64_t checked = 0;
  EXPECT_FALSE(log.verify(checked));
  EXPECT_EQ(checked, 3);
  // Everything closed goes; a row closed afterwards chains onto the archive.
  const auto second = archive_airtime(db, dir_ / "archive", 1'000'000);
  EXPECT_EQ(second.rows, 3);
  ASSERT_TRUE(
      log.close(open_id, "2022-07-01T06:00:02.000+07:00", 2.0, airtime::RowStatus::completed, ""));
  EXPECT_FALSE(log.verify(checked));
  EXPECT_EQ(checked, 1);
  EXPECT_TRUE(log.find(open_id));
  // The archive files and the database are one chain.
  ChainWalker walker;
  for (const auto& file : {first.file, second.file}) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) EXPECT_FALSE(walker.feed(airtime_from_json(line)));
  }
  EXPECT_EQ(walker.position(), 6);
  EXPECT_EQ(walker.feed(*log.find(open_id)), std::nullopt);
  // An edited archive line breaks at that row.
  std::ifstream in(first.file);
  std::string line;
  std::getline(in, line);
  auto edited = airtime_from_json(line);
  edited.title = "Thông báo khác";
  EXPECT_TRUE(ChainWalker().feed(edited));
}

// A row read from outside (an archive line, a box's push) names its status and source
// from the fixed sets; anything else is refused with the field and the names that do.
TEST_F(AirtimeLogTest, AnUnknownStatusOrSourceIsRefusedWithItsField) {
  auto& log = store_->airtime();
  AirtimeRow r = row("m");
  r.status = airtime::RowStatus::preempted;
  r.source = airtime::RowSource::emergency;
  const auto id = log.insert_closed(r, 1000);
  const std::string line = boost::json::serialize(airtime::to_json(*log.find(id)));
  const auto back = airtime_from_json(line);
  EXPECT_EQ(back.status, airtime::RowStatus::preempted);
  EXPECT_EQ(back.source, airtime::RowSource::emergency);
  EXPECT_EQ(back.hash, log.find(id)->hash);
  for (const auto& [from, to, field] : {std::tuple{"\"preempted\"", "\"cut\"", "status"},
                                        std::tuple{"\"emergency\"", "\"urgent\"", "source"}}) {
    std::string bad = line;
    bad.replace(bad.find(from), std::string(from).size(), to);
    try {
      airtime_from_json(bad);
      ADD_FAILURE() << field << " " << to << " was taken";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + field + "\""), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(" or "), std::string::npos) << e.what();
    }
  }
}

TEST(Uuid, Version7AndUnique) {
  const std::string a = uuid_v7(), b = uuid_v7();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '7');
}

// FIPS 180-2's examples, whole, piece by piece and from a file: the media store and
// the downloads hash this way.
TEST(Sha256, KnownAnswersWholePieceByPieceAndFromAFile) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  const std::string expected = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
  EXPECT_EQ(sha256_hex(two_blocks), expected);
  Sha256 h;
  for (char c : two_blocks) h.update(std::string_view(&c, 1));
  EXPECT_EQ(h.hex(), expected);
  const auto file = std::filesystem::temp_directory_path() / "loaxa-sha256-test.txt";
  std::ofstream(file, std::ios::binary) << two_blocks;
  EXPECT_EQ(sha256_file_hex(file), expected);
  Sha256 g;
  g.update(two_blocks.substr(0, 10));
  g.update_file(file);
  EXPECT_EQ(g.hex(), sha256_hex(two_blocks.substr(0, 10) + two_blocks));
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace loaxa::store
