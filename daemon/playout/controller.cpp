#include "daemon/playout/controller.hpp"

#include <boost/json.hpp>
#include <filesystem>

#include "common/log.hpp"
#include "common/sha256.hpp"
#include "daemon/library/ingest.hpp"
#include "store/airtime_chain.hpp"

namespace loaxa {

namespace {

namespace fs = std::filesystem;
using airtime::RowSource;
using airtime::RowStatus;
using scheduler::Instant;
using std::chrono::milliseconds;

// How a play the channel ended closes its row.
RowStatus row_status_of(player::EndStatus status) {
  switch (status) {
    case player::EndStatus::completed:
      return RowStatus::completed;
    case player::EndStatus::stopped:
      return RowStatus::stopped;
    case player::EndStatus::failed:
      break;
  }
  return RowStatus::failed;
}

// Horizon of planning; it rolls forward on every replan.
constexpr auto kHorizon = std::chrono::hours(36);
constexpr auto kReplanEvery = std::chrono::hours(1);
// Timers are armed for the blocks that start this soon; the hourly replan arms the
// next ones. A rule every few seconds plans tens of thousands of blocks in the horizon,
// and arming each (a timer and a look in the log) held the event loop for seconds.
constexpr auto kArmAhead = 2 * kReplanEvery;
// A cut is handed to the channel this long before its fade begins, so the fade ends
// on the planned instant and the next block is placed there ahead of time.
constexpr auto kCutLead = std::chrono::milliseconds(300);
constexpr auto kClockJump = std::chrono::seconds(2);
// The next items of a block are queued on the channel from its first play and topped up
// as each starts, as many as fill this (and at least one), at most kMaxQueued: each must
// reach the mixer before its first sample is mixed, which the mixer does the pipeline's
// latency before the sink renders it, so an item queued only when the one before
// starts at the sink would be late after one shorter than that latency (a chime).
constexpr auto kQueueAhead = std::chrono::milliseconds(1500);
constexpr std::size_t kMaxQueued = 32;

}  // namespace

Controller::Controller(boost::asio::io_context& io, store::Store& store, Config config,
                       ControllerOptions options)
    : io_(io),
      own_clock_(options.clock ? nullptr : std::make_unique<AsioClock>(io)),
      clock_(options.clock ? *options.clock : *own_clock_),
      store_(store),
      config_(std::move(config)),
      options_(std::move(options)),
      zone_(config_.box.timezone),
      recorder_(store, clock_, config_, zone_),
      programme_(store, clock_, config_, zone_) {
  build_channels();
}

Controller::~Controller() = default;

player::SinkSpec Controller::sink_for(const ChannelConfig& ch) const {
  player::SinkSpec spec;
  spec.description = ch.sink;
  if (options_.render_dir) {
    spec.raw_file = *options_.render_dir /
                    (ch.name + (ch.kind == player::ChannelKind::video ? ".rgb" : ".s16le"));
  }
  return spec;
}

const ChannelConfig* Controller::channel_config(const std::string& name) const {
  auto it = config_.channels.find(name);
  return it == config_.channels.end() ? nullptr : &it->second;
}

milliseconds Controller::fade_of(const std::string& name) const {
  const auto* ch = channel_config(name);
  return ch ? ch->fade : ChannelConfig{}.fade;
}

player::ChannelSettings Controller::settings_for(const Config& config,
                                                 const ChannelConfig& ch) const {
  player::ChannelSettings settings;
  settings.name = ch.name;
  settings.kind = ch.kind;
  settings.sink = sink_for(ch);
  settings.volume = ch.volume;
  settings.dead_air = ch.dead_air;
  settings.rest_after = ch.rest_after;
  settings.connect_timeout = ch.connect_timeout;
  settings.stall_timeout = ch.stall_timeout;
  settings.live_source = ch.live_source;
  settings.width = ch.width;
  settings.height = ch.height;
  settings.framerate = ch.framerate;
  settings.image_duration = ch.image_duration;
  settings.idle_text = config.box.name.empty() ? config.box.id : config.box.name;
  settings.idle_slide = ch.idle_slide;
  if (!ch.audio_sink.empty()) {
    player::SinkSpec audio;
    audio.description = ch.audio_sink;
    if (options_.render_dir) audio.raw_file = *options_.render_dir / (ch.name + ".s16le");
    settings.audio_sink = audio;
  }
  return settings;
}

std::vector<std::string> Controller::check(const Config& next) const {
  std::vector<std::string> problems;
  if (options_.make_output) return problems;  // tests' fake outputs build anything
  for (const auto& [name, ch] : next.channels) {
    if (const auto* now = channel_config(name); now && *now == ch) continue;  // unchanged
    if (auto why = player::check_settings(settings_for(next, ch)); !why.empty()) {
      problems.push_back("channels." + name + ": " + why);
    }
  }
  return problems;
}

void Controller::build_channels() {
  for (const auto& [name, ch] : config_.channels) {
    const auto settings = settings_for(config_, ch);
    auto it = channels_.find(name);
    if (it != channels_.end()) {
      it->second.channel->update(settings);
      continue;
    }
    ChannelState cs;
    cs.channel = options_.make_output ? options_.make_output(settings, *this)
                                      : std::make_unique<player::Channel>(io_, settings, *this);
    if (!ch.on_air_command.empty() || !ch.off_air_command.empty()) {
      cs.amp = std::make_unique<Amplifier>(name, ch.on_air_command, ch.off_air_command);
    }
    channels_.emplace(name, std::move(cs));
    if (options_.render_dir && ch.kind == player::ChannelKind::video) {
      log::notice("controller",
                  "channel " + name + " renders to " +
                      (*options_.render_dir / (name + ".rgb")).string() + " (raw RGB frames, " +
                      std::to_string(ch.width) + "x" + std::to_string(ch.height) + " at " +
                      std::to_string(ch.framerate) + " fps) instead of \"" + ch.sink + "\"");
    } else if (options_.render_dir) {
      log::notice("controller", "channel " + name + " renders to " +
                                    (*options_.render_dir / (name + ".s16le")).string() +
                                    " (raw PCM, S16LE 48000 Hz mono) instead of \"" + ch.sink +
                                    "\"");
    }
  }
  apply_tickers();
  // Channels removed from the config are dropped once idle.
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (!config_.channels.count(it->first) && it->second.channel->idle()) {
      it = channels_.erase(it);
    } else {
      ++it;
    }
  }
}

