#pragma once
// Online verbs for the operator's library: media, playlists (M3U import) and schedules.

#include <map>
#include <string>

#include "daemon/cli/args.hpp"
#include "daemon/cli/control.hpp"

namespace loaxa::cli {

const std::map<std::string, std::string>& library_help();
bool is_library_verb(const std::string& verb);
int cmd_library(const Args& a, const Endpoint& endpoint);

// The entries of an M3U/M3U8 playlist: absolute paths (relative ones resolved against
// the playlist's folder), in order, with their line numbers. Throws BadInput naming the
// file and line of an entry that is a URL or does not exist.
struct M3uEntry {
  std::string path;
  int line = 0;
};
std::vector<M3uEntry> read_m3u(const std::string& file);

}  // namespace loaxa::cli
