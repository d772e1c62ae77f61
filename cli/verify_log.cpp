#include "cli/verify_log.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "store/airtime_chain.hpp"
#include "store/airtime_log.hpp"
#include "store/sqlite/database.hpp"

namespace loaxa::cli {

const char* const kVerifyLogHelp =
    "Usage: loaxa verify-log DB [ARCHIVE.ndjson...]\n"
    "\n"
    "Offline: walks the airtime log's hash chain in DB (state_dir/loaxa.db) in closing\n"
    "order, recomputing every row's SHA-256. Exit 0 when intact; 1 naming the first row\n"
    "that does not match (its position and id) and why.\n"
    "\n"
    "When [airtime] retention has moved old rows to state_dir/archive/*.ndjson, the\n"
    "database's chain starts where the last archive ends. Name the archive files too\n"
    "(any order) to check the whole chain from its first row: files, then database.\n";

namespace {

struct ArchiveFile {
  std::filesystem::path path;
  std::int64_t first = 0;  // from the name airtime-FIRST-LAST.ndjson
};

std::int64_t first_seq_of(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  if (!name.starts_with("airtime-")) return 0;
  try {
    return std::stoll(name.substr(8));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

int cmd_verify_log(const Args& a) {
  if (a.positional.empty() || !a.options.empty()) {
    throw BadInput(
        "loaxa verify-log needs the database file (e.g. /var/lib/loaxa/loaxa.db), then "
        "optionally its archive files");
  }
  const std::filesystem::path db_path = a.positional[0];
  if (!std::filesystem::is_regular_file(db_path)) {
    throw BadInput(db_path.string() + ": no such database file");
  }
  std::vector<ArchiveFile> archives;
  for (std::size_t i = 1; i < a.positional.size(); ++i) {
    const std::filesystem::path p = a.positional[i];
    if (!std::filesystem::is_regular_file(p)) throw BadInput(p.string() + ": no such archive file");
    archives.push_back({p, first_seq_of(p)});
  }
  std::sort(archives.begin(), archives.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });

  store::sqlite::Database db(db_path, store::sqlite::Database::Access::read_only);
  store::AirtimeLog log(db);
  const auto anchor = store::chain_anchor(db);
  auto fail = [](const std::string& where, const store::ChainBreak& b) {
    std::cerr << "loaxa: " << where << ": chain broken at row " << b.position << " (id " << b.id
              << "): " << b.what << "\n";
    return 1;
  };

  std::int64_t archived = 0;
  if (!archives.empty()) {
    store::ChainWalker walker;
    for (const auto& f : archives) {
      std::ifstream in(f.path);
      std::string line;
      std::int64_t n = 0;
      while (std::getline(in, line)) {
        ++n;
        store::AirtimeRow row;
        try {
          row = store::airtime_from_json(line);
        } catch (const std::invalid_argument& e) {
          throw BadInput(f.path.string() + ":" + std::to_string(n) + ": " + e.what());
        }
        if (auto broken = walker.feed(row)) return fail(f.path.string(), *broken);
      }
    }
    archived = walker.position();
    if (anchor && (walker.last_hash() != anchor->last_hash || archived != anchor->last_seq)) {
      std::cerr << "loaxa: the archive files end at row " << archived
                << ", but the database continues from row " << anchor->last_seq << " ("
                << anchor->file << "): an archive file is missing or extra\n";
      return 1;
    }
  }

  std::int64_t checked = 0;
  if (auto broken = log.verify(checked)) return fail(db_path.string(), *broken);
  std::cout << db_path.string() << ": " << checked << " closed rows, chain intact";
  if (archived > 0) {
    std::cout << "; with " << archived << " archived rows in " << archives.size() << " file(s)";
  } else if (anchor) {
    std::cout << " (continuing from archived row " << anchor->last_seq << " in " << anchor->file
              << "; name the archive files to check them too)";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace loaxa::cli