void Controller::start() {
  const int closed = recorder_.recover([this](const std::string& start, std::int64_t pos) {
    try {
      return zone_.format_iso(scheduler::parse_iso_instant(start, zone_) + milliseconds(pos));
    } catch (const std::exception&) {
      return start;
    }
  });
  if (closed > 0) {
    log::warning("airtime", std::to_string(closed) +
                                " play(s) left open by an unclean stop were closed as interrupted");
  }
  ingest_config();
  programme_.load_local();
  if (auto last = store_.meta("last_alive")) {
    try {
      log_missed(scheduler::parse_iso_instant(*last, zone_), clock_.now() - config_.grace);
    } catch (const std::invalid_argument&) {
    }
  }
  recorder_.mark_alive();
  // Offline reports on a copy of the database name the box from these.
  store_.set_meta("box_id", config_.box.id);
  store_.set_meta("box_name", config_.box.name);
  store_.set_meta("timezone", config_.box.timezone);
  recorder_.apply_retention();
  wall_minus_steady_ = clock_.now().time_since_epoch() - clock_.steady_now().time_since_epoch();
  replan();
}

void Controller::apply(Config config) {
  config_ = std::move(config);
  zone_ = scheduler::Zone(config_.box.timezone);
  build_channels();
  ingest_config();
  // The province's schedules again for the channels the box has now (set_province
  // replans), or just the new plan.
  if (programme_.province()) {
    set_province(*programme_.province());
  } else {
    replan();
  }
}

std::string Controller::key_of(const Planned& e) const {
  std::string key = e.schedule_id + "@" + zone_.format_iso(e.planned_start, false);
  if (e.offset.count() > 0 || e.start != e.planned_start) {
    key += "+" + std::to_string(unix_ms(e.start));
  }
  return key;
}

