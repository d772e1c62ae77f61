// The programme: schedules and playlists of every origin, the province's manifest made
// into schedules, the operator's inbox decisions and local edits.

#include "daemon/playout/programme.hpp"

#include <algorithm>
#include <boost/json/object.hpp>

#include "common/id.hpp"
#include "common/log.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa {

using scheduler::Instant;
using std::chrono::milliseconds;

std::string notice_text(const std::string& text) {
  return text.empty() ? "THÔNG BÁO KHẨN CẤP\nEMERGENCY" : "THÔNG BÁO KHẨN CẤP\n" + text;
}

Programme::Programme(store::Store& store, Clock& clock, const Config& config,
                     const scheduler::Zone& zone)
    : store_(store), clock_(clock), config_(config), zone_(zone) {}

std::vector<const ScheduleConfig*> Programme::all() const {
  std::vector<const ScheduleConfig*> out;
  for (const auto& s : config_.schedules) out.push_back(&s);
  for (const auto& s : province_schedules_) out.push_back(&s);
  for (const auto& s : local_schedules_) out.push_back(&s);
  for (const auto& s : manual_) out.push_back(&s);
  return out;
}

std::vector<ScheduleConfig> Programme::schedules() const {
  std::vector<ScheduleConfig> out;
  for (const auto* s : all()) {
    if (s->origin != Origin::manual) out.push_back(*s);
  }
  return out;
}

std::vector<const PlaylistConfig*> Programme::playlist_list() const {
  std::vector<const PlaylistConfig*> lists;
  for (const auto& p : config_.playlists) lists.push_back(&p);
  for (const auto& p : province_playlists_) lists.push_back(&p);
  for (const auto& p : local_playlists_) lists.push_back(&p);
  return lists;
}

std::vector<PlaylistConfig> Programme::playlists() const {
  std::vector<PlaylistConfig> out;
  for (const auto* p : playlist_list()) out.push_back(*p);
  return out;
}

bool Programme::is_playlist(const std::string& id) const {
  const auto lists = playlist_list();
  return std::any_of(lists.begin(), lists.end(),
                     [&](const PlaylistConfig* p) { return p->id == id; });
}

bool Programme::media_in_use(const std::string& media_id) const {
  for (const auto* s : all()) {
    if (s->content_kind == ContentKind::media && s->content == media_id) return true;
  }
  for (const auto* p : playlist_list()) {
    if (std::find(p->items.begin(), p->items.end(), media_id) != p->items.end()) return true;
  }
  return false;
}

bool Programme::id_taken(const std::string& id) const {
  for (const auto* s : all()) {
    if (s->id == id) return true;
  }
  return is_playlist(id);
}

void Programme::load_local() {
  local_playlists_.clear();
  for (const auto& p : store_.catalog().list_playlists("local")) {
    local_playlists_.push_back(playlist_from(p));
  }
  local_schedules_.clear();
  for (const auto& r : store_.catalog().list_schedules()) {
    if (r.origin != "local" || !config_.channels.count(r.channel)) continue;
    local_schedules_.push_back(schedule_from_record(r));
  }
}

void Programme::save_local() {
  std::vector<store::PlaylistRecord> lists;
  for (const auto& p : local_playlists_) lists.push_back(playlist_record(p, Origin::local));
  std::vector<store::ScheduleRecord> rows;
  for (const auto& s : local_schedules_) rows.push_back(schedule_record(s));
  store::sqlite::Transaction tx(store_.db());
  store_.catalog().replace_playlists("local", lists);
  store_.catalog().replace_schedules("local", rows);
  tx.commit();
}

void Programme::add_local(ScheduleConfig s) {
  s.origin = Origin::local;
  local_schedules_.push_back(std::move(s));
  save_local();
}

void Programme::remove_local_schedule(const std::string& id) {
  auto it = std::find_if(local_schedules_.begin(), local_schedules_.end(),
                         [&](const ScheduleConfig& s) { return s.id == id; });
  if (it == local_schedules_.end()) {
    for (const auto* s : all()) {
      if (s->id == id) {
        throw Refused("schedule \"" + id + "\" comes from " +
                      (s->origin == Origin::province ? std::string("the province's manifest")
                                                     : "the config file " + config_.file.string()) +
                      "; it cannot be deleted here");
      }
    }
    throw NotFound("no schedule \"" + id + "\"");
  }
  local_schedules_.erase(it);
  save_local();
}

PlaylistConfig Programme::put_local_playlist(PlaylistConfig p) {
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
  return p;
}

void Programme::remove_local_playlist(const std::string& id) {
  auto it = std::find_if(local_playlists_.begin(), local_playlists_.end(),
                         [&](const PlaylistConfig& l) { return l.id == id; });
  if (it == local_playlists_.end()) throw NotFound("no playlist \"" + id + "\" made on this box");
  for (const auto* s : all()) {
    if (s->content_kind == ContentKind::playlist && s->content == id) {
      throw Refused("playlist \"" + id + "\" is used by schedule \"" + s->id +
                    "\"; delete that schedule first");
    }
  }
  local_playlists_.erase(it);
  save_local();
}

