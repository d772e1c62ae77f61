#pragma once
// Online verbs for the operator's library: media, playlists (imported from M3U, PLS, XSPF or a
// folder) and schedules.

#include <map>
#include <string>

#include "cli/args.hpp"
#include "cli/control.hpp"

namespace loaxa::cli {

const std::map<std::string, std::string>& library_help();
bool is_library_verb(const std::string& verb);
int cmd_library(const Args& a, const Endpoint& endpoint);

}  // namespace loaxa::cli
