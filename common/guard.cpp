#include "common/guard.hpp"

#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

namespace loaxa {

void inject_fault(std::string_view kind) {
  struct Faults {
    std::mutex mutex;
    std::set<std::string, std::less<>> armed;
    bool any = false;  // set once, before any handler runs
  };
  static Faults* const faults = [] {
    auto* f = new Faults;  // NOLINT(cppcoreguidelines-owning-memory): lives as long as the process
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before any other thread asks
    const char* spec = std::getenv("LOAXA_FAULT");
    std::string s = spec ? spec : "";
    for (std::size_t from = 0; from < s.size();) {
      const auto comma = s.find(',', from);
      const auto end = comma == std::string::npos ? s.size() : comma;
      if (end > from) f->armed.insert(s.substr(from, end - from));
      from = end + 1;
    }
    f->any = !f->armed.empty();
    return f;
  }();
  if (!faults->any) return;
  std::lock_guard lock(faults->mutex);
  auto it = faults->armed.find(kind);
  if (it == faults->armed.end()) return;
  faults->armed.erase(it);
  throw std::runtime_error("injected fault: " + std::string(kind) + " handler");
}

}  // namespace loaxa
