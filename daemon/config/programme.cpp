// Reading the [[playlist]] and [[schedule]] tables of loaxad's config: ids, items,
// what each schedule airs, and its times (RRULE, dates, validity).
#include <set>
#include <stdexcept>
#include <vector>

#include "common/id.hpp"
#include "daemon/config/playlist_item.hpp"
#include "daemon/config/read_parts.hpp"
#include "scheduler/local_time.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa::config_parts {
namespace {

bool looks_like_path(const std::string& item) {
  return item.find('/') != std::string::npos || item.find('.') != std::string::npos;
}

// What a [[schedule]] airs: exactly one of playlist (defined in this file), media, file
// (relative to the config) or stream (http/https).
void read_schedule_content(ConfigReader& r, const Config& c, const std::string& path,
                           ScheduleConfig& s) {
  int kinds = 0;
  for (const char* kind : {"playlist", "media", "file", "stream"}) {
    if (auto v = r.string(kind)) {
      ++kinds;
      s.content_kind = *content_kinds.parse(kind);
      s.content = *v;
    }
  }
  if (kinds != 1) {
    r.problem(r.line(), path + " needs exactly one of playlist, media, file or stream");
  } else if (s.content_kind == ContentKind::playlist) {
    bool found = false;
    for (const auto& p : c.playlists) found = found || p.id == s.content;
    if (!found) {
      r.problem(r.line_of("playlist"), path + ".playlist \"" + s.content +
                                           "\" is not defined by a [[playlist]] in this file");
    }
  } else if (s.content_kind == ContentKind::file) {
    s.content = config_path(c.file.parent_path(), s.content).string();
  } else if (s.content_kind == ContentKind::stream && !s.content.starts_with("http://") &&
             !s.content.starts_with("https://")) {
    r.problem(r.line_of("stream"), path + ".stream must be an http:// or https:// URL");
  }
}

// When it airs: start, rrule, until, exdate and rdate, each checked by the parser the
// planner uses, the value kept as written.
void read_schedule_times(ConfigReader& r, const std::string& path, ScheduleConfig& s) {
  auto checked = [&](const char* key, const std::string& value, auto parse) {
    try {
      parse(value);
      return true;
    } catch (const std::invalid_argument& e) {
      r.problem(r.line_of(key), path + "." + key + ": " + e.what());
      return false;
    }
  };
  if (auto v = r.string("start", true)) {
    if (checked("start", *v, scheduler::parse_local_datetime)) s.start = *v;
  }
  if (auto v = r.string("rrule")) {
    if (checked("rrule", *v, scheduler::parse_rrule)) s.rrule = *v;
  }
  if (auto v = r.string("until")) {
    if (checked("until", *v, scheduler::parse_date)) s.until = *v;
  }
  for (const char* key : {"exdate", "rdate"}) {
    if (auto list = r.strings(key)) {
      for (const auto& t : *list) {
        if (checked(key, t, scheduler::parse_local_datetime)) {
          (std::string(key) == "exdate" ? s.exdates : s.rdates).push_back(t);
        }
      }
    }
  }
}

}  // namespace

void read_playlists(ConfigReader& top, Config& c, std::vector<ConfigProblem>& problems) {
  const toml::array* arr = top.array("playlist");
  if (!arr) return;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& n = *arr->get(i);
    const std::string path = "playlist[" + std::to_string(i) + "]";
    if (!n.is_table()) {
      top.problem(line_of(n), path + " must be a table ([[playlist]])");
      continue;
    }
    ConfigReader r(*n.as_table(), path, problems, top.file());
    PlaylistConfig p;
    p.line = r.line();
    p.id = r.string("id", true).value_or("");
    if (!p.id.empty() && !valid_id(p.id)) {
      r.problem(r.line_of("id"), path + ".id \"" + p.id + "\" is not valid; " + kIdRule);
    }
    if (!p.id.empty() && !ids.insert(p.id).second) {
      r.problem(r.line_of("id"), path + ".id \"" + p.id + "\" is used by an earlier playlist");
    }
    p.title = r.string("title").value_or(p.id);
    // Each item: "id-or-path", or { media = "id-or-path", duration = "20s" } for a still
    // that shows longer or shorter than the channel's image_duration.
    if (const toml::array* items = r.array("items")) {
      for (std::size_t k = 0; k < items->size(); ++k) {
        auto item = read_playlist_item(r, *items->get(k), k);
        if (!item) continue;
        if (item->duration) p.durations[p.items.size()] = *item->duration;
        p.items.push_back(looks_like_path(item->media)
                              ? config_path(c.file.parent_path(), item->media).string()
                              : item->media);
      }
    }
    if (p.items.empty()) r.problem(r.line(), path + ".items must list at least one item");
    r.finish();
    c.playlists.push_back(p);
  }
}

void read_schedules(ConfigReader& top, Config& c, std::vector<ConfigProblem>& problems) {
  const toml::array* arr = top.array("schedule");
  if (!arr) return;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& n = *arr->get(i);
    const std::string path = "schedule[" + std::to_string(i) + "]";
    if (!n.is_table()) {
      top.problem(line_of(n), path + " must be a table ([[schedule]])");
      continue;
    }
    ConfigReader r(*n.as_table(), path, problems, top.file());
    ScheduleConfig s;
    s.line = r.line();
    s.id = r.string("id").value_or("config-" + std::to_string(i + 1));
    if (!valid_id(s.id)) {
      r.problem(r.line_of("id"), path + ".id \"" + s.id + "\" is not valid; " + kIdRule);
    }
    if (!ids.insert(s.id).second) {
      r.problem(r.line_of("id"), path + ".id \"" + s.id + "\" is used by an earlier schedule");
    }
    s.channel = r.string("channel", true).value_or("");
    if (!s.channel.empty() && !c.channels.count(s.channel)) {
      r.problem(r.line_of("channel"), path + ".channel \"" + s.channel +
                                          "\" is not a configured channel ([channels." + s.channel +
                                          "] is missing)");
    }
    read_schedule_content(r, c, path, s);
    read_schedule_times(r, path, s);
    if (auto v = r.integer("priority", 0, 100)) s.priority = static_cast<int>(*v);
    s.max_duration = r.duration("max_duration");
    s.skip_holidays = r.boolean("skip_holidays").value_or(false);
    if (s.content_kind == ContentKind::stream && !s.max_duration) {
      r.problem(r.line(), path + ": a stream needs max_duration (e.g. \"30m\")");
    }
    r.finish();
    c.schedules.push_back(s);
  }
}

}  // namespace loaxa::config_parts