void Controller::replan() {
  for (auto& t : block_timers_) t->cancel();
  block_timers_.clear();
  armed_.clear();
  last_replan_ = clock_.steady_now();
  const Instant now = clock_.now();
  timeline_ = preview(now - config_.grace, now + kHorizon);
  int armed = 0;
  for (const auto& e : timeline_.entries) {
    if (e.status != scheduler::EntryStatus::airs && e.status != scheduler::EntryStatus::cut) {
      continue;
    }
    // A block whose start passed within the grace starts late from its beginning; a
    // resumed part whose time is over is gone.
    if (e.offset.count() > 0 && e.end <= now) continue;
    if (e.start > now + kArmAhead) continue;
    Planned p;
    p.schedule_id = timeline_.rule_of(e).id;
    p.channel = timeline_.rule_of(e).channel;
    p.planned_start = e.planned_start;
    p.start = e.start;
    p.end = e.end;
    p.offset = e.offset;
    p.cut = e.status == scheduler::EntryStatus::cut;
    p.preempted = e.why == scheduler::Why::preempted;
    arm(p);
    ++armed;
  }
  log::info("controller", "planned " + std::to_string(timeline_.entries.size()) +
                              " block(s) in the next " + std::to_string(kHorizon.count()) + " h, " +
                              std::to_string(armed) + " to air in the next " +
                              std::to_string(kArmAhead.count()) + " h");
}

void Controller::arm(const Planned& e) {
  const std::string key = key_of(e);
  if (armed_.count(key)) return;
  // A block never airs twice: a row for this (schedule, planned start) means it did.
  bool aired = false;
  for (auto& [name, cs] : channels_) {
    if (cs.block && key_of(cs.block->entry) == key) aired = true;
  }
  // A resumed part (offset > 0) follows rows of its first part; only first parts are checked.
  if (aired || (e.offset.count() == 0 &&
                store_.airtime().has_row(e.schedule_id, zone_.format_iso(e.planned_start)))) {
    return;
  }
  armed_.insert(key);
  block_timers_.push_back(clock_.at(e.start - options_.preroll_lead, [this, e] {
    if (shutting_down_) return;
    // Woken long after its start: the wall clock jumped over it (tick() notices the jump,
    // logs it missed and re-plans). It does not air late by more than the grace.
    if (clock_.now() > e.start + config_.grace) return;
    begin_block(e);
  }));
  if (auto ch = config_.channels.find(e.channel);
      ch != config_.channels.end() && !ch->second.on_air_command.empty()) {
    block_timers_.push_back(clock_.at(e.start - ch->second.amp_lead, [this, e] {
      if (!shutting_down_) amp_on(e.channel, "block " + e.schedule_id + " is due");
    }));
  }
}

int Controller::rank_of(const std::string& schedule_id) const {
  for (const auto* s : programme_.all()) {
    if (s->id == schedule_id) return s->emergency ? 1000 : s->priority;
  }
  return 0;
}

void Controller::cut(ChannelState& cs, RowStatus status, milliseconds fade, Instant silent_at) {
  cs.block.reset();
  if (cs.token != 0 && !cs.row_id.empty()) {
    cs.fading[cs.token] = {cs.row_id, cs.row_start, status};
  } else {
    cs.end_status_override = status;
  }
  cs.row_id.clear();
  cs.channel->stop(fade, player::WallTime{silent_at.time_since_epoch()});
  if (!cs.fading.empty()) {
    cs.token = 0;
    start_pending(cs);
  }
}

void Controller::start_pending(ChannelState& cs) {
  if (cs.pending.empty() || shutting_down_) return;
  const Planned next = cs.pending.front();
  cs.pending.erase(cs.pending.begin());
  start_block(cs, next);
}

void Controller::begin_block(const Planned& e) {
  auto it = channels_.find(e.channel);
  if (it == channels_.end()) return;
  ChannelState& cs = it->second;
  amp_on(e.channel, "block " + e.schedule_id);
  if (cs.block || !cs.channel->idle()) {
    // What plays is cut at its planned end (a fade that ends there); this block starts
    // as soon as the channel is free. A block the plan did not expect (an emergency just
    // received, a province schedule just applied) that outranks what plays cuts it at
    // its own start.
    if (cs.block && cs.block->entry.end > e.start &&
        rank_of(e.schedule_id) > rank_of(cs.block->entry.schedule_id)) {
      const milliseconds fade = fade_of(e.channel);
      const std::string name = e.channel;
      if (cs.cut_timer) cs.cut_timer->cancel();
      const Instant silent = std::max(e.start, clock_.now() + fade + kCutLead);
      cs.cut_timer = clock_.at(silent - fade - kCutLead, [this, name, fade, silent] {
        auto it = channels_.find(name);
        if (it == channels_.end() || !it->second.block) return;
        auto& state = it->second;
        log::notice("controller",
                    name + ": " + state.block->entry.schedule_id + " pre-empted by " +
                        (state.pending.empty() ? "?" : state.pending.front().schedule_id));
        cut(state, RowStatus::preempted, fade, silent);
      });
    }
    auto at = std::find_if(cs.pending.begin(), cs.pending.end(),
                           [&](const Planned& p) { return p.start > e.start; });
    cs.pending.insert(at, e);
    return;
  }
  start_block(cs, e);
}

