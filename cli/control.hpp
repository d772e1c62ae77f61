#pragma once
// Online verbs that change what the box does: manual play and stop, emergencies, API
// tokens, and the audit trail of who did them.

#include <map>
#include <string>

#include "cli/args.hpp"

namespace loaxa::cli {

struct Endpoint {
  std::string url;    // http://127.0.0.1:8080
  std::string token;  // may be empty
};

// Help text of each verb here, by verb.
const std::map<std::string, std::string>& control_help();
// Whether `verb` is one of these.
bool is_control_verb(const std::string& verb);
int cmd_control(const Args& a, const Endpoint& endpoint);

}  // namespace loaxa::cli
