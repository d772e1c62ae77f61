#pragma once
// Durations as config files and the API write them: "5s", "90s", "10m", "1h30m",
// "250ms", "2d".

#include <chrono>
#include <string>
#include <string_view>

namespace loaxa {

// Throws std::invalid_argument saying which forms are accepted.
std::chrono::milliseconds parse_duration(std::string_view text);
// "1h30m" style, shortest exact form ("0s" for zero).
std::string format_duration(std::chrono::milliseconds d);

}  // namespace loaxa