std::optional<Controller::Block> Controller::prepare_block(const Planned& e) {
  const ScheduleConfig* sched = nullptr;
  for (const auto* s : programme_.all()) {
    if (s->id == e.schedule_id) sched = s;
  }
  if (!sched) return std::nullopt;
  Block block;
  block.entry = e;
  block.items = block_items(*sched);
  if (sched->emergency) {
    block.source = RowSource::emergency;
  } else if (sched->origin == Origin::manual) {
    block.source = sched->content_kind == ContentKind::live ? RowSource::live : RowSource::manual;
  }
  block.item_planned = e.start;
  // Resuming: skip the items that already aired, then start inside the next one.
  milliseconds skip = e.offset;
  while (!block.items.empty() && block.index < block.items.size() &&
         block.items[block.index].duration.count() > 0 &&
         skip >= block.items[block.index].duration) {
    skip -= block.items[block.index].duration;
    block.index++;
  }
  block.first_offset = skip;
  return block;
}

void Controller::start_block(ChannelState& cs, const Planned& e) {
  auto block = prepare_block(e);
  if (!block) return;
  activate_block(cs, std::move(*block));
  play_current(cs);
}

void Controller::activate_block(ChannelState& cs, Block block) {
  const Planned e = block.entry;
  const Instant now = clock_.now();
  if (now > e.start) {
    log::warning("controller", "block " + key_of(e) + " starts late by " +
                                   std::to_string(unix_ms(now) - unix_ms(e.start)) +
                                   " ms (within the grace of " +
                                   scheduler::format_duration(config_.grace) + ")");
  }
  log::info("controller", "block " + key_of(e) + " on " + e.channel + ": " +
                              std::to_string(block.items.size()) + " item(s)");
  cs.block = std::move(block);
  if (e.cut) {
    // The fade ends where the plan cuts the block.
    const milliseconds fade = fade_of(e.channel);
    const std::string name = e.channel;
    const bool preempted = e.preempted;
    const Instant silent = e.end;
    cs.cut_timer = clock_.at(e.end - fade - kCutLead, [this, name, preempted, fade, silent] {
      auto it = channels_.find(name);
      if (it != channels_.end())
        cut(it->second, preempted ? RowStatus::preempted : RowStatus::stopped, fade, silent);
    });
  } else if (std::any_of(cs.block->items.begin(), cs.block->items.end(),
                         [](const Item& i) { return i.stream; })) {
    // A relay has no end of its own: its window closes it, with a fade, as completed.
    const milliseconds fade = fade_of(e.channel);
    const std::string name = e.channel;
    const Instant silent = e.end;
    cs.cut_timer = clock_.at(e.end - fade - kCutLead, [this, name, fade, silent] {
      auto it = channels_.find(name);
      if (it != channels_.end()) cut(it->second, RowStatus::completed, fade, silent);
    });
  }
}

void Controller::play_current(ChannelState& cs) {
  while (cs.block && cs.block->index < cs.block->items.size()) {
    const Item& item = cs.block->items[cs.block->index];
    if (item.error.empty()) break;
    log_unplayable(cs, item);  // keeps its slot in the log, the next item plays
    cs.block->index++;
  }
  if (!cs.block || cs.block->index >= cs.block->items.size()) {
    cs.block.reset();
    if (cs.cut_timer) cs.cut_timer->cancel();
    start_pending(cs);
    return;
  }
  const Item& item = cs.block->items[cs.block->index];
  cs.queued.clear();  // play() drops what was queued; their ends are reported as stopped
  cs.token = next_token_++;
  cs.end_status_override.reset();
  Instant at = std::max(cs.block->item_planned, clock_.now());
  if (item.not_before) at = std::max(at, *item.not_before);
  cs.block->item_offset = std::exchange(cs.block->first_offset, milliseconds(0));
  cs.channel->play(cs.token, item.file, player::WallTime{at.time_since_epoch()},
                   cs.block->item_offset, item.gain, still_length(item));
  queue_next(cs);  // and again as each one starts
}

