// The operator's own playlists and schedules, made through the API (the service cannot
// write its config): checked here, kept by the programme (origin "local"), replanned.

#include <algorithm>
#include <stdexcept>

#include "common/id.hpp"
#include "common/log.hpp"
#include "daemon/playout/controller.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa {

using std::chrono::milliseconds;

ScheduleConfig Controller::add_schedule(ScheduleConfig s) {
  if (s.id.empty()) s.id = "lich-" + std::to_string(unix_ms(clock_.now()));
  if (!valid_id(s.id)) {
    throw std::invalid_argument(std::string("id: ") + kIdRule);
  }
  if (programme_.id_taken(s.id)) throw Refused("id \"" + s.id + "\" is taken; choose another");
  if (!config_.channels.count(s.channel)) {
    throw std::invalid_argument("channel: no channel \"" + s.channel + "\" on this box");
  }
  s.content_kind = content_kind_of(s.content);  // throws NotFound
  if (s.content_kind == ContentKind::live) {
    throw std::invalid_argument("content: live input is started by hand, not scheduled");
  }
  if (s.content_kind == ContentKind::stream && !s.max_duration) {
    throw std::invalid_argument("max_duration: a stream needs its window, e.g. \"30m\"");
  }
  try {
    scheduler::parse_local_datetime(s.start);
  } catch (const std::exception& e) {
    throw std::invalid_argument("start: \"" + s.start +
                                "\" is not a local date-time like 2022-07-01T06:00:00");
  }
  if (s.rrule) {
    try {
      scheduler::parse_rrule(*s.rrule);
    } catch (const std::exception& e) {
      throw std::invalid_argument(std::string("rrule: ") + e.what());
    }
  }
  if (s.until) {
    try {
      scheduler::parse_date(*s.until);
    } catch (const std::exception&) {
      throw std::invalid_argument("until: \"" + *s.until + "\" is not a date like 2022-12-31");
    }
  }
  if (s.priority < 0 || s.priority > 100) throw std::invalid_argument("priority: 0 to 100");
  s.origin = Origin::local;
  programme_.add_local(s);
  replan();
  log::info("controller", "schedule " + s.id + " added on " + s.channel);
  return s;
}

void Controller::remove_schedule(const std::string& id) {
  programme_.remove_local_schedule(id);
  replan();
}

PlaylistConfig Controller::put_playlist(PlaylistConfig p) {
  p = programme_.put_local_playlist(std::move(p));
  replan();
  return p;
}

void Controller::remove_playlist(const std::string& id) {
  programme_.remove_local_playlist(id);
}

}  // namespace loaxa
