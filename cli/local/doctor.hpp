#pragma once
// `loaxa doctor`: checks the box and says in words what to fix.

#include "cli/args.hpp"

namespace loaxa::cli {

extern const char* const kDoctorHelp;
int cmd_doctor(const Args& a);

}  // namespace loaxa::cli
