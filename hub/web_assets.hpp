#pragma once
// The hub's web UI (hub/web/), built into loaxa-hub.

#include <optional>
#include <string_view>

namespace loaxa {

// The bytes of a UI file by its path ("/index.html"), if there is one.
std::optional<std::string_view> hub_web_asset(std::string_view path);

}  // namespace loaxa
