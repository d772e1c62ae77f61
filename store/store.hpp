#pragma once
// The box's database: state_dir/loaxa.db, migrated on open.

#include <filesystem>
#include <optional>
#include <string>

#include "store/access.hpp"
#include "store/airtime_log.hpp"
#include "store/catalog.hpp"
#include "store/sqlite/database.hpp"

namespace loaxa::store {

class Store {
 public:
  // Opens and migrates. Throws on failure.
  explicit Store(const std::filesystem::path& db_path);

  sqlite::Database& db() { return db_; }
  const std::filesystem::path& path() const { return path_; }
  // A second, read-only connection: long reads (exports) never hold up the writer.
  sqlite::Database open_reader() const {
    return sqlite::Database(path_, sqlite::Database::Access::read_only);
  }
  Catalog& catalog() { return catalog_; }
  AirtimeLog& airtime() { return airtime_; }
  Access& access() { return access_; }

  // Key-value facts about the box (table meta).
  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

 private:
  std::filesystem::path path_;
  sqlite::Database db_;
  Catalog catalog_;
  AirtimeLog airtime_;
  Access access_;
};

}  // namespace loaxa::store
