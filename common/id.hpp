#pragma once
// The one grammar of ids (schedules, playlists, media, topics, channels) wherever they
// are made: the config, the province manifest and the API. Lower-case ASCII letters and
// digits, then also '-' and '_'; 1 to 64 characters ("ban-tin-sang", "lich_2").

#include <filesystem>
#include <string>
#include <string_view>

namespace loaxa {

inline bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '-' || c == '_'));
    if (!ok) return false;
  }
  return true;
}

// What to tell someone whose id is not valid.
inline constexpr const char* kIdRule =
    "use a-z and 0-9, then also '-' and '_' (1 to 64 characters), e.g. \"sang-thu-hai\"";

// An id made from a file's name: "Chào buổi sáng.ogg" -> "chao-buoi-sang" (lower-case
// ASCII, digits, '-'; Vietnamese letters folded to their base letter).
std::string id_from_filename(const std::filesystem::path& file);
// The same from a name ("Đồng Xoài" -> "dong-xoai"): a district's id on the hub. Empty
// when the name has no letter or digit.
std::string id_from_name(std::string_view name);

}  // namespace loaxa
