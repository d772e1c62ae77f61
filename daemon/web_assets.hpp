#pragma once
// The operator web UI (web/), built into the daemon.

#include <optional>
#include <string_view>

namespace loaxa {

// The bytes of a UI file by its path ("/index.html"), if there is one.
std::optional<std::string_view> web_asset(std::string_view path);

}  // namespace loaxa
