#include "store/migrations.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/store.hpp"

namespace loaxa::store {
namespace {

class TempDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("loaxa-mig-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path path() const { return dir_ / "loaxa.db"; }
  std::filesystem::path dir_;
};

bool has_column(sqlite::Database& db, const char* table, const char* column) {
  auto st =
      db.prepare(std::string("SELECT 1 FROM pragma_table_info('") + table + "') WHERE name = ?");
  st.bind(1, column);
  return st.step();
}

TEST_F(TempDb, FreshDatabaseReachesLatestVersionInWalMode) {
  {
    Store store(path());
    EXPECT_EQ(schema_version(store.db()), migrations().back().version);
    auto st = store.db().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text(0), "wal");
    for (const char* t : {"media", "playlists", "playlist_items", "schedules", "airtime"}) {
      auto q = store.db().prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
      q.bind(1, t);
      EXPECT_TRUE(q.step()) << t;
    }
    EXPECT_TRUE(has_column(store.db(), "airtime", "position_ms"));
  }
  // Opening again applies nothing twice.
  Store again(path());
  auto st = again.db().prepare("SELECT COUNT(*) FROM schema_version");
  st.step();
  EXPECT_EQ(st.int64(0), static_cast<std::int64_t>(migrations().size()));
}

TEST_F(TempDb, UpgradeFromVersionOneKeepsRows) {
  {
    sqlite::Database db(path());
    ASSERT_EQ(migrate(db, 1), 1);
    EXPECT_FALSE(has_column(db, "airtime", "position_ms"));
    db.exec(
        "INSERT INTO airtime(id, box_id, channel, source, status, start_ms) "
        "VALUES ('row-1', 'box', 'loudspeaker', 'schedule', 'completed', 1000)");
  }
  Store store(path());
  EXPECT_EQ(schema_version(store.db()), migrations().back().version);
  EXPECT_TRUE(has_column(store.db(), "airtime", "position_ms"));
  const auto row = store.airtime().find("row-1");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, airtime::RowStatus::completed);
}

TEST_F(TempDb, RefusesANewerSchema) {
  {
    Store store(path());
    store.db().exec("INSERT INTO schema_version(version) VALUES (999)");
  }
  EXPECT_THROW(Store store(path()), std::runtime_error);
}

}  // namespace
}  // namespace loaxa::store
