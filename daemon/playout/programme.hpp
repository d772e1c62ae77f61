#pragma once
// The programme: every schedule and playlist the box knows, from its four origins — the
// config file, the province's manifest (with the operator's inbox decisions on its
// `normal` bulletins, its emergencies and holidays), the operator's own (made through
// the API, kept in the database as origin "local") and the plays started by hand. The
// controller turns them into the planner's rules and airs them; this part only keeps
// them, checks and stores edits, and answers questions about them.
// Depends on: daemon/config, daemon/playout/clock, store/, sync/ (the manifest model),
// scheduler/. Runs on the event loop.

#include <boost/json/array.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "daemon/config/config.hpp"
#include "daemon/playout/clock.hpp"
#include "daemon/playout/schedule.hpp"
#include "scheduler/local_time.hpp"
#include "store/store.hpp"
#include "sync/manifest.hpp"

namespace loaxa {

// The words a kiosk's emergency notice shows.
std::string notice_text(const std::string& text);

class Programme {
 public:
  // `config` and `zone` are the controller's, read at each use (a reload changes them).
  Programme(store::Store& store, Clock& clock, const Config& config, const scheduler::Zone& zone);

  // Every schedule: the config's, the province's, the local ones, the manual plays.
  std::vector<const ScheduleConfig*> all() const;
  // Every one but manual plays.
  std::vector<ScheduleConfig> schedules() const;
  // The playlists: config, province, local (in that order).
  std::vector<const PlaylistConfig*> playlist_list() const;
  std::vector<PlaylistConfig> playlists() const;
  bool is_playlist(const std::string& id) const;
  // Whether a schedule or playlist names this media id.
  bool media_in_use(const std::string& media_id) const;
  // Whether a schedule or playlist of any origin has this id.
  bool id_taken(const std::string& id) const;
  const std::vector<scheduler::LocalDays>& holidays() const { return holidays_; }

  // The operator's own, from the database (at start and after a reload).
  void load_local();
  // A checked schedule joins the local ones and is stored (origin set to "local").
  void add_local(ScheduleConfig s);
  // Throws NotFound, or Refused when the schedule is the config's or the province's.
  void remove_local_schedule(const std::string& id);
  // Creates or replaces a local playlist; throws std::invalid_argument, NotFound (an
  // item not in the library) or Refused (the id is another origin's).
  PlaylistConfig put_local_playlist(PlaylistConfig p);
  // Throws NotFound, or Refused while a schedule plays it.
  void remove_local_playlist(const std::string& id);

  // Plays started by hand (the controller adds, ends and forgets them).
  std::vector<ScheduleConfig>& manual() { return manual_; }
  const std::vector<ScheduleConfig>& manual() const { return manual_; }

  // What the province's manifest put into the programme.
  struct ProvinceSummary {
    std::size_t in_plan = 0;  // schedules (emergency blocks included)
    int waiting = 0;          // normal bulletins the operator has not decided on
    int skipped = 0;          // for channels this box does not have
    int emergencies = 0;      // emergency blocks, one per channel
  };
  // The applied manifest: its priority (and, with auto_accept_normal, normal)
  // schedules, accepted normal ones, emergencies on the channels they name (their start
  // remembered in the database, so a restart neither airs one twice nor forgets it),
  // playlists and holidays. Replaces what the previous manifest gave.
  ProvinceSummary set_province(const sync::Manifest& manifest);
  const std::optional<sync::Manifest>& province() const { return province_; }
  // The province's `normal` bulletins for this box's channels, each waiting, accepted
  // or rejected by the operator.
  boost::json::array inbox() const;
  // Stores the operator's decision on a `normal` bulletin; the caller applies the
  // manifest again. Throws std::invalid_argument (unknown id, bad start or rule).
  void decide(const std::string& schedule_id, bool accept, std::optional<std::string> start,
              std::optional<std::string> rrule, const std::string& by);

 private:
  void save_local();
  void add_emergencies(const sync::Manifest& m, ProvinceSummary& summary);

  store::Store& store_;
  Clock& clock_;
  const Config& config_;
  const scheduler::Zone& zone_;
  std::optional<sync::Manifest> province_;
  std::vector<ScheduleConfig> province_schedules_;
  std::vector<PlaylistConfig> province_playlists_;
  std::vector<scheduler::LocalDays> holidays_;
  std::vector<ScheduleConfig> local_schedules_;  // made through the API, in the database
  std::vector<PlaylistConfig> local_playlists_;
  std::vector<ScheduleConfig> manual_;  // started by hand (API, CLI)
};

}  // namespace loaxa
