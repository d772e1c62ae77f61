#pragma once
// Reads one TOML table key by key, recording each problem with its file and line and,
// at the end, every key that nobody asked for (an unknown key is an error, not a
// silence, with the nearest known key suggested). loaxad's config, the province's
// province.toml, and the hub's config all read through it.

#include <toml++/toml.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace loaxa {

// One problem of a config file, where it is: "FILE:LINE: message".
struct ConfigProblem {
  std::filesystem::path file;
  int line = 0;
  std::string message;
  std::string to_string() const;  // "FILE:LINE: message"
};

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

int line_of(const toml::node& node);

// The TOML of a config file's text; nullopt with the syntax error recorded (FILE:LINE).
std::optional<toml::table> parse_toml(std::string_view text, const std::filesystem::path& file,
                                      std::vector<ConfigProblem>& problems);
// A config file's bytes; nullopt with the problem recorded when it cannot be read.
std::optional<std::string> read_config_file(const std::filesystem::path& file,
                                            std::vector<ConfigProblem>& problems);
const char* type_name(const toml::node& node);

}  // namespace loaxa
