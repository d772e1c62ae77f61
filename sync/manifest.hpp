#pragma once
// The province manifest, loaxa-manifest/1 (docs/manifest.md, docs/manifest.schema.json):
// its signature checked over the exact bytes before anything is parsed, then every
// field validated. Errors name the field path ("media[3].sha256") and say what is
// expected. Nothing here touches the network or the disk.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace loaxa::sync {

constexpr const char* kManifestFormat = "loaxa-manifest/1";
constexpr std::int64_t kMaxMediaSize = std::int64_t{4} << 30;  // 4 GiB per file
constexpr std::size_t kMaxManifestBytes = 16u << 20;

// A manifest (or signature) refused: `path` is the field ("" for the whole file).
class ManifestError : public std::runtime_error {
 public:
  ManifestError(std::string path, const std::string& message)
      : std::runtime_error(path.empty() ? message : path + ": " + message),
        path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Whom an entry, or the whole manifest, is for: boxes by id glob ("bp-dong-xoai-*") and
// districts by id ("dong-xoai", a box's [box] district). Both empty (the key absent):
// every box. A box is a target when it matches either list.
struct ManifestTargets {
  std::vector<std::string> boxes;
  std::vector<std::string> districts;
  bool every_box() const { return boxes.empty() && districts.empty(); }
  bool match(const std::string& box_id, const std::string& district) const;
};

struct ManifestMedia {
  std::string id;
  std::string title;
  std::string topic;
  std::vector<std::string> audience;
  std::string kind;    // audio | video | image
  std::string sha256;  // 64 lowercase hex digits
  std::int64_t size = 0;
  std::optional<std::int64_t> duration_ms;
  std::string url;        // relative to the manifest, never leaving its folder
  std::string extension;  // of the url's file name ("ogg"), for the media store's name
  std::string store_name() const { return sha256 + (extension.empty() ? "" : "." + extension); }
};

struct ManifestPlaylist {
  std::string id;
  std::string title;
  std::vector<std::string> items;  // media ids
  ManifestTargets targets;
  // Position in `items` → how long the still image there shows on a kiosk
  // ({"media": id, "duration": "20s"} in the JSON); others show image_duration.
  std::map<std::size_t, std::chrono::milliseconds> durations;
};

struct ManifestSchedule {
  std::string id;
  std::string channel;
  std::string content_kind;  // playlist | media
  ManifestTargets targets;
  std::string content;
  std::string level = "normal";  // normal | priority
  std::optional<int> priority;   // default by level: normal 55, priority 70
  std::string start;             // local date-time
  std::optional<std::string> rrule;
  std::optional<std::string> until;  // local date
  std::optional<std::int64_t> max_duration_ms;
  bool skip_holidays = false;
  std::vector<std::string> exdates;
  int effective_priority() const { return priority ? *priority : level == "priority" ? 70 : 55; }
};

struct ManifestEmergency {
  std::string id;
  std::vector<std::string> channels;  // names, or "*" for every channel
  ManifestTargets targets;
  std::string media;
  std::string text;
  int repeat = 1;
  std::string valid_from;  // ISO-8601 with offset
  std::string valid_until;
  std::int64_t valid_from_ms = 0;
  std::int64_t valid_until_ms = 0;
};

struct Manifest {
  std::string publisher;
  std::int64_t sequence = 0;
  std::string generated_at;
  ManifestTargets targets;  // of the whole manifest
  // The key the province will sign with next (base64, 32 bytes), announced under the
  // current one: a box that applied this manifest trusts it too (key rotation).
  std::string next_public_key;
  std::vector<std::string> holidays;  // local dates
  std::vector<ManifestMedia> media;
  std::vector<ManifestPlaylist> playlists;
  std::vector<ManifestSchedule> schedules;
  std::vector<ManifestEmergency> emergencies;

  const ManifestMedia* find_media(const std::string& id) const;
  bool targets_box(const std::string& box_id, const std::string& district = {}) const;
  // Media a schedule or emergency needs, playlist items expanded, no repeats.
  std::vector<std::string> media_of_schedule(const ManifestSchedule& s) const;
};

// Throws ManifestError unless one of `public_keys` (base64, 32 bytes) signed `bytes`
// (signature: base64 of the 64-byte detached Ed25519 signature, whitespace ignored).
// Returns the index of the key that matched.
std::size_t verify_manifest_signature(std::string_view bytes, std::string_view signature_b64,
                                      const std::vector<std::string>& public_keys);

// Parses and validates. Throws ManifestError naming the first bad field.
Manifest parse_manifest(std::string_view bytes);

// The part of `m` that is for one box: the playlists, schedules and emergencies whose
// targets do not match it are left out, and so are the media only they use (media no
// entry uses stay: the province's library). A schedule for this box whose playlist is
// not for it is left out too: the box cannot air what it was not given.
Manifest for_box(const Manifest& m, const std::string& box_id, const std::string& district);

// The checks on one media URL (relative, inside the manifest's folder). Throws
// std::invalid_argument saying why not.
void check_relative_url(std::string_view url);

}  // namespace loaxa::sync
