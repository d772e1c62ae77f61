#include "daemon/store/store.hpp"

#include "daemon/store/migrations.hpp"

namespace loaxa::store {

Store::Store(const std::filesystem::path& db_path) : db_(db_path), catalog_(db_), airtime_(db_) {
  migrate(db_);
}

}  // namespace loaxa::store
