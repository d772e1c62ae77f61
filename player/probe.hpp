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
  std::optional<std::chrono::milliseconds> duration;
  std::string title;  // the file's TITLE tag, when it has one
  std::string error;  // why it cannot play, when !playable
};

ProbeResult probe_file(const std::filesystem::path& file,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace loaxa::player
