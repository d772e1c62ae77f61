#include "daemon/config/playlist_item.hpp"

#include "player/output.hpp"

namespace loaxa {

std::optional<PlaylistItemEntry> read_playlist_item(ConfigReader& list, const toml::node& n,
                                                    std::size_t k) {
  const std::string where = list.where("items") + "[" + std::to_string(k) + "]";
  if (n.is_string()) return PlaylistItemEntry{n.as_string()->get(), std::nullopt};
  if (!n.is_table()) {
    list.problem(line_of(n), where +
                                 " must be a media id or path, or a table like { media = "
                                 "\"slide.png\", duration = \"20s\" }, not " +
                                 type_name(n));
    return std::nullopt;
  }
  ConfigReader r(*n.as_table(), where, list.problems(), list.file());
  std::optional<PlaylistItemEntry> out;
  if (auto media = r.string("media", true)) out = PlaylistItemEntry{*media, std::nullopt};
  if (auto d = r.duration("duration")) {
    if (!player::valid_still(*d)) {
      r.problem(r.line_of("duration"), r.where("duration") + " must be between \"1s\" and \"1h\"");
    } else if (out) {
      out->duration = *d;
    }
  }
  r.finish();
  return out;
}

}  // namespace loaxa
