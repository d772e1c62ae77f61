// The controller's side of the airtime log: the row of an item, rows for what could not
// play or was missed while the box was down, and where each open row has got to. The
// recorder (recorder.cpp) writes them.

#include "common/log.hpp"
#include "daemon/playout/controller.hpp"

namespace loaxa {

namespace {

using airtime::RowSource;
using airtime::RowStatus;
using scheduler::Instant;

}  // namespace

store::AirtimeRow Controller::item_row(const ChannelState& cs, const Item& item) const {
  store::AirtimeRow row;
  row.box_id = config_.box.id;
  row.channel = cs.channel->name();
  row.media_id = item.media_id;
  row.title = item.title;
  row.topic = item.topic;
  row.playlist_id = item.playlist_id;
  row.schedule_id = cs.block->entry.schedule_id;
  row.source = cs.block->source;
  row.planned_start = zone_.format_iso(cs.block->item_planned);
  row.clock_synced = clock_.synchronized();
  if (row.source == RowSource::schedule) {  // what the planner meant to air of this item
    const Instant planned = cs.block->item_planned;
    const Instant end = item.stream ? cs.block->entry.end
                                    : std::min(planned + item.duration - cs.block->item_offset,
                                               cs.block->entry.end);
    row.planned_s = std::max(0.0, std::chrono::duration<double>(end - planned).count());
    row.planned_ms = unix_ms(planned);
  }
  return row;
}

void Controller::log_unplayable(ChannelState& cs, const Item& item) {
  store::AirtimeRow row = item_row(cs, item);
  row.duration_s = 0.0;
  row.status = RowStatus::failed;
  row.error = item.error;
  recorder_.insert_closed(row, unix_ms(cs.block->item_planned));
  ++counters_.plays[{row.channel, std::string(airtime::row_status(row.status))}];
  log::error("player", cs.channel->name() + ": " + item.media_id + " failed: " + item.error);
}

void Controller::log_missed(Instant from, Instant to) {
  if (to <= from) return;
  const auto tl = preview(from, to);
  int missed = 0;
  for (const auto& e : tl.entries) {
    if (e.status != scheduler::EntryStatus::airs && e.status != scheduler::EntryStatus::cut) {
      continue;
    }
    if (e.offset.count() > 0 || e.start < from || e.start >= to) continue;
    const auto& rule = tl.rule_of(e);
    const std::string planned = zone_.format_iso(e.planned_start);
    if (store_.airtime().has_row(rule.id, planned)) continue;
    store::AirtimeRow row;
    row.box_id = config_.box.id;
    row.channel = rule.channel;
    row.media_id = rule.content;
    row.schedule_id = rule.id;
    row.source = RowSource::schedule;
    row.planned_start = planned;
    row.clock_synced = clock_.synchronized();
    row.planned_s = std::chrono::duration<double>(e.end - e.start).count();
    row.planned_ms = unix_ms(e.start);
    row.duration_s = 0.0;
    row.status = RowStatus::missed;
    row.error =
        "not aired: its start passed while the box was off or its clock was behind, "
        "more than the grace of " +
        scheduler::format_duration(config_.grace) + " ago";
    recorder_.insert_closed(row, unix_ms(e.planned_start));
    ++counters_.plays[{row.channel, std::string(airtime::row_status(row.status))}];
    ++missed;
  }
  if (missed > 0) {
    log::warning("controller", std::to_string(missed) + " block(s) missed between " +
                                   zone_.format_iso(from, false) + " and " +
                                   zone_.format_iso(to, false) + " were logged as missed");
  }
}

std::map<std::string, std::int64_t> Controller::positions() const {
  std::map<std::string, std::int64_t> now;
  const auto at = unix_ms(clock_.now());
  for (const auto& [name, cs] : channels_) {
    if (!cs.row_id.empty()) now[cs.row_id] = std::max<std::int64_t>(0, at - unix_ms(cs.row_start));
    for (const auto& [token, f] : cs.fading) {
      now[f.row_id] = std::max<std::int64_t>(0, at - unix_ms(f.row_start));
    }
  }
  return now;
}

}  // namespace loaxa
