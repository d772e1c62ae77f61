#pragma once
// `loaxa report` and `loaxa airtime`: period reports and the raw log, from the running
// daemon or, with --db, from a database file (a copy brought to the district office).

#include "cli/args.hpp"
#include "cli/http_client.hpp"

namespace loaxa::cli {

extern const char* const kReportHelp;
extern const char* const kAirtimeHelp;

using Getter = std::function<HttpResult(const std::string& target, const BodySink& sink)>;

int cmd_report(const Args& a, const Getter& get);
int cmd_airtime(const Args& a, const Getter& get);

}  // namespace loaxa::cli
