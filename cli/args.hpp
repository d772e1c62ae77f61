#pragma once
// Command-line arguments of `loaxa`: a verb, positional words and --options.

#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace loaxa::cli {

// Bad input from the user: exit code 2.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::string verb;  // may be two words: "schedule preview"
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool help = false;
};

Args parse_args(int argc, char** argv);
std::string option(const Args& a, const std::string& key, const std::string& fallback = "");
// Throws BadInput for options other than --url, --token and `allowed`, and for any
// positional word.
void only_options(const Args& a, std::initializer_list<const char*> allowed);
// Throws BadInput for options other than --url, --token and `allowed`.
void allow_options(const Args& a, std::initializer_list<const char*> allowed);

}  // namespace loaxa::cli
