#pragma once
// Numbered schema migrations, applied in order at start and recorded in
// schema_version. A migration never changes once released; new ones are appended.

#include <string_view>
#include <vector>

#include "store/sqlite/database.hpp"

namespace loaxa::store {

struct Migration {
  int version;
  std::string_view sql;
};

const std::vector<Migration>& migrations();

// Applies every migration above the database's version (up to `up_to`, default all),
// each in its own transaction. Returns the version reached. Throws on failure, and
// refuses a database newer than this build knows.
int migrate(sqlite::Database& db, int up_to = 0);
int schema_version(sqlite::Database& db);

}  // namespace loaxa::store
