#include "daemon/playout/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace loaxa::metrics {

namespace {

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name,
            std::initializer_list<std::pair<const char*, std::string>> labels, double value) {
  out += name;
  if (labels.size() > 0) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      out += escape(v);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += number(value);
  out += '\n';
}

void Histogram::observe(double v) {
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (v <= kBounds[i]) ++buckets[i];
  }
  sum += v;
  ++count;
}

void PlayCounters::write(std::string& out) const {
  family(out, "loaxa_plays_total", "counter",
         "Plays closed in the airtime log since start, by channel and status.");
  for (const auto& [key, n] : plays) {
    sample(out, "loaxa_plays_total", {{"channel", key.first}, {"status", key.second}},
           static_cast<double>(n));
  }
  family(out, "loaxa_start_error_seconds", "histogram",
         "How far each play's first sample or frame was from its planned instant.");
  for (const auto& [channel, h] : start_error) {
    for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
      sample(out, "loaxa_start_error_seconds_bucket",
             {{"channel", channel}, {"le", number(Histogram::kBounds[i])}},
             static_cast<double>(h.buckets[i]));
    }
    sample(out, "loaxa_start_error_seconds_bucket", {{"channel", channel}, {"le", "+Inf"}},
           static_cast<double>(h.count));
    sample(out, "loaxa_start_error_seconds_sum", {{"channel", channel}}, h.sum);
    sample(out, "loaxa_start_error_seconds_count", {{"channel", channel}},
           static_cast<double>(h.count));
  }
}

}  // namespace loaxa::metrics
