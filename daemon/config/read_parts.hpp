// Parts of reading loaxad's config that live in their own files (config.cpp reads
// the rest and calls these). Private to daemon/config.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/config_path.hpp"
#include "common/toml_reader.hpp"
#include "daemon/config/config.hpp"

namespace loaxa::config_parts {

// One [channels.NAME] table, appended to c.channels (problems go to r).
void read_channel(ConfigReader& r, const std::string& name, Config& c);

// The [[playlist]] and [[schedule]] arrays of tables at the top of the file.
void read_playlists(ConfigReader& top, Config& c, std::vector<ConfigProblem>& problems);
void read_schedules(ConfigReader& top, Config& c, std::vector<ConfigProblem>& problems);

}  // namespace loaxa::config_parts
