#include "cli/args.hpp"

namespace loaxa::cli {

namespace {
// Verbs that take a sub-verb as their second word.
bool has_subverb(const std::string& verb) {
  return verb == "schedule" || verb == "media" || verb == "playlist" || verb == "sync" ||
         verb == "token" || verb == "inbox" || verb == "emergency";
}
// Options that take no value.
bool is_flag(const std::string& name) {
  return name == "excel" || name == "live";
}
}  // namespace

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else if (arg.starts_with("--")) {
      const auto eq = arg.find('=');
      const std::string key = arg.substr(2, eq == std::string::npos ? arg.npos : eq - 2);
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (is_flag(key)) {
        value = "1";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        throw BadInput(arg + " needs a value");
      }
      // A repeated option (--channel A --channel B) collects its values, comma-separated.
      auto [it, fresh] = a.options.try_emplace(key, value);
      if (!fresh && !is_flag(key)) it->second.append("," + value);
    } else if (a.verb.empty()) {
      a.verb = arg;
    } else if (a.positional.empty() && has_subverb(a.verb) &&
               a.verb.find(' ') == std::string::npos) {
      a.verb += " " + arg;
    } else {
      a.positional.push_back(arg);
    }
  }
  return a;
}

std::string option(const Args& a, const std::string& key, const std::string& fallback) {
  auto it = a.options.find(key);
  return it == a.options.end() ? fallback : it->second;
}

void allow_options(const Args& a, std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : a.options) {
    bool ok = k == "url" || k == "token";
    for (const char* x : allowed) ok = ok || k == x;
    if (!ok) {
      throw BadInput("loaxa " + a.verb + ": unknown option --" + k + "; see loaxa " + a.verb +
                     " --help");
    }
  }
}

void only_options(const Args& a, std::initializer_list<const char*> allowed) {
  allow_options(a, allowed);
  if (!a.positional.empty()) {
    throw BadInput("loaxa " + a.verb + ": unexpected argument '" + a.positional[0] + "'");
  }
}

}  // namespace loaxa::cli
