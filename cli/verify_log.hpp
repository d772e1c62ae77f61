#pragma once
#include "cli/args.hpp"

namespace loaxa::cli {

extern const char* const kVerifyLogHelp;
// Offline: checks the airtime log's hash chain in a loaxa.db file.
int cmd_verify_log(const Args& a);

}  // namespace loaxa::cli
