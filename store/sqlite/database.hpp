#pragma once
// Move-only owner of a sqlite3 connection. Throws SqliteError on error.

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "store/sqlite/statement.hpp"

namespace loaxa::store::sqlite {

class Database {
 public:
  enum class Access { read_write, read_only };
  // read_write creates the file and sets WAL, synchronous=FULL and foreign keys;
  // read_only opens an existing file for a reader beside the writer (exports, reports).
  explicit Database(const std::filesystem::path& path, Access access = Access::read_write);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  std::int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed. Nested inside another
// transaction it is a SAVEPOINT, so store operations compose into bigger batches.
class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool open_ = true;
  bool nested_ = false;  // inside another transaction: a SAVEPOINT
};

}  // namespace loaxa::store::sqlite
