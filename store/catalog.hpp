#pragma once
// Media, playlists and schedules as the store keeps them.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/names.hpp"
#include "store/sqlite/database.hpp"

namespace loaxa::store {

struct MediaRecord {
  std::string id;
  std::string sha256;
  std::string file;  // relative to state_dir/media
  std::string title;
  std::string topic;
  std::string kind = "audio";
  std::optional<std::int64_t> duration_ms;
  std::string origin = "local";
  std::string audience;  // comma-separated audience keys (the plan's target groups)
  // Measured at ingest, by content (schema v7): unset until measured.
  std::optional<double> loudness_lufs;
  std::optional<double> peak_db;
};

struct PlaylistRecord {
  std::string id;
  std::string title;
  std::string origin = "local";
  std::vector<std::string> items;  // media ids in order
  // Position in `items` → how long the still image there shows (kiosks).
  std::map<std::size_t, std::chrono::milliseconds> durations;
};

struct ScheduleRecord {
  std::string id;
  std::string channel;
  std::string content_kind;  // the names of ContentKind (daemon/config/config.hpp)
  std::string content;
  std::string start;  // local date-time
  std::optional<std::string> rrule;
  std::optional<std::string> until;
  int priority = 50;
  std::optional<std::int64_t> max_duration_ms;
  std::string origin = "local";
};

// What the commune said of a province `normal` bulletin.
enum class Decision : std::uint8_t { accepted, rejected };
inline constexpr Names<Decision, 2> decision_names{{"accepted", "rejected"}};

struct InboxDecision {
  std::string schedule_id;
  Decision decision = Decision::accepted;
  std::optional<std::string> start;
  std::optional<std::string> rrule;
  std::string decided_at;
  std::string decided_by;
};

// The commune's order between a province bulletin and one of its own schedules.
struct ClashOrder {
  std::string province_id, local_id;
  bool local_first = false;
  std::string decided_at, decided_by;
};

class Catalog {
 public:
  explicit Catalog(sqlite::Database& db) : db_(db) {}

  void upsert_media(const MediaRecord& m);
  std::optional<MediaRecord> find_media(const std::string& id) const;
  // Loudness by content hash: measured once per file, whatever ids name it.
  void set_loudness(const std::string& sha256, double lufs, double peak_db);
  bool has_loudness(const std::string& sha256) const;
  std::optional<MediaRecord> find_media_by_sha256(const std::string& sha256) const;
  std::vector<MediaRecord> list_media() const;
  void remove_media_with_file(const std::string& file);  // records whose file this is
  // False when there is no such record.
  bool remove_media(const std::string& id);
  // Playlists (of any origin) that name this media id.
  std::vector<std::string> playlists_using(const std::string& media_id) const;

  // Replaces every playlist and schedule of `origin` (e.g. "config" at start and reload).
  void replace_playlists(const std::string& origin, const std::vector<PlaylistRecord>& lists);
  void replace_schedules(const std::string& origin, const std::vector<ScheduleRecord>& rows);
  std::optional<PlaylistRecord> find_playlist(const std::string& id) const;
  std::vector<PlaylistRecord> list_playlists(const std::string& origin) const;
  std::vector<ScheduleRecord> list_schedules() const;

  std::optional<InboxDecision> inbox_decision(const std::string& schedule_id) const;
  void set_inbox_decision(const InboxDecision& d);

  std::vector<ClashOrder> clash_orders() const;
  void set_clash_order(const ClashOrder& o);

 private:
  sqlite::Database& db_;
};

}  // namespace loaxa::store
