#pragma once
// A path written in a config file: relative to the file's folder unless absolute
// (loaxad's and loaxa-hub's configs read paths the same way).

#include <filesystem>
#include <string>

namespace loaxa {

inline std::filesystem::path config_path(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : (base / path).lexically_normal();
}

}  // namespace loaxa
