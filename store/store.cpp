#include "store/store.hpp"

#include "store/migrations.hpp"

namespace loaxa::store {

Store::Store(const std::filesystem::path& db_path)
    : path_(db_path), db_(db_path), catalog_(db_), airtime_(db_), access_(db_) {
  migrate(db_);
}

std::optional<std::string> Store::meta(const std::string& key) {
  auto st = db_.prepare("SELECT value FROM meta WHERE key = ?");
  st.bind(1, key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void Store::set_meta(const std::string& key, const std::string& value) {
  db_.prepare(
         "INSERT INTO meta(key, value) VALUES (?, ?) "
         "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(1, key)
      .bind(2, value)
      .run();
}

}  // namespace loaxa::store
