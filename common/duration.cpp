#include "common/duration.hpp"

#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace loaxa {

using std::chrono::milliseconds;

milliseconds parse_duration(std::string_view text) {
  const std::string hint =
      "expected a duration such as \"5s\", \"90s\", \"10m\", \"1h30m\" or \"250ms\"";
  if (text.empty()) throw std::invalid_argument("empty duration; " + hint);
  milliseconds total{0};
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
    if (ec != std::errc{} || value < 0) {
      throw std::invalid_argument("'" + std::string(text) + "': " + hint);
    }
    pos = static_cast<std::size_t>(ptr - text.data());
    std::string_view rest = text.substr(pos);
    if (rest.starts_with("ms")) {
      total += milliseconds(value);
      pos += 2;
    } else if (rest.starts_with("s")) {
      total += std::chrono::seconds(value);
      ++pos;
    } else if (rest.starts_with("m")) {
      total += std::chrono::minutes(value);
      ++pos;
    } else if (rest.starts_with("h")) {
      total += std::chrono::hours(value);
      ++pos;
    } else if (rest.starts_with("d")) {
      total += std::chrono::hours(24 * value);
      ++pos;
    } else {
      throw std::invalid_argument("'" + std::string(text) + "': missing or unknown unit; " + hint);
    }
  }
  return total;
}

std::string format_duration(milliseconds d) {
  if (d.count() == 0) return "0s";
  std::string out;
  auto take = [&](std::int64_t unit_ms, const char* unit) {
    const std::int64_t n = d.count() / unit_ms;
    if (n > 0) {
      out += std::to_string(n) + unit;
      d -= milliseconds(n * unit_ms);
    }
  };
  take(3'600'000, "h");
  take(60'000, "m");
  take(1'000, "s");
  take(1, "ms");
  return out;
}

}  // namespace loaxa
