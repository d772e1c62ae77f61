// Manual playout and local emergencies: what an operator starts by hand becomes a
// one-off schedule above the others (manual 900, emergency 1000), so the one planner
// decides the layers, the fades and the resumes, exactly as for scheduled blocks.

#include <algorithm>
#include <stdexcept>

#include "common/log.hpp"
#include "daemon/playout/controller.hpp"

namespace loaxa {

namespace fs = std::filesystem;
using scheduler::Instant;
using std::chrono::milliseconds;

namespace {

constexpr int kManualPriority = 900;
// How far ahead a manual start is placed: time to open and preroll the item.
constexpr auto kManualLead = std::chrono::milliseconds(1000);

}  // namespace

ContentKind Controller::content_kind_of(const std::string& content) const {
  if (content == "--live" || content == "live") return ContentKind::live;
  if (content.starts_with("http://") || content.starts_with("https://")) {
    return ContentKind::stream;
  }
  if (programme_.is_playlist(content)) return ContentKind::playlist;
  if (store_.catalog().find_media(content)) return ContentKind::media;
  throw NotFound("no media, playlist or stream \"" + content +
                 "\": give a media id (loaxa media list), a playlist id, an http(s):// URL, "
                 "or --live");
}

Controller::ManualStart Controller::start_manual(std::vector<std::string> channels,
                                                 const std::string& content, bool emergency,
                                                 int repeat, const std::string& text,
                                                 const std::string& by) {
  const bool every_channel = channels.empty();
  if (channels.empty()) {
    if (!emergency) throw std::invalid_argument("channel: say which channel plays");
    for (const auto& [name, ch] : config_.channels) {
      if (ch.kind == player::ChannelKind::audio) channels.push_back(name);
    }
  }
  for (const auto& c : channels) {
    if (!config_.channels.count(c)) throw NotFound("no channel \"" + c + "\" on this box");
  }
  if (repeat < 1 || repeat > 100) throw std::invalid_argument("repeat: give 1 to 100");
  const ContentKind kind = content_kind_of(content);
  for (const auto& c : channels) {
    if (kind == ContentKind::live && config_.channels.at(c).live_source.empty()) {
      throw std::invalid_argument("channel " + c +
                                  " has no live_source (a microphone input such as "
                                  "\"alsasrc device=hw:1\") in the config");
    }
  }
  const Instant now = clock_.now();
  // One-off blocks of yesterday are out of every plan.
  std::erase_if(programme_.manual(), [&](const ScheduleConfig& s) {
    return zone_.to_instant(scheduler::parse_local_datetime(s.start)) <
           now - std::chrono::hours(24);
  });
  // Local date-times have whole seconds: the next whole second at least a lead away.
  const scheduler::LocalSeconds local =
      zone_.to_local_seconds(now + kManualLead) + std::chrono::seconds(1);
  ManualStart out;
  out.start = zone_.format_iso(zone_.to_instant(local));
  out.kind = std::string(content_kinds(kind));
  const std::string tag = emergency ? "khan-cap-" : "phat-tay-";
  std::vector<ScheduleConfig> notices;
  for (const auto& c : channels) {
    ScheduleConfig s;
    s.id = tag + std::to_string(unix_ms(now)) + "-" + c;
    s.channel = c;
    s.content_kind = kind;
    s.content = kind == ContentKind::live ? "live" : content;
    s.start = scheduler::format_local_datetime(local);
    s.priority = kManualPriority;
    s.emergency = emergency;
    s.repeat = repeat;
    s.origin = Origin::manual;
    if (kind == ContentKind::live || kind == ContentKind::stream) s.max_duration = kOpenEndedCap;
    if (emergency && every_channel && notices.empty()) {
      // Kiosk screens show the words for as long as the loudspeakers sound it.
      milliseconds length{0};
      for (const auto& item : block_items(s)) length += item.duration;
      if (s.max_duration) length = *s.max_duration;
      notices = kiosk_notices(s, text, std::max(length, milliseconds(5000)));
    }
    programme_.manual().push_back(s);
    out.ids.push_back(s.id);
  }
  for (auto& n : notices) {
    programme_.manual().push_back(n);
    out.ids.push_back(n.id);
  }
  replan();
  // The plan may still refuse it (quiet hours refuse all but emergencies): say why.
  for (const auto& e : timeline_.entries) {
    const auto& rule = timeline_.rule_of(e);
    if (std::find(out.ids.begin(), out.ids.end(), rule.id) == out.ids.end()) continue;
    if (e.status == scheduler::EntryStatus::airs || e.status == scheduler::EntryStatus::cut) {
      continue;
    }
    const std::string why = timeline_.reason(e, zone_);
    std::erase_if(programme_.manual(), [&](const ScheduleConfig& s) {
      return std::find(out.ids.begin(), out.ids.end(), s.id) != out.ids.end();
    });
    replan();
    throw Refused("not played: " + why);
  }
  log::notice("controller", std::string(emergency ? "emergency" : "manual play") + " of " +
                                content + " on " + std::to_string(channels.size()) +
                                " channel(s) from " + out.start + " by " + by +
                                (text.empty() ? "" : ": " + text));
  if (emergency) emergency_text_ = text;
  return out;
}

int Controller::stop_manual(const std::string& channel, bool emergencies_only) {
  if (!channel.empty() && !config_.channels.count(channel)) {
    throw NotFound("no channel \"" + channel + "\" on this box");
  }
  // A stopped manual block ends now in the plan too (rather than vanishing from it), so
  // that what it pre-empted is planned to resume when its fade ends.
  const Instant now = clock_.now();
  std::set<std::string> stopped_ids;
  std::vector<std::string> never_started;
  for (auto& s : programme_.manual()) {
    if ((!channel.empty() && s.channel != channel) || (emergencies_only && !s.emergency)) continue;
    const Instant start = zone_.to_instant(scheduler::parse_local_datetime(s.start));
    const milliseconds fade = fade_of(s.channel);
    const auto played = std::chrono::duration_cast<milliseconds>(now + fade - start);
    if (s.max_duration && *s.max_duration <= played) continue;  // over already
    stopped_ids.insert(s.id);
    if (played.count() <= 0) {
      never_started.push_back(s.id);
    } else {
      s.max_duration = played;
    }
  }
  std::erase_if(programme_.manual(), [&](const ScheduleConfig& s) {
    return std::find(never_started.begin(), never_started.end(), s.id) != never_started.end();
  });
  int stopped = 0;
  for (auto& [name, cs] : channels_) {
    if (!channel.empty() && name != channel) continue;
    std::erase_if(cs.pending,
                  [&](const Planned& p) { return stopped_ids.count(p.schedule_id) > 0; });
    if (!cs.block) continue;
    // `stop --channel` stops whatever plays there; `emergency stop` only what it started.
    if (emergencies_only && !stopped_ids.count(cs.block->entry.schedule_id)) continue;
    const milliseconds fade = fade_of(name);
    if (cs.cut_timer) cs.cut_timer->cancel();
    log::notice("controller", name + ": " + cs.block->entry.schedule_id + " stopped by hand");
    cut(cs, airtime::RowStatus::stopped, fade, now + fade);
    ++stopped;
  }
  if (emergencies_only) emergency_text_.clear();
  // Manual blocks long over leave the plan.
  std::erase_if(programme_.manual(), [&](const ScheduleConfig& s) {
    const Instant start = zone_.to_instant(scheduler::parse_local_datetime(s.start));
    return s.max_duration && start + *s.max_duration < now - std::chrono::hours(1);
  });
  replan();
  return std::max(stopped, static_cast<int>(stopped_ids.size()));
}

}  // namespace loaxa
