#pragma once
// Playlists as operators bring them on a USB stick, read for `loaxa playlist import`:
// M3U/M3U8, PLS, XSPF, or a plain folder (its media files in name order).
//
// Names are found the way the office PC meant them: '\' is a separator like '/'; a
// name matches under Unicode normalisation (a Mac writes NFD, a playlist NFC) and, when
// exactly one file matches that way, case-insensitively (FAT/exFAT sticks); an absolute
// path from the PC that made the list (C:\Users\...\Ban tin\tin-sang.wav) is looked for
// by its last folders and name beside the playlist. Every entry that still cannot be
// found is reported at once, each with its line.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace loaxa::cli {

struct PlaylistEntry {
  std::string path;  // the file on disk
  int line = 0;      // where the playlist names it (0: a file of a folder)
};
using M3uEntry = PlaylistEntry;

// By extension (.m3u, .m3u8, .pls, .xspf) or a folder. Throws BadInput naming the file
// and line of every entry that is a URL or cannot be found, and of malformed XSPF.
std::vector<PlaylistEntry> read_playlist(const std::string& path);
std::vector<PlaylistEntry> read_m3u(const std::string& file);
std::vector<PlaylistEntry> read_pls(const std::string& file);
std::vector<PlaylistEntry> read_xspf(const std::string& file);
std::vector<PlaylistEntry> read_folder(const std::string& folder);

// The file a playlist entry means, as written (either separator, a file:// URI), found
// from the playlist's folder; nullopt when none or more than one file could be meant.
std::optional<std::filesystem::path> find_entry(const std::filesystem::path& base,
                                                const std::string& written);

}  // namespace loaxa::cli