Programme::ProvinceSummary Programme::set_province(const sync::Manifest& m) {
  if (!province_ || &*province_ != &m) province_ = m;
  province_playlists_.clear();
  for (const auto& p : m.playlists) province_playlists_.push_back(playlist_from(p));
  province_schedules_.clear();
  const bool accept_normal = config_.sync && config_.sync->auto_accept_normal;
  ProvinceSummary summary;
  for (const auto& s : m.schedules) {
    if (!config_.channels.count(s.channel)) {
      ++summary.skipped;  // a manifest serves boxes with different channels
      continue;
    }
    std::optional<store::InboxDecision> decision;
    if (s.level == "normal") {
      decision = store_.catalog().inbox_decision(s.id);
      if (decision && decision->decision == store::Decision::rejected) continue;
      if (!decision && !accept_normal) {
        ++summary.waiting;  // the operator decides (inbox)
        continue;
      }
    }
    province_schedules_.push_back(schedule_from_manifest(s, decision ? &*decision : nullptr));
  }
  add_emergencies(m, summary);
  holidays_.clear();
  for (const auto& d : m.holidays) holidays_.push_back(scheduler::parse_date(d));
  summary.in_plan = province_schedules_.size();
  return summary;
}

void Programme::add_emergencies(const sync::Manifest& m, ProvinceSummary& summary) {
  // Emergencies air at once on receipt (or at valid_from), until valid_until, on every
  // channel they name ("*": every loudspeaker). The start is remembered, so a restart
  // neither airs one twice nor forgets it.
  const Instant now = clock_.now();
  for (const auto& e : m.emergencies) {
    const Instant until{std::chrono::milliseconds(e.valid_until_ms)};
    if (until <= now) continue;
    const std::string key = "emergency." + std::to_string(m.sequence) + "." + e.id;
    Instant start;
    if (auto known = store_.meta(key)) {
      start = Instant{std::chrono::milliseconds(std::stoll(*known))};
    } else {
      start = std::max(Instant{std::chrono::milliseconds(e.valid_from_ms)},
                       Instant{std::chrono::ceil<std::chrono::seconds>(now.time_since_epoch())});
      store_.set_meta(key, std::to_string(unix_ms(start)));
    }
    for (const auto& [name, ch] : config_.channels) {
      const bool named = std::find(e.channels.begin(), e.channels.end(), name) != e.channels.end();
      const bool all = std::find(e.channels.begin(), e.channels.end(), "*") != e.channels.end();
      if (!named && !all) continue;
      ScheduleConfig c;
      c.id = e.id;
      c.channel = name;
      c.content_kind = ContentKind::media;
      c.content = e.media;
      if (ch.kind == player::ChannelKind::video) {
        // A screen shows a video or picture emergency, and the words of a spoken one.
        const auto media = store_.catalog().find_media(e.media);
        if (!media || media->kind == "audio") {
          c.content_kind = ContentKind::notice;
          c.content = notice_text(e.text);
        }
      }
      c.start = scheduler::format_local_datetime(
          std::chrono::floor<std::chrono::seconds>(zone_.to_local_seconds(start)));
      c.max_duration = std::chrono::duration_cast<milliseconds>(until - start);
      c.emergency = true;
      c.repeat = e.repeat;
      c.origin = Origin::province;
      province_schedules_.push_back(c);
      ++summary.emergencies;
    }
  }
}

boost::json::array Programme::inbox() const {
  boost::json::array out;
  if (!province_) return out;
  for (const auto& s : province_->schedules) {
    if (s.level != "normal" || !config_.channels.count(s.channel)) continue;
    const auto d = store_.catalog().inbox_decision(s.id);
    std::string title = s.content;
    for (const auto& p : province_->playlists) {
      if (p.id == s.content) title = p.title;
    }
    if (const auto* media = province_->find_media(s.content)) title = media->title;
    const bool auto_accepted = !d && config_.sync && config_.sync->auto_accept_normal;
    out.push_back(boost::json::object{{"id", s.id},
                                      {"channel", s.channel},
                                      {"title", title},
                                      {"content", s.content},
                                      {"start", d && d->start ? *d->start : s.start},
                                      {"rrule", d && d->rrule ? *d->rrule : s.rrule.value_or("")},
                                      {"state", d               ? store::decision_names(d->decision)
                                                : auto_accepted ? "accepted"
                                                                : "waiting"},
                                      {"decided_at", d ? d->decided_at : ""},
                                      {"decided_by", d ? d->decided_by : ""},
                                      {"sequence", province_->sequence}});
  }
  return out;
}

void Programme::decide(const std::string& schedule_id, bool accept,
                       std::optional<std::string> start, std::optional<std::string> rrule,
                       const std::string& by) {
  const sync::ManifestSchedule* found = nullptr;
  if (province_) {
    for (const auto& s : province_->schedules) {
      if (s.id == schedule_id && s.level == "normal") found = &s;
    }
  }
  if (!found) {
    throw NotFound("no province bulletin \"" + schedule_id +
                   "\" waits in the inbox (see `loaxa inbox`)");
  }
  if (start) scheduler::parse_local_datetime(*start);  // throws with what is wrong
  if (rrule) scheduler::parse_rrule(*rrule);
  store::InboxDecision d;
  d.schedule_id = schedule_id;
  d.decision = accept ? store::Decision::accepted : store::Decision::rejected;
  d.start = accept ? start : std::nullopt;
  d.rrule = accept ? rrule : std::nullopt;
  d.decided_at = zone_.format_iso(clock_.now());
  d.decided_by = by;
  store_.catalog().set_inbox_decision(d);
  log::notice("controller", "province bulletin " + schedule_id + " " +
                                std::string(store::decision_names(d.decision)) +
                                (by.empty() ? "" : " by " + by));
}

}  // namespace loaxa
