#include "hub/media/examine.hpp"

#include <cmath>

#include "player/loudness.hpp"
#include "player/probe.hpp"

namespace loaxa::hub {

MediaFacts examine_media(const std::filesystem::path& file) {
  MediaFacts out;
  const auto probe = player::probe_file(file);
  out.playable = probe.playable;
  out.error = probe.error;
  out.kind = probe.kind;
  out.title = probe.title;
  if (probe.duration) out.duration_ms = probe.duration->count();
  if (!probe.playable || !probe.has_audio) return out;
  std::string error;
  if (const auto l = player::measure_loudness(file, error)) {
    // One decimal, as the library page shows it.
    out.lufs = std::round(l->lufs * 10.0) / 10.0;
    out.peak_db = std::round(l->peak_db * 10.0) / 10.0;
  } else {
    out.playable = false;
    out.error = "its sound cannot be decoded: " + error;
  }
  return out;
}

}  // namespace loaxa::hub
