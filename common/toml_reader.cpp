#include "common/toml_reader.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/duration.hpp"

namespace loaxa {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

int line_of(const toml::node& node) {
  return static_cast<int>(node.source().begin.line);
}

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

ConfigReader::ConfigReader(const toml::table& table, std::string path,
                           std::vector<ConfigProblem>& problems, const std::filesystem::path& file)
    : table_(table), path_(std::move(path)), problems_(problems), file_(file) {}

int ConfigReader::line() const {
  return loaxa::line_of(table_);
}

int ConfigReader::line_of(const std::string& key) const {
  const toml::node* n = table_.get(key);
  return n ? loaxa::line_of(*n) : line();
}

void ConfigReader::problem(int line, const std::string& message) {
  problems_.push_back({file_, line, message});
}

std::string ConfigReader::where(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const toml::node* ConfigReader::take(const std::string& key) {
  known_.insert(key);
  return table_.get(key);
}

std::optional<std::string> ConfigReader::string(const std::string& key, bool required) {
  const toml::node* n = take(key);
  if (!n) {
    if (required) problem(line(), where(key) + " is required");
    return std::nullopt;
  }
  if (!n->is_string()) {
    problem(loaxa::line_of(*n), where(key) + " must be a string, not " + type_name(*n));
    return std::nullopt;
  }
  return n->as_string()->get();
}

std::optional<double> ConfigReader::number(const std::string& key, double min, double max) {
  const toml::node* n = take(key);
  if (!n) return std::nullopt;
  double v = 0;
  if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else {
    problem(loaxa::line_of(*n), where(key) + " must be a number, not " + type_name(*n));
    return std::nullopt;
  }
  if (v < min || v > max) {
    problem(loaxa::line_of(*n), where(key) + " = " + std::to_string(v) + " is out of range (" +
                                    std::to_string(min) + " to " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> ConfigReader::integer(const std::string& key, std::int64_t min,
                                                  std::int64_t max) {
  const toml::node* n = take(key);
  if (!n) return std::nullopt;
  if (!n->is_integer()) {
    problem(loaxa::line_of(*n), where(key) + " must be an integer, not " + type_name(*n));
    return std::nullopt;
  }
  const auto v = n->as_integer()->get();
  if (v < min || v > max) {
    problem(loaxa::line_of(*n), where(key) + " = " + std::to_string(v) + " is out of range (" +
                                    std::to_string(min) + " to " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ConfigReader::boolean(const std::string& key) {
  const toml::node* n = take(key);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) {
    problem(loaxa::line_of(*n), where(key) + " must be true or false, not " + type_name(*n));
    return std::nullopt;
  }
  return n->as_boolean()->get();
}

std::optional<std::chrono::milliseconds> ConfigReader::duration(const std::string& key) {
  const auto text = string(key);
  if (!text) return std::nullopt;
  try {
    return parse_duration(*text);
  } catch (const std::invalid_argument& e) {
    problem(line_of(key), where(key) + ": " + e.what());
    return std::nullopt;
  }
}

std::optional<std::vector<std::string>> ConfigReader::strings(const std::string& key) {
  const toml::array* arr = array(key);
  if (!arr) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& n = *arr->get(i);
    if (!n.is_string()) {
      problem(loaxa::line_of(n),
              where(key) + "[" + std::to_string(i) + "] must be a string, not " + type_name(n));
      ok = false;
      continue;
    }
    out.push_back(n.as_string()->get());
  }
  if (!ok) return std::nullopt;
  return out;
}

const toml::array* ConfigReader::array(const std::string& key) {
  const toml::node* n = take(key);
  if (!n) return nullptr;
  if (!n->is_array()) {
    problem(loaxa::line_of(*n), where(key) + " must be an array, not " + type_name(*n));
    return nullptr;
  }
  return n->as_array();
}

const toml::table* ConfigReader::table(const std::string& key) {
  const toml::node* n = take(key);
  if (!n) return nullptr;
  if (!n->is_table()) {
    problem(loaxa::line_of(*n), where(key) + " must be a table, not " + type_name(*n));
    return nullptr;
  }
  return n->as_table();
}

void ConfigReader::finish() {
  for (const auto& [k, node] : table_) {
    const std::string key(k.str());
    if (known_.count(key)) continue;
    std::string msg = "unknown key '" + key + "'" +
                      (path_.empty() ? std::string(" at the top level") : " in [" + path_ + "]");
    std::string best;
    std::size_t best_d = 3;
    for (const auto& candidate : known_) {
      const std::size_t d = edit_distance(key, candidate);
      if (d < best_d) {
        best_d = d;
        best = candidate;
      }
    }
    msg += best.empty() ? "; remove it (the documented example config lists every key)"
                        : "; did you mean '" + best + "'?";
    problem(loaxa::line_of(node), msg);
  }
}

std::string ConfigProblem::to_string() const {
  return file.string() + ":" + std::to_string(line) + ": " + message;
}

std::optional<toml::table> parse_toml(std::string_view text, const std::filesystem::path& file,
                                      std::vector<ConfigProblem>& problems) {
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    problems.push_back({file, static_cast<int>(e.source().begin.line),
                        "TOML syntax error: " + std::string(e.description())});
    return std::nullopt;
  }
}

std::optional<std::string> read_config_file(const std::filesystem::path& file,
                                            std::vector<ConfigProblem>& problems) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problems.push_back({file, 0, "cannot read the config file (does it exist? is it readable?)"});
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace loaxa
