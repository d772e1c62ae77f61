#pragma once
// Ingest probe: what a media file is and how long it plays, via GstDiscoverer.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace loaxa::player {

struct ProbeResult {
  bool playable = false;
  std::string kind;  // audio | video | image
  bool has_audio = false;
  std::optional<std::chrono::milliseconds> duration;
  std::string title;  // the file's TITLE tag, when it has one
  std::string error;  // why it cannot play, when !playable
};

struct ImageSize {
  int width = 0, height = 0;
};
// The largest picture loaxa decodes, per side: a 20000×20000 PNG would take 1.6 GB.
inline constexpr int kMaxImageSide = 8192;

// The size of a still image, read from its header alone (no decoder touches it); none
// when the file is not an image gdk-pixbuf knows.
std::optional<ImageSize> image_size(const std::filesystem::path& file);
// Whether loaxa shows an image of this size (1 to kMaxImageSide pixels a side).
inline bool showable(const ImageSize& s) {
  return s.width > 0 && s.height > 0 && s.width <= kMaxImageSide && s.height <= kMaxImageSide;
}

// Probes the file. A still image larger than kMaxImageSide is refused from its header,
// before any decoder allocates its frame.
ProbeResult probe_file(const std::filesystem::path& file,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace loaxa::player
