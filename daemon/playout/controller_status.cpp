// What `loaxa status` and GET /api/v1/status show of the controller.

#include <boost/json.hpp>
#include <filesystem>

#include "daemon/playout/controller.hpp"

namespace loaxa {

namespace fs = std::filesystem;
using scheduler::Instant;

boost::json::object Controller::status() const {
  namespace json = boost::json;
  json::object out;
  out["box"] = {
      {"id", config_.box.id}, {"name", config_.box.name}, {"timezone", config_.box.timezone}};
  out["now"] = zone_.format_iso(clock_.now());
  out["clock"] = {{"synchronized", clock_.synchronized()}};
  // A local emergency running: its notice (kiosks show it; the UI puts it on top).
  json::array topics;
  for (const auto& [key, label] : config_.topics)
    topics.push_back({{"key", key}, {"label", label}});
  out["topics"] = std::move(topics);
  bool emergency_on_air = false;
  for (const auto& [name, cs] : channels_) {
    for (const auto& m : programme_.manual()) {
      emergency_on_air =
          emergency_on_air || (m.emergency && cs.block && cs.block->entry.schedule_id == m.id);
    }
  }
  if (emergency_on_air && !emergency_text_.empty()) {
    out["emergency"] = {{"text", emergency_text_}};
  }
  if (recorder_.waiting() > 0) {
    out["storage"] = {{"ok", false},
                      {"error", recorder_.storage_error()},
                      {"waiting_writes", recorder_.waiting()}};
  } else {
    out["storage"] = {{"ok", true}};
  }
  if (!reload_report_.empty()) out["reload"] = reload_report_;
  json::array chans;
  for (const auto& [name, cs] : channels_) {
    json::object c;
    c["name"] = name;
    c["kind"] =
        config_.channels.count(name) ? player::to_string(config_.channels.at(name).kind) : "audio";
    c["state"] = cs.channel->idle() ? "idle" : "playing";
    c["up"] = cs.channel->up();
    c["resting"] = cs.channel->resting();
    c["dead_air_count"] = static_cast<std::int64_t>(cs.channel->dead_air_count());
    if (c["kind"] == "video") c["ticker"] = ticker_of(name);
    if (cs.block && !cs.channel->idle() && cs.block->index < cs.block->items.size()) {
      const auto& item = cs.block->items[cs.block->index];
      c["now_playing"] = {{"media_id", item.media_id},
                          {"title", item.title},
                          {"schedule_id", cs.block->entry.schedule_id},
                          {"since", cs.row_id.empty() ? "" : zone_.format_iso(cs.row_start)}};
    } else {
      c["now_playing"] = nullptr;
    }
    json::array next;
    const Instant now = clock_.now();
    for (const auto& e : timeline_.entries) {
      const auto& rule = timeline_.rule_of(e);
      if (rule.channel != name || e.start <= now || next.size() >= 5) continue;
      next.push_back({{"start", zone_.format_iso(e.start, false)},
                      {"end", zone_.format_iso(e.end, false)},
                      {"schedule_id", rule.id},
                      {"content", rule.content},
                      {"status", scheduler::to_string(e.status)},
                      {"reason", timeline_.reason(e, zone_)}});
    }
    c["next"] = std::move(next);
    chans.push_back(std::move(c));
  }
  out["channels"] = std::move(chans);
  out["sync"] = config_.sync ? json::value{{"url", config_.sync->url}, {"state", "not built yet"}}
                             : json::value("not configured");
  // With a province: the commune's decisions on its normal bulletins (also for the hub).
  if (config_.sync) {
    out["inbox"] = inbox();
    out["clash_orders"] = clash_orders();
  }
  std::error_code ec;
  const auto space = fs::space(config_.box.state_dir, ec);
  out["disk"] = {{"state_dir", config_.box.state_dir.string()},
                 {"free_bytes", ec ? 0 : static_cast<std::int64_t>(space.available)},
                 {"total_bytes", ec ? 0 : static_cast<std::int64_t>(space.capacity)}};
  return out;
}

void Controller::write_metrics(std::string& out) const {
  metrics::family(out, "loaxa_channel_playing", "gauge", "1 while the channel airs something.");
  for (const auto& [name, cs] : channels_) {
    const auto it = config_.channels.find(name);
    metrics::sample(
        out, "loaxa_channel_playing",
        {{"channel", name},
         {"kind", it != config_.channels.end() ? player::to_string(it->second.kind) : ""}},
        cs.channel->idle() ? 0 : 1);
  }
  metrics::family(
      out, "loaxa_channel_up", "gauge",
      "1 while the channel's output pipeline runs (0: being reopened after a failure).");
  for (const auto& [name, cs] : channels_) {
    metrics::sample(out, "loaxa_channel_up", {{"channel", name}}, cs.channel->up() ? 1 : 0);
  }
  metrics::family(out, "loaxa_dead_air_total", "counter",
                  "Times a play fell silent for the channel's dead_air since start.");
  for (const auto& [name, cs] : channels_) {
    metrics::sample(out, "loaxa_dead_air_total", {{"channel", name}},
                    static_cast<double>(cs.channel->dead_air_count()));
  }
  counters_.write(out);
  metrics::family(out, "loaxa_storage_ok", "gauge",
                  "0 while the database refuses writes (full disk); log rows wait in memory.");
  metrics::sample(out, "loaxa_storage_ok", {}, recorder_.waiting() == 0 ? 1 : 0);
  metrics::family(out, "loaxa_waiting_writes", "gauge", "Airtime writes waiting for the disk.");
  metrics::sample(out, "loaxa_waiting_writes", {}, static_cast<double>(recorder_.waiting()));
}

bool Controller::channels_up() const {
  for (const auto& [name, cs] : channels_) {
    if (!cs.channel->up()) return false;
  }
  return true;
}

}  // namespace loaxa
