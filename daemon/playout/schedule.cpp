#include "daemon/playout/schedule.hpp"

#include <filesystem>

#include "scheduler/local_time.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa {

using std::chrono::milliseconds;

store::ScheduleRecord schedule_record(const ScheduleConfig& s) {
  store::ScheduleRecord r;
  r.id = s.id;
  r.channel = s.channel;
  r.content_kind = content_kinds(s.content_kind);
  r.content = s.content;
  r.start = s.start;
  r.rrule = s.rrule;
  r.until = s.until;
  r.priority = s.priority;
  if (s.max_duration) r.max_duration_ms = s.max_duration->count();
  r.origin = origins(s.origin);
  return r;
}

ScheduleConfig schedule_from_record(const store::ScheduleRecord& r) {
  ScheduleConfig s;
  s.id = r.id;
  s.channel = r.channel;
  s.content_kind = content_kinds.at(r.content_kind, "schedule.content_kind");
  s.content = r.content;
  s.start = r.start;
  s.rrule = r.rrule;
  s.until = r.until;
  s.priority = r.priority;
  if (r.max_duration_ms) s.max_duration = milliseconds(*r.max_duration_ms);
  s.origin = origins.at(r.origin, "schedule.origin");
  return s;
}

ScheduleConfig schedule_from_manifest(const sync::ManifestSchedule& s,
                                      const store::InboxDecision* decision) {
  ScheduleConfig c;
  c.id = s.id;
  c.channel = s.channel;
  c.content_kind = content_kinds.at(s.content_kind, "schedule.content_kind");
  c.content = s.content;
  c.start = decision && decision->start ? *decision->start : s.start;
  c.rrule = decision && decision->rrule ? decision->rrule : s.rrule;
  c.until = s.until;
  c.exdates = s.exdates;
  c.priority = s.effective_priority();
  if (s.max_duration_ms) c.max_duration = milliseconds(*s.max_duration_ms);
  c.skip_holidays = s.skip_holidays;
  c.origin = Origin::province;
  return c;
}

scheduler::Rule schedule_rule(const ScheduleConfig& s) {
  scheduler::Rule r;
  r.id = s.id;
  r.channel = s.channel;
  r.content = s.content_kind == ContentKind::file
                  ? std::filesystem::path(s.content).filename().string()
                  : s.content;
  r.recurrence.dtstart = scheduler::parse_local_datetime(s.start);
  if (s.rrule) r.recurrence.rule = scheduler::parse_rrule(*s.rrule);
  for (const auto& t : s.exdates) {
    r.recurrence.exdates.push_back(scheduler::parse_local_datetime(t));
  }
  for (const auto& t : s.rdates) r.recurrence.rdates.push_back(scheduler::parse_local_datetime(t));
  if (s.until) r.until = scheduler::parse_date(*s.until);
  r.priority = s.priority;
  r.max_duration = s.max_duration;
  r.skip_holidays = s.skip_holidays;
  r.emergency = s.emergency;
  return r;
}

boost::json::object schedule_json(const ScheduleConfig& s) {
  boost::json::object o{{"id", s.id},
                        {"channel", s.channel},
                        {"content_kind", content_kinds(s.content_kind)},
                        {"content", s.content},
                        {"start", s.start},
                        {"rrule", s.rrule ? boost::json::value(*s.rrule) : nullptr},
                        {"until", s.until ? boost::json::value(*s.until) : nullptr},
                        {"priority", s.priority},
                        {"origin", origins(s.origin)},
                        {"emergency", s.emergency}};
  o["max_duration_s"] =
      s.max_duration ? boost::json::value(static_cast<double>(s.max_duration->count()) / 1000.0)
                     : nullptr;
  return o;
}

namespace {

template <typename Stored>
PlaylistConfig playlist_of(const Stored& p) {
  PlaylistConfig pc;
  pc.id = p.id;
  pc.title = p.title;
  pc.items = p.items;
  pc.durations = p.durations;
  return pc;
}

}  // namespace

PlaylistConfig playlist_from(const store::PlaylistRecord& p) {
  return playlist_of(p);
}
PlaylistConfig playlist_from(const sync::ManifestPlaylist& p) {
  return playlist_of(p);
}

store::PlaylistRecord playlist_record(const PlaylistConfig& p, Origin origin) {
  store::PlaylistRecord r;
  r.id = p.id;
  r.title = p.title;
  r.origin = origins(origin);
  r.items = p.items;
  r.durations = p.durations;
  return r;
}

boost::json::array playlist_items_json(const PlaylistConfig& p) {
  boost::json::array out;
  for (std::size_t k = 0; k < p.items.size(); ++k) {
    if (auto d = p.durations.find(k); d != p.durations.end()) {
      out.push_back(boost::json::object{{"media", p.items[k]},
                                        {"duration", scheduler::format_duration(d->second)}});
    } else {
      out.push_back(boost::json::string(p.items[k]));
    }
  }
  return out;
}

}  // namespace loaxa
