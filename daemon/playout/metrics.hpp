#pragma once
// Prometheus text exposition (format 0.0.4) of what the daemon counts: a few helpers
// and the counters the controller keeps since start.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace loaxa::metrics {

// `# HELP` and `# TYPE` lines of one metric family.
void family(std::string& out, const char* name, const char* type, const char* help);
// One sample; labels as {{"channel", "loa"}, ...}, values escaped.
void sample(std::string& out, const std::string& name,
            std::initializer_list<std::pair<const char*, std::string>> labels, double value);

// Start error of plays: |actual - planned| seconds, cumulative buckets.
struct Histogram {
  static constexpr std::array<double, 9> kBounds = {0.001, 0.002, 0.005, 0.01, 0.02,
                                                    0.05,  0.1,   0.5,   1.0};
  std::array<std::uint64_t, kBounds.size()> buckets{};
  double sum = 0.0;
  std::uint64_t count = 0;
  void observe(double v);
};

struct PlayCounters {
  std::map<std::pair<std::string, std::string>, std::uint64_t> plays;  // (channel, status)
  std::map<std::string, Histogram> start_error;                        // by channel
  void write(std::string& out) const;
};

}  // namespace loaxa::metrics
