// The controller's content: config media ingested into the store, schedules resolved
// into items, and the planner's rules built from the config.

#include <filesystem>

#include "common/log.hpp"
#include "daemon/library/ingest.hpp"
#include "daemon/playout/controller.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa {

namespace fs = std::filesystem;
using scheduler::Instant;
using std::chrono::milliseconds;

void Controller::ingest_config() {
  const fs::path media_dir = config_.box.state_dir / "media";
  std::vector<std::string> paths;
  for (const auto& p : config_.playlists) {
    for (const auto& item : p.items) {
      if (fs::path(item).is_absolute()) paths.push_back(item);
    }
  }
  for (const auto& s : config_.schedules) {
    if (s.content_kind == ContentKind::file) paths.push_back(s.content);
  }
  for (const auto& [name, ch] : config_.channels) {
    if (ch.chime) paths.push_back(ch.chime->string());
    if (ch.fallback) paths.push_back(ch.fallback->string());
  }
  std::map<std::string, Item> items;
  std::vector<store::PlaylistRecord> playlists;
  for (const auto& path : paths) {
    if (items.count(path)) continue;
    Item item;
    const auto r = ingest_file(store_, media_dir, path, "", "config");
    if (r.ok) {
      item.media_id = r.media.id;
      item.title = r.media.title;
      item.topic = r.media.topic;
      item.file = media_dir / r.media.file;
      item.duration = milliseconds(r.media.duration_ms.value_or(0));
      item.image = r.media.kind == "image";
      if (r.media.loudness_lufs && r.media.peak_db) {
        item.loudness = player::Loudness{*r.media.loudness_lufs, *r.media.peak_db};
      }
    } else {
      item.media_id = id_from_filename(path);
      item.title = fs::path(path).filename().string();
      item.error = r.error;
      log::error("ingest", r.error);
    }
    items[path] = item;
  }
  for (const auto& p : config_.playlists) {
    store::PlaylistRecord rec = playlist_record(p, Origin::config);
    for (auto& item : rec.items) {  // a file the config names becomes its media id
      if (items.count(item)) item = items[item].media_id;
    }
    playlists.push_back(rec);
  }
  config_items_ = std::move(items);
  store_.catalog().replace_playlists("config", playlists);
  std::vector<store::ScheduleRecord> schedules;
  for (const auto& s : config_.schedules) schedules.push_back(schedule_record(s));
  store_.catalog().replace_schedules("config", schedules);
}

std::vector<Controller::Item> Controller::resolve(ContentKind kind, const std::string& content,
                                                  const std::string& playlist_id) {
  std::vector<Item> out;
  if (kind == ContentKind::playlist) {
    for (const auto* pl : programme_.playlist_list()) {
      const auto& p = *pl;
      if (p.id != content) continue;
      for (std::size_t k = 0; k < p.items.size(); ++k) {
        const auto& entry = p.items[k];
        auto items = resolve(fs::path(entry).is_absolute() ? ContentKind::file : ContentKind::media,
                             entry, p.id);
        if (auto d = p.durations.find(k); d != p.durations.end()) {
          for (auto& item : items) item.still = d->second;  // used if it is a still
        }
        out.insert(out.end(), items.begin(), items.end());
      }
    }
  } else if (kind == ContentKind::file) {
    auto it = config_items_.find(content);
    Item item = it != config_items_.end() ? it->second : Item{};
    if (it == config_items_.end()) item.error = content + " was not ingested";
    item.playlist_id = playlist_id;
    out.push_back(item);
  } else if (kind == ContentKind::media) {
    Item item;
    item.media_id = content;
    item.playlist_id = playlist_id;
    if (auto m = store_.catalog().find_media(content)) {
      item.title = m->title;
      item.topic = m->topic;
      item.file = config_.box.state_dir / "media" / m->file;
      item.duration = milliseconds(m->duration_ms.value_or(0));
      item.image = m->kind == "image";
      if (m->loudness_lufs && m->peak_db) {
        item.loudness = player::Loudness{*m->loudness_lufs, *m->peak_db};
      }
    } else {
      item.error = "no media with id \"" + content +
                   "\" in the catalog (add it with `loaxa "
                   "media add`, or check the id)";
    }
    out.push_back(item);
  } else if (kind == ContentKind::notice) {  // a kiosk's full-screen emergency notice
    Item item;
    item.media_id = "notice";
    item.title = content;
    item.file = player::kNoticeItem + content;
    item.stream = true;  // lasts its block's window
    out.push_back(item);
  } else if (kind == ContentKind::live) {  // the channel's live_source: a microphone, a line in
    Item item;
    item.media_id = "live";
    item.title = "Trực tiếp / live";
    item.file = player::kLiveItem;
    item.stream = true;
    out.push_back(item);
  } else {  // stream: relayed live for its block's window (max_duration cuts it)
    Item item;
    item.media_id = content;
    item.title = content;
    item.file = content;
    item.stream = true;
    item.playlist_id = playlist_id;
    out.push_back(item);
  }
  return out;
}

