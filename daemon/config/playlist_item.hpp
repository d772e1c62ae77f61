#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/toml_reader.hpp"

namespace loaxa {

// One entry of a playlist's `items` (the config's and province.toml's): "id-or-path",
// or { media = "id-or-path", duration = "20s" } for a still image with its own
// duration. `list` reads the playlist's table; problems go to it; nullopt when the
// entry names nothing.
struct PlaylistItemEntry {
  std::string media;
  std::optional<std::chrono::milliseconds> duration;
};
std::optional<PlaylistItemEntry> read_playlist_item(ConfigReader& list, const toml::node& n,
                                                    std::size_t k);

}  // namespace loaxa
