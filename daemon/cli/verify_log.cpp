#include "daemon/cli/verify_log.hpp"

#include <filesystem>
#include <iostream>

#include "daemon/store/airtime_log.hpp"
#include "daemon/store/sqlite/database.hpp"

namespace loaxa::cli {

const char* const kVerifyLogHelp =
    "Usage: loaxa verify-log DB\n"
    "\n"
    "Offline: walks the airtime log's hash chain in DB (state_dir/loaxa.db) in closing\n"
    "order, recomputing every row's SHA-256. Exit 0 when intact; 1 naming the first row\n"
    "that does not match (its position and id) and why.\n";

int cmd_verify_log(const Args& a) {
  if (a.positional.size() != 1 || !a.options.empty()) {
    throw BadInput(
        "loaxa verify-log needs exactly one argument, the database file (e.g. "
        "/var/lib/loaxa/loaxa.db)");
  }
  const std::filesystem::path db_path = a.positional[0];
  if (!std::filesystem::is_regular_file(db_path)) {
    throw BadInput(db_path.string() + ": no such database file");
  }
  store::sqlite::Database db(db_path);
  store::AirtimeLog log(db);
  std::int64_t checked = 0;
  if (auto broken = log.verify(checked)) {
    std::cerr << "loaxa: " << db_path.string() << ": chain broken at row " << broken->position
              << " (id " << broken->id << "): " << broken->what << "\n";
    return 1;
  }
  std::cout << db_path.string() << ": " << checked << " closed rows, chain intact\n";
  return 0;
}

}  // namespace loaxa::cli