milliseconds Controller::queued_ahead(const ChannelState& cs) const {
  milliseconds sum{0};
  for (std::size_t k = 0; k < cs.queued.size(); ++k) {
    const std::size_t i = cs.block->index + 1 + k;
    if (i < cs.block->items.size()) sum += cs.block->items[i].duration;
  }
  return sum;
}

void Controller::queue_next(ChannelState& cs) {
  while (cs.block && cs.next_block_token == 0 && !shutting_down_) {
    if (!cs.queued.empty() && (queued_ahead(cs) >= kQueueAhead || cs.queued.size() >= kMaxQueued)) {
      return;
    }
    const std::size_t next = cs.block->index + 1 + cs.queued.size();
    if (next >= cs.block->items.size()) {
      queue_next_block(cs);
      return;
    }
    const Item& item = cs.block->items[next];
    if (!item.error.empty()) return;  // logged at its slot when the one before ends
    if (item.stream) return;          // a relay connects when its turn comes, not seconds before
    cs.queued.push_back(next_token_++);
    cs.channel->queue(cs.queued.back(), item.file, item.gain, milliseconds(0), still_length(item));
  }
}

void Controller::queue_next_block(ChannelState& cs) {
  // The last item of a block that ends by itself, and the next block is due when it
  // ends (it waited for this one, or resumes after it): queued behind it, so it starts
  // on the next sample rather than after the channel has fallen silent.
  if (cs.pending.empty() || cs.next_block || cs.block->entry.cut) return;
  const Item& cur = cs.block->items[cs.block->index];
  if (cur.stream || cs.block->items.back().stream) return;  // its end is its cut, not a length
  const Instant expected_end =
      cs.block->item_planned + cur.duration - cs.block->item_offset + queued_ahead(cs);
  const Planned p = cs.pending.front();
  if (p.start > expected_end + milliseconds(5)) return;  // not yet due: it starts on time
  auto block = prepare_block(p);
  if (!block || block->index >= block->items.size()) return;
  const Item& first = block->items[block->index];
  if (!first.error.empty()) return;  // logged at its slot by the usual path
  cs.pending.erase(cs.pending.begin());
  cs.next_block_token = next_token_++;
  cs.channel->queue(cs.next_block_token, first.file, first.gain, block->first_offset,
                    still_length(first));
  cs.next_block = std::move(block);
}

void Controller::on_started(const std::string& channel, std::uint64_t token,
                            player::WallTime actual) {
  auto found = channels_.find(channel);
  if (found == channels_.end()) return;
  auto& cs = found->second;
  if (token != cs.token || !cs.block) return;
  const Item& item = cs.block->items[cs.block->index];
  store::AirtimeRow row = item_row(cs, item);
  const Instant start{actual.time_since_epoch()};
  row.actual_start = zone_.format_iso(start);
  row.id = uuid_v7();
  cs.row_id = row.id;
  recorder_.open(row, unix_ms(start));
  cs.row_start = start;
  const auto error_ms = unix_ms(start) - unix_ms(cs.block->item_planned);
  counters_.start_error[channel].observe(
      std::abs(std::chrono::duration<double>(start - cs.block->item_planned).count()));
  log::info("player", channel + ": started " + item.media_id + " at " + row.actual_start +
                          " (planned " + row.planned_start + ", " + std::to_string(error_ms) +
                          " ms)");
  queue_next(cs);
}

namespace {

store::PlayLevels levels_of(const player::Evidence& e) {
  store::PlayLevels l{e.rms_db, e.peak_db, e.silence_s, std::nullopt, std::nullopt};
  if (e.frames_rendered) l.frames_rendered = static_cast<std::int64_t>(*e.frames_rendered);
  if (e.frames_dropped) l.frames_dropped = static_cast<std::int64_t>(*e.frames_dropped);
  return l;
}

}  // namespace

