// Parts of reading loaxad's config that live in their own files (config.cpp reads
// the rest and calls these). Private to daemon/config.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/toml_reader.hpp"
#include "daemon/config/config.hpp"

namespace loaxa::config_parts {

// A path from the config, relative to the config file's folder unless absolute.
inline std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : (base / path).lexically_normal();
}

// One [channels.NAME] table, appended to c.channels (problems go to r).
void read_channel(ConfigReader& r, const std::string& name, Config& c);

// The [[playlist]] and [[schedule]] arrays of tables at the top of the file.
void read_playlists(ConfigReader& top, Config& c, std::vector<ConfigProblem>& problems);
void read_schedules(ConfigReader& top, Config& c, std::vector<ConfigProblem>& problems);

}  // namespace loaxa::config_parts
