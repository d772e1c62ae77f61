#pragma once
// Reads one TOML table key by key, recording each problem with its line and, at the
// end, every key that nobody asked for (an unknown key is an error, not a silence).

#include <toml++/toml.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace loaxa {

class ConfigReader {
 public:
  ConfigReader(const toml::table& table, std::string path, std::vector<ConfigProblem>& problems,
               const std::filesystem::path& file);

  std::optional<std::string> string(const std::string& key, bool required = false);
  std::optional<double> number(const std::string& key, double min, double max);
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(const std::string& key);
  std::optional<std::chrono::milliseconds> duration(const std::string& key);
  std::optional<std::vector<std::string>> strings(const std::string& key);
  const toml::array* array(const std::string& key);
  const toml::table* table(const std::string& key);

  // Reports unknown keys; call once after reading every known key.
  void finish();

  int line() const;
  const std::filesystem::path& file() const { return file_; }
  std::vector<ConfigProblem>& problems() { return problems_; }
  int line_of(const std::string& key) const;
  void problem(int line, const std::string& message);
  std::string where(const std::string& key) const;  // "channels.loudspeaker.volume"

 private:
  const toml::node* take(const std::string& key);

  const toml::table& table_;
  std::string path_;
  std::vector<ConfigProblem>& problems_;
  const std::filesystem::path& file_;
  std::set<std::string> known_;
};

// One entry of a playlist's `items` (the config's and province.toml's): "id-or-path",
// or { media = "id-or-path", duration = "20s" } for a still image with its own
// duration. `list` reads the playlist's table; problems go to it; nullopt when the
// entry names nothing.
struct PlaylistItemEntry {
  std::string media;
  std::optional<std::chrono::milliseconds> duration;
};
std::optional<PlaylistItemEntry> read_playlist_item(ConfigReader& list, const toml::node& n,
                                                    std::size_t k);

int line_of(const toml::node& node);
const char* type_name(const toml::node& node);

}  // namespace loaxa