void Controller::on_ended(const std::string& channel, std::uint64_t token,
                          player::WallTime actual_end, player::EndStatus status,
                          const std::string& error, bool started,
                          const player::Evidence& evidence) {
  auto found = channels_.find(channel);
  if (found == channels_.end()) return;
  auto& cs = found->second;
  if (auto f = cs.fading.find(token); f != cs.fading.end()) {
    const Instant end{actual_end.time_since_epoch()};
    const double secs = std::chrono::duration<double>(end - f->second.row_start).count();
    const RowStatus closing =
        status == player::EndStatus::stopped ? f->second.status : row_status_of(status);
    recorder_.close(f->second.row_id, zone_.format_iso(end), secs, closing, error,
                    levels_of(evidence));
    const std::string text(airtime::row_status(closing));
    ++counters_.plays[{channel, text}];
    log::info("player", channel + ": ended (" + text + ") at " + zone_.format_iso(end) + ", " +
                            std::to_string(secs).substr(0, 6) + " s");
    cs.fading.erase(f);
    if (!cs.block) start_pending(cs);
    amp_idle(cs);
    maybe_shutdown_done();
    return;
  }
  if (token != 0 && token == cs.next_block_token) {
    // The next block's first item never reached the air (it failed ahead of its turn,
    // or the block was stopped): the next block waits again, and starts the usual way.
    cs.next_block_token = 0;
    if (cs.next_block) cs.pending.insert(cs.pending.begin(), cs.next_block->entry);
    cs.next_block.reset();
    maybe_shutdown_done();
    return;
  }
  if (auto q = std::find(cs.queued.begin(), cs.queued.end(), token);
      token != 0 && q != cs.queued.end()) {
    // A next item never reached the air: it failed ahead of its turn, or the block was
    // stopped. A failure keeps its slot: logged when its turn comes. The channel drops
    // what was queued behind it (reported as stopped), and the block goes on from its
    // slot when the current item ends.
    const auto k = static_cast<std::size_t>(q - cs.queued.begin());
    if (status == player::EndStatus::failed && cs.block &&
        cs.block->index + 1 + k < cs.block->items.size()) {
      cs.block->items[cs.block->index + 1 + k].error = error;
    }
    cs.queued.erase(q, cs.queued.end());
    maybe_shutdown_done();
    return;
  }
  if (token != cs.token) return;
  const Instant end{actual_end.time_since_epoch()};
  RowStatus closing = row_status_of(status);
  if (cs.end_status_override && status == player::EndStatus::stopped) {
    closing = *cs.end_status_override;
  }
  const std::string status_text(airtime::row_status(closing));
  if (started && !cs.row_id.empty()) {
    const double secs = std::chrono::duration<double>(end - cs.row_start).count();
    recorder_.close(cs.row_id, zone_.format_iso(end), secs, closing, error, levels_of(evidence));
    ++counters_.plays[{channel, status_text}];
    log::info("player", channel + ": ended (" + status_text + ") at " + zone_.format_iso(end) +
                            ", " + std::to_string(secs).substr(0, 6) + " s" +
                            (error.empty() ? "" : ": " + error));
  } else if (cs.block) {
    Item item = cs.block->items[cs.block->index];
    item.error = error.empty() ? "stopped before it started" : error;
    log_unplayable(cs, item);
  }
  cs.row_id.clear();
  if (cs.block && status == player::EndStatus::failed && !shutting_down_) {
    relay_failed(cs, error);
  }
  if (cs.block && status != player::EndStatus::stopped && !shutting_down_) {
    const auto& item = cs.block->items[cs.block->index];
    cs.block->item_planned += item.duration - cs.block->item_offset;
    cs.block->index++;
    cs.block->item_planned = std::max(cs.block->item_planned, end);
    cs.block->item_offset = milliseconds(0);
    if (cs.next_block_token != 0 && status == player::EndStatus::completed && cs.next_block &&
        cs.block->index >= cs.block->items.size()) {
      // The next block was queued behind this one's last item: it is on air now.
      Block next = std::move(*cs.next_block);
      cs.next_block.reset();
      next.item_offset = std::exchange(next.first_offset, milliseconds(0));
      activate_block(cs, std::move(next));
      cs.token = std::exchange(cs.next_block_token, 0);
      cs.end_status_override.reset();
    } else if (!cs.queued.empty() && status == player::EndStatus::completed) {
      // Already queued behind it: it starts on the next sample, no call needed.
      cs.token = cs.queued.front();
      cs.queued.pop_front();
      cs.end_status_override.reset();
    } else {
      play_current(cs);
    }
  } else if (status == player::EndStatus::stopped) {
    cs.block.reset();
  }
  if (!cs.block) start_pending(cs);
  amp_idle(cs);
  maybe_shutdown_done();
}

