#pragma once
#include "cli/args.hpp"

namespace loaxa::cli {

extern const char* const kOccurrencesHelp;
// Offline: prints the local date-times of a recurrence, one per line.
int cmd_occurrences(const Args& a);

}  // namespace loaxa::cli
