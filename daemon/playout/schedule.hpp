#pragma once
// A schedule and a playlist in every form they take outside the box's model
// (`ScheduleConfig`, `PlaylistConfig`, daemon/config/config.hpp): the database's rows,
// the province manifest's entries, the planner's rule and the API's JSON. Every
// conversion is here, so a field added to the model is added in one file.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "daemon/config/config.hpp"
#include "scheduler/planner.hpp"
#include "store/catalog.hpp"
#include "sync/manifest.hpp"

namespace loaxa {

// The database row (the catalog keeps the origin beside it).
store::ScheduleRecord schedule_record(const ScheduleConfig& s);
// Back from the row; an unknown content kind or origin throws std::invalid_argument.
ScheduleConfig schedule_from_record(const store::ScheduleRecord& r);
// A province entry; the commune's own start and rule, when it gave them in the inbox,
// take the place of the province's.
ScheduleConfig schedule_from_manifest(const sync::ManifestSchedule& s,
                                      const store::InboxDecision* decision);
// What the planner needs of it. The channel's resume policy, whether the channel
// exists and how long the block lasts are the controller's to add.
scheduler::Rule schedule_rule(const ScheduleConfig& s);
// As `GET /api/v1/schedules` shows it.
boost::json::object schedule_json(const ScheduleConfig& s);

// A playlist from the database or the manifest.
PlaylistConfig playlist_from(const store::PlaylistRecord& p);
PlaylistConfig playlist_from(const sync::ManifestPlaylist& p);
store::PlaylistRecord playlist_record(const PlaylistConfig& p, Origin origin);
// Its items as the API shows them: media ids, and {"media": id, "duration": "20s"}
// where the playlist gives a still its own duration.
boost::json::array playlist_items_json(const PlaylistConfig& p);

}  // namespace loaxa