void Controller::amp_on(const std::string& channel, const std::string& why) {
  auto it = channels_.find(channel);
  if (it == channels_.end() || !it->second.amp) return;
  it->second.amp_off_timer.reset();
  it->second.amp->switch_on(why);
}

void Controller::amp_idle(ChannelState& cs) {
  if (!cs.amp || !cs.amp->is_on() || cs.block || !cs.pending.empty() || !cs.channel->idle()) return;
  const std::string name = cs.channel->name();
  const auto* ch = channel_config(name);
  const auto hold = ch ? ch->amp_hold : milliseconds(0);
  cs.amp_off_timer = clock_.at(clock_.now() + hold, [this, name] {
    auto it = channels_.find(name);
    if (it == channels_.end()) return;
    auto& state = it->second;
    if (!state.block && state.pending.empty() && state.channel->idle()) state.amp->switch_off();
  });
}

void Controller::relay_failed(ChannelState& cs, const std::string& error) {
  const Item cur = cs.block->items[cs.block->index];
  if (!cur.stream || clock_.now() + std::chrono::seconds(1) >= cs.block->entry.end) return;
  const auto* found = channel_config(cs.channel->name());
  const ChannelConfig ch = found ? *found : ChannelConfig{};
  std::vector<Item> next;
  if (ch.fallback) {
    auto fb = resolve(ContentKind::file, ch.fallback->string(), "");
    apply_gain(fb, ch);
    next.insert(next.end(), fb.begin(), fb.end());
  }
  // Reconnection: the stream again after the fallback, or after 5 s without one.
  Item retry = cur;
  retry.error.clear();
  retry.not_before =
      clock_.now() + (next.empty() ? std::chrono::seconds(5) : std::chrono::seconds(0));
  next.push_back(retry);
  const auto at = cs.block->items.begin() + static_cast<std::ptrdiff_t>(cs.block->index + 1);
  cs.block->items.insert(at, next.begin(), next.end());
  log::warning("player",
               cs.channel->name() + ": relay of " + cur.title + " failed (" + error + "); " +
                   (ch.fallback ? "playing the fallback " + ch.fallback->filename().string() +
                                      ", then trying the stream again"
                                : "trying it again in 5 s (no fallback configured)"));
}

void Controller::maybe_shutdown_done() {
  if (shutting_down_ && shutdown_done_) {
    bool all_idle = true;
    for (auto& [n, state] : channels_) all_idle = all_idle && state.channel->idle();
    if (all_idle) std::exchange(shutdown_done_, nullptr)();
  }
}

void Controller::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  for (auto& [name, cs] : channels_) {
    cs.amp_off_timer.reset();
    if (cs.amp) cs.amp->switch_off();  // nothing will play: the relays open now
  }
  recorder_.mark_alive();
  for (auto& t : block_timers_) t->cancel();
  bool all_idle = true;
  for (auto& [name, cs] : channels_) {
    if (cs.cut_timer) cs.cut_timer->cancel();
    if (!cs.channel->idle()) {
      all_idle = false;
      cs.channel->stop(fade_of(name));
    }
  }
  if (all_idle) {
    done();
  } else {
    shutdown_done_ = std::move(done);
  }
}

void Controller::tick() {
  recorder_.tick(positions());
  apply_tickers();  // an API ticker that expired gives way to the config's
  const auto steady = clock_.steady_now();
  const auto offset = clock_.now().time_since_epoch() - steady.time_since_epoch();
  const auto drift = offset - wall_minus_steady_;
  if (drift > kClockJump || drift < -kClockJump) {
    log::warning("controller",
                 "the wall clock jumped by " +
                     std::to_string(std::chrono::duration_cast<milliseconds>(drift).count()) +
                     " ms; re-planning");
    wall_minus_steady_ = offset;
    if (drift > std::chrono::nanoseconds(0)) {  // what the jump skipped did not air
      const Instant now = clock_.now();
      log_missed(now - std::chrono::duration_cast<milliseconds>(drift), now - config_.grace);
    }
    replan();
  }
  wall_minus_steady_ = offset;
  for (auto& [name, cs] : channels_) {
    if (cs.amp) cs.amp->reap();
  }
  if (steady - last_replan_ > kReplanEvery) replan();
}

}  // namespace loaxa
