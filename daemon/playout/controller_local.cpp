// The operator's own playlists and schedules, made through the API (the service cannot
// write its config): kept in the database (origin "local"), planned like the config's.

#include <algorithm>
#include <stdexcept>

#include "common/id.hpp"
#include "common/log.hpp"
#include "daemon/playout/controller.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa {

using std::chrono::milliseconds;

store::ScheduleRecord schedule_record(const ScheduleConfig& s) {
  store::ScheduleRecord r;
  r.id = s.id;
  r.channel = s.channel;
  r.content_kind = s.content_kind;
  r.content = s.content;
  r.start = s.start;
  r.rrule = s.rrule;
  r.until = s.until;
  r.priority = s.priority;
  if (s.max_duration) r.max_duration_ms = s.max_duration->count();
  return r;
}

void Controller::load_local() {
  local_playlists_.clear();
  for (const auto& p : store_.catalog().list_playlists("local")) {
    PlaylistConfig pc;
    pc.id = p.id;
    pc.title = p.title;
    pc.items = p.items;
    pc.durations = p.durations;
    local_playlists_.push_back(std::move(pc));
  }
  local_schedules_.clear();
  for (const auto& r : store_.catalog().list_schedules()) {
    if (r.origin != "local" || !config_.channels.count(r.channel)) continue;
    ScheduleConfig s;
    s.id = r.id;
    s.channel = r.channel;
    s.content_kind = r.content_kind;
    s.content = r.content;
    s.start = r.start;
    s.rrule = r.rrule;
    s.until = r.until;
    s.priority = r.priority;
    if (r.max_duration_ms) s.max_duration = milliseconds(*r.max_duration_ms);
    s.origin = "local";
    local_schedules_.push_back(std::move(s));
  }
}

void Controller::save_local() {
  std::vector<store::PlaylistRecord> lists;
  for (const auto& p : local_playlists_) {
    store::PlaylistRecord r;
    r.id = p.id;
    r.title = p.title;
    r.origin = "local";
    r.items = p.items;
    r.durations = p.durations;
    lists.push_back(std::move(r));
  }
  std::vector<store::ScheduleRecord> rows;
  for (const auto& s : local_schedules_) rows.push_back(schedule_record(s));
  store::sqlite::Transaction tx(store_.db());
  store_.catalog().replace_playlists("local", lists);
  store_.catalog().replace_schedules("local", rows);
  tx.commit();
}

bool Controller::id_taken(const std::string& id) const {
  for (const auto* s : all_schedules()) {
    if (s->id == id) return true;
  }
  for (const auto& p : config_.playlists) {
    if (p.id == id) return true;
  }
  for (const auto& p : province_playlists_) {
    if (p.id == id) return true;
  }
  for (const auto& p : local_playlists_) {
    if (p.id == id) return true;
  }
  return false;
}

ScheduleConfig Controller::add_schedule(ScheduleConfig s) {
  if (s.id.empty()) s.id = "lich-" + std::to_string(unix_ms(clock_.now()));
  if (!valid_id(s.id)) {
    throw std::invalid_argument(std::string("id: ") + kIdRule);
  }
  if (id_taken(s.id)) throw Refused("id \"" + s.id + "\" is taken; choose another");
  if (!config_.channels.count(s.channel)) {
    throw std::invalid_argument("channel: no channel \"" + s.channel + "\" on this box");
  }
  s.content_kind = content_kind_of(s.content);  // throws NotFound
  if (s.content_kind == "live") {
    throw std::invalid_argument("content: live input is started by hand, not scheduled");
  }
  if (s.content_kind == "stream" && !s.max_duration) {
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
  s.origin = "local";
  local_schedules_.push_back(s);
  save_local();
  replan();
  log::info("controller", "schedule " + s.id + " added on " + s.channel);
  return s;
}

void Controller::remove_schedule(const std::string& id) {
  auto it = std::find_if(local_schedules_.begin(), local_schedules_.end(),
                         [&](const ScheduleConfig& s) { return s.id == id; });
  if (it == local_schedules_.end()) {
    for (const auto* s : all_schedules()) {
      if (s->id == id) {
        throw Refused("schedule \"" + id + "\" comes from " +
                      (s->origin == "province" ? std::string("the province's manifest")
                                               : "the config file " + config_.file.string()) +
                      "; it cannot be deleted here");
      }
    }
    throw NotFound("no schedule \"" + id + "\"");
  }
  local_schedules_.erase(it);
  save_local();
  replan();
}

PlaylistConfig Controller::put_playlist(PlaylistConfig p) {
  if (!valid_id(p.id)) {
    throw std::invalid_argument(std::string("id: ") + kIdRule);
  }
  auto own = std::find_if(local_playlists_.begin(), local_playlists_.end(),
                          [&](const PlaylistConfig& l) { return l.id == p.id; });
  if (own == local_playlists_.end() && id_taken(p.id)) {
    throw Refused("id \"" + p.id + "\" is taken by the config, the province or a schedule");
  }
  if (p.items.empty()) throw std::invalid_argument("items: a playlist needs at least one media id");
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    if (!store_.catalog().find_media(p.items[i])) {
      throw NotFound("items[" + std::to_string(i) + "]: no media \"" + p.items[i] +
                     "\" in the library");
    }
  }
  if (own == local_playlists_.end()) {
    local_playlists_.push_back(p);
  } else {
    *own = p;
  }
  save_local();
  replan();
  return p;
}

void Controller::remove_playlist(const std::string& id) {
  auto it = std::find_if(local_playlists_.begin(), local_playlists_.end(),
                         [&](const PlaylistConfig& l) { return l.id == id; });
  if (it == local_playlists_.end()) throw NotFound("no playlist \"" + id + "\" made on this box");
  for (const auto* s : all_schedules()) {
    if (s->content_kind == "playlist" && s->content == id) {
      throw Refused("playlist \"" + id + "\" is used by schedule \"" + s->id +
                    "\"; delete that schedule first");
    }
  }
  local_playlists_.erase(it);
  save_local();
}

std::vector<PlaylistConfig> Controller::playlists() const {
  std::vector<PlaylistConfig> out = config_.playlists;
  out.insert(out.end(), province_playlists_.begin(), province_playlists_.end());
  out.insert(out.end(), local_playlists_.begin(), local_playlists_.end());
  return out;
}

std::vector<ScheduleConfig> Controller::schedules() const {
  std::vector<ScheduleConfig> out;
  for (const auto* s : all_schedules()) {
    if (s->origin != "manual") out.push_back(*s);
  }
  return out;
}

bool Controller::media_in_use(const std::string& media_id) const {
  for (const auto* s : all_schedules()) {
    if (s->content_kind == "media" && s->content == media_id) return true;
  }
  for (const auto& p : playlists()) {
    if (std::find(p.items.begin(), p.items.end(), media_id) != p.items.end()) return true;
  }
  return false;
}

}  // namespace loaxa
