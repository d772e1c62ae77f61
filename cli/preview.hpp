#pragma once
#include <functional>
#include <string>

#include "cli/args.hpp"
#include "cli/http_client.hpp"

namespace loaxa::cli {

extern const char* const kPreviewHelp;
// `loaxa schedule preview`: the planned timeline from the running daemon's planner.
int cmd_schedule_preview(const Args& a, const std::function<HttpResult(const std::string&)>& get);

}  // namespace loaxa::cli