std::vector<Controller::Item> Controller::block_items(const ScheduleConfig& s) {
  std::vector<Item> items;
  // A channel the config no longer has: the content alone (the block cannot air, but
  // preview shows how long it would be).
  const auto* found = channel_config(s.channel);
  const ChannelConfig ch = found ? *found : ChannelConfig{};
  if (ch.chime) {
    auto chime = resolve(ContentKind::file, ch.chime->string(), "");
    items.insert(items.end(), chime.begin(), chime.end());
  }
  auto content = resolve(s.content_kind, s.content, "");
  for (int i = 0; i < std::max(1, s.repeat); ++i)
    items.insert(items.end(), content.begin(), content.end());
  apply_gain(items, ch);
  for (auto& item : items) {
    if (item.image)
      item.duration = item.still.value_or(ch.image_duration);  // a still shows this long
  }
  return items;
}

void Controller::apply_gain(std::vector<Item>& items, const ChannelConfig& ch) const {
  for (auto& item : items) {
    if (item.loudness)
      item.gain = player::loudness_gain(*item.loudness, ch.target_lufs, ch.max_gain);
  }
}

void Controller::set_province(const sync::Manifest& m) {
  const auto summary = programme_.set_province(m);
  log::info("controller",
            "province manifest " + std::to_string(m.sequence) + ": " +
                std::to_string(summary.in_plan) + " schedule(s) in the plan, " +
                std::to_string(summary.waiting) + " normal bulletin(s) waiting for the operator, " +
                std::to_string(summary.skipped) + " for channels this box does not have, " +
                std::to_string(summary.emergencies) + " emergency block(s)");
  replan();
  // An emergency that left the manifest stops now.
  for (auto& [name, cs] : channels_) {
    if (!cs.block || cs.block->source != airtime::RowSource::emergency) continue;
    bool still = false;
    for (const auto* s : programme_.all())
      still = still || (s->emergency && s->id == cs.block->entry.schedule_id);
    if (still) continue;
    log::notice("controller", name + ": emergency " + cs.block->entry.schedule_id +
                                  " withdrawn by the province; stopping it");
    cs.block.reset();
    cs.end_status_override = airtime::RowStatus::stopped;
    cs.channel->stop(fade_of(name));
  }
}

std::vector<scheduler::Rule> Controller::rules() {
  std::vector<scheduler::Rule> out;
  for (const auto* sp : programme_.all()) {
    const auto& s = *sp;
    scheduler::Rule r = schedule_rule(s);
    const auto* ch = channel_config(s.channel);
    if (!ch) {
      r.unavailable = "kênh " + s.channel + " không còn trong cấu hình (channel " + s.channel +
                      " is no longer in the config; it airs again when the channel is back)";
    }
    r.policy = ch ? ch->resume_policy : scheduler::OverlapPolicy::resume;
    bool relay = false;
    for (const auto& item : block_items(s)) {
      r.duration += item.duration;
      relay = relay || item.stream;
    }
    // A relay lasts its window: max_duration (which the config requires of streams).
    if (relay && s.max_duration) r.duration = *s.max_duration;
    out.push_back(std::move(r));
  }
  return out;
}

scheduler::Timeline Controller::preview(Instant from, Instant to) {
  scheduler::PlanOptions options;
  options.holidays = programme_.holidays();
  for (const auto& [name, ch] : config_.channels) {
    for (const auto& q : ch.quiet_hours) options.quiet.push_back({name, q.from, q.to, q.text});
  }
  for (const auto& o : store_.catalog().clash_orders()) {
    if (o.local_first) options.first.emplace_back(o.local_id, o.province_id);
  }
  return scheduler::plan(rules(), options, zone_, from, to);
}

