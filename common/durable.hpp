#pragma once
// Files that survive a power cut whole or not at all: written under a temporary name,
// fsynced, renamed, and the folder fsynced.

#include <filesystem>
#include <functional>
#include <ostream>

namespace loaxa {

// Writes `to` through `fill` (which streams into the file). Throws on any I/O error;
// the final name then does not exist or holds its previous content.
void write_durably(const std::filesystem::path& to, const std::function<void(std::ostream&)>& fill);
// Copies `from` to `to` the same way.
void copy_durably(const std::filesystem::path& from, const std::filesystem::path& to);
void fsync_path(const std::filesystem::path& path);

}  // namespace loaxa
