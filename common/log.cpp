#include "common/log.hpp"

#include <cstdio>
#include <mutex>
#include <string>

namespace loaxa::log {
namespace {

void write(int priority, std::string_view component, std::string_view message) {
  static std::mutex mutex;
  std::string line = "<" + std::to_string(priority) + ">" + std::string(component) + ": " +
                     std::string(message) + "\n";
  std::lock_guard lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void error(std::string_view c, std::string_view m) {
  write(3, c, m);
}
void warning(std::string_view c, std::string_view m) {
  write(4, c, m);
}
void notice(std::string_view c, std::string_view m) {
  write(5, c, m);
}
void info(std::string_view c, std::string_view m) {
  write(6, c, m);
}

}  // namespace loaxa::log
