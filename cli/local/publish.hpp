#pragma once
// `loaxa publish`: the province's side of sync. Reads SRC/province.toml, probes and
// hashes the media, copies them content-addressed into OUT/media/, and writes
// OUT/manifest.json with its detached Ed25519 signature OUT/manifest.json.sig.

#include <filesystem>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace loaxa {

struct PublishResult {
  std::vector<ConfigProblem> problems;  // province.toml problems, with lines; nothing written
  std::int64_t sequence = 0;
  std::size_t media = 0, copied = 0;
  std::filesystem::path manifest;
};

// `key_file` holds the base64 secret key `loaxa keygen` wrote. Throws std::runtime_error
// for I/O and key problems.
PublishResult publish(const std::filesystem::path& src, const std::filesystem::path& out,
                      const std::filesystem::path& key_file);

}  // namespace loaxa