namespace {

// A province bulletin (not an emergency: those are above everything by law) or the
// commune's own schedule (its config or its operator's).
bool province_bulletin(const ScheduleConfig& s) {
  return s.origin == Origin::province && !s.emergency;
}
bool communes_own(const ScheduleConfig& s) {
  return s.origin == Origin::config || s.origin == Origin::local;
}

}  // namespace

boost::json::array Controller::clashes(int days) {
  std::map<std::string, const ScheduleConfig*> by_id;
  for (const auto* s : programme_.all()) by_id[s->id] = s;
  const auto orders = store_.catalog().clash_orders();
  const Instant now = clock_.now();
  const auto tl = preview(now, now + std::chrono::hours(24) * days);
  std::map<std::pair<std::string, std::string>, Instant> first_meeting;
  for (const auto& e : tl.entries) {
    for (const std::uint32_t x : {e.other, e.after}) {
      if (x == scheduler::TimelineEntry::kNone) continue;
      const auto a = by_id.find(tl.rule_of(e).id), b = by_id.find(tl.rules[x].id);
      if (a == by_id.end() || b == by_id.end()) continue;
      const ScheduleConfig* p = a->second;
      const ScheduleConfig* l = b->second;
      if (!province_bulletin(*p)) std::swap(p, l);
      if (!province_bulletin(*p) || !communes_own(*l)) continue;
      auto [it, fresh] = first_meeting.try_emplace({p->id, l->id}, e.start);
      if (!fresh) it->second = std::min(it->second, e.start);
    }
  }
  boost::json::array out;
  for (const auto& [pair, at] : first_meeting) {
    const auto& [pid, lid] = pair;
    boost::json::object o{{"province", pid},
                          {"province_content", by_id.at(pid)->content},
                          {"local", lid},
                          {"local_content", by_id.at(lid)->content},
                          {"channel", by_id.at(pid)->channel},
                          {"at", zone_.format_iso(at, false)},
                          {"first", "province"},
                          {"decided_at", ""},
                          {"decided_by", ""}};
    for (const auto& ord : orders) {
      if (ord.province_id != pid || ord.local_id != lid) continue;
      o["first"] = ord.local_first ? "local" : "province";
      o["decided_at"] = ord.decided_at;
      o["decided_by"] = ord.decided_by;
    }
    out.push_back(std::move(o));
  }
  return out;
}

void Controller::order_clash(const std::string& province_id, const std::string& local_id,
                             bool local_first, const std::string& by) {
  const ScheduleConfig *p = nullptr, *l = nullptr;
  for (const auto* s : programme_.all()) {
    if (s->id == province_id && province_bulletin(*s)) p = s;
    if (s->id == local_id && communes_own(*s)) l = s;
  }
  if (!p) {
    throw std::invalid_argument("province: \"" + province_id +
                                "\" is not a bulletin of the province in this box's plan "
                                "(emergencies always go first)");
  }
  if (!l) {
    throw std::invalid_argument("local: \"" + local_id +
                                "\" is not one of the commune's own schedules");
  }
  store_.catalog().set_clash_order(
      {province_id, local_id, local_first, zone_.format_iso(clock_.now()), by});
  log::notice("controller", "the commune orders " + (local_first ? local_id : province_id) +
                                " before " + (local_first ? province_id : local_id) + " (by " + by +
                                ")");
  replan();
}

boost::json::array Controller::clash_orders() const {
  boost::json::array out;
  for (const auto& o : store_.catalog().clash_orders()) {
    out.push_back({{"province", o.province_id},
                   {"local", o.local_id},
                   {"first", o.local_first ? "local" : "province"},
                   {"decided_at", o.decided_at},
                   {"decided_by", o.decided_by}});
  }
  return out;
}

bool Controller::uses_file(const fs::path& file) const {
  for (const auto& [name, cs] : channels_) {
    for (const auto* block :
         {cs.block ? &*cs.block : nullptr, cs.next_block ? &*cs.next_block : nullptr}) {
      if (!block) continue;
      for (const auto& item : block->items) {
        if (item.file == file) return true;
      }
    }
  }
  return false;
}

bool Controller::on_air() const {
  for (const auto& [name, cs] : channels_) {
    if (cs.block || !cs.channel->idle()) return true;
  }
  return false;
}

void Controller::decide(const std::string& schedule_id, bool accept,
                        std::optional<std::string> start, std::optional<std::string> rrule,
                        const std::string& by) {
  programme_.decide(schedule_id, accept, std::move(start), std::move(rrule), by);
  const sync::Manifest m = *programme_.province();
  set_province(m);
}

}  // namespace loaxa
