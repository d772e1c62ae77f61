#pragma once
// The playout controller: walks the planner's timeline, prepares each block ahead of
// its start on its channel, and keeps one airtime row per item (opened when its first
// sample sounds, closed when it ends). Runs on the daemon's io_context thread.

#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/playout/amplifier.hpp"
#include "daemon/playout/clock.hpp"
#include "daemon/playout/metrics.hpp"
#include "daemon/playout/programme.hpp"
#include "daemon/playout/recorder.hpp"
#include "player/channel.hpp"
#include "player/loudness.hpp"
#include "scheduler/planner.hpp"
#include "store/store.hpp"
#include "sync/manifest.hpp"

namespace loaxa {

// A relay, a microphone or a notice started by hand has no end of its own: it stops
// when the operator says so, or after this long if nobody does.
inline constexpr auto kOpenEndedCap = std::chrono::hours(4);

struct ControllerOptions {
  // When set, every audio channel renders to DIR/<channel>.s16le instead of its sink
  // (machines with no sound device: demos, CI).
  std::optional<std::filesystem::path> render_dir;
  // How long before its start a block is prepared (prerolled).
  std::chrono::milliseconds preroll_lead{2000};
  // Tests: a fake clock, and fake outputs instead of GStreamer channels.
  Clock* clock = nullptr;
  std::function<std::unique_ptr<player::Output>(const player::ChannelSettings&,
                                                player::ChannelListener&)>
      make_output;
};

class Controller : public player::ChannelListener {
 public:
  using NotFound = loaxa::NotFound;
  using Refused = loaxa::Refused;
  struct ManualStart {
    std::vector<std::string> ids;  // one schedule per channel
    std::string start;             // when it sounds (ISO 8601, local offset)
    std::string kind;              // media | playlist | stream | live
  };
  Controller(boost::asio::io_context& io, store::Store& store, Config config,
             ControllerOptions options);
  ~Controller() override;

  // Closes rows a crash left open, ingests the config's media, plans and arms timers.
  void start();
  // What would refuse a new, already validated config as a whole before anything
  // changes (SIGHUP): a new or changed channel whose sink or live source does not build.
  std::vector<std::string> check(const Config& next) const;
  // A new, validated and checked config (SIGHUP): channels, playlists and schedules.
  // Schedules naming a channel it no longer has stay, shown blocked, until it is back.
  void apply(Config config);
  // The outcome of the last reload, shown in status() under "reload".
  void set_reload_report(boost::json::object report) { reload_report_ = std::move(report); }
  // Fades out what plays, closes its rows as `stopped`, then calls `done`.
  void shutdown(std::function<void()> done);
  // Called about once a second: checkpoints, clock-jump detection.
  void tick();

  const Config& config() const { return config_; }
  const scheduler::Zone& zone() const { return zone_; }
  boost::json::object status() const;
  // Prometheus text: channel states, dead air, plays by status, start error histogram.
  void write_metrics(std::string& out) const;
  // Whether every channel's output pipeline runs (GET /readyz).
  bool channels_up() const;
  // The province's applied manifest (verified by the sync client): its priority (and,
  // with auto_accept_normal, normal) schedules join the plan, its playlists and
  // holidays with them. Replans.
  void set_province(const sync::Manifest& manifest);
  // The province's `normal` bulletins for this box's channels, each waiting, accepted or
  // rejected by the operator.
  boost::json::array inbox() const { return programme_.inbox(); }
  // Whether a channel is playing (or about to play) this media file right now.
  bool uses_file(const std::filesystem::path& file) const;
  // Whether any channel is airing a block now.
  bool on_air() const;
  // Accepts (optionally with another first start or rule) or rejects a `normal`
  // bulletin; replans. Throws std::invalid_argument (unknown id, bad start or rule).
  void decide(const std::string& schedule_id, bool accept, std::optional<std::string> start,
              std::optional<std::string> rrule, const std::string& by);
  // Where a province bulletin and one of the commune's own schedules meet on a channel
  // in the next `days` (Circular 39/2020: the commune orders them), each pair once: its
  // first meeting, and the order in force (the province's unless the commune chose).
  boost::json::array clashes(int days = 14);
  // The commune's order for such a pair (kept, applied by the planner); replans. Throws
  // std::invalid_argument naming the id that is not a province bulletin or not the
  // commune's own schedule.
  void order_clash(const std::string& province_id, const std::string& local_id, bool local_first,
                   const std::string& by);
  // Every order the commune chose, for the status the province reads.
  boost::json::array clash_orders() const;
  // Plays `content` (a media or playlist id, an http(s) URL, or "live" for the channel's
  // live_source) on `channels` about a second from now, above every schedule; with
  // `emergency`, on every audio channel when none is named, above everything, quiet
  // hours too, `repeat` times. Throws NotFound, Refused (the plan will not air it, and
  // why) or std::invalid_argument.
  ManualStart start_manual(std::vector<std::string> channels, const std::string& content,
                           bool emergency, int repeat, const std::string& text,
                           const std::string& by);
  // `stop --channel C`: whatever plays on C fades out (`stopped`) and manual blocks
  // there are forgotten. `emergency stop` (emergencies_only, every channel): the local
  // emergencies stop; province ones are the province's. Returns how many were stopped.
  int stop_manual(const std::string& channel, bool emergencies_only);
  // The operator's own schedules and playlists (database, origin "local"); each change
  // replans. Throw std::invalid_argument (bad field, named), NotFound, or Refused (id
  // taken, not this box's to change, still in use).
  ScheduleConfig add_schedule(ScheduleConfig s);
  void remove_schedule(const std::string& id);
  PlaylistConfig put_playlist(PlaylistConfig p);
  void remove_playlist(const std::string& id);
  std::vector<PlaylistConfig> playlists() const { return programme_.playlists(); }
  std::vector<ScheduleConfig> schedules() const { return programme_.schedules(); }
  bool media_in_use(const std::string& media_id) const { return programme_.media_in_use(media_id); }
  // The line kiosk screens scroll (`channel` empty: every screen), until `until` (none:
  // until replaced); empty text removes it. Kept across restarts. Throws NotFound or
  // std::invalid_argument.
  void set_ticker(const std::string& channel, const std::string& text,
                  std::optional<scheduler::Instant> until, const std::string& by);
  // The text of the running local emergency (kiosks show it), empty when none.
  const std::string& emergency_text() const { return emergency_text_; }
  // The planner's timeline over [from, to): what `schedule preview` shows and playout walks.
  scheduler::Timeline preview(scheduler::Instant from, scheduler::Instant to);

  void on_started(const std::string& channel, std::uint64_t token,
                  player::WallTime actual) override;
  void on_ended(const std::string& channel, std::uint64_t token, player::WallTime actual_end,
                player::EndStatus status, const std::string& error, bool started,
                const player::Evidence& evidence) override;

 private:
  struct Item {
    std::string media_id;
    std::string title;
    std::string topic;
    std::string playlist_id;
    std::filesystem::path file;
    std::chrono::milliseconds duration{0};
    double gain = 1.0;  // brings its loudness to the channel's target
    std::optional<player::Loudness> loudness;
    bool stream = false;  // `file` is the URL of a live relay
    bool image = false;   // a still: shows for `duration` (its own, or image_duration)
    // How long the playlist says this still shows (overrides the channel's image_duration).
    std::optional<std::chrono::milliseconds> still;
    std::optional<scheduler::Instant> not_before;  // a stream retried after a failure
    std::string error;  // why it cannot play; it still gets a `failed` row at its slot
  };
  // What the output is told a still shows for (zero for everything else).
  static std::chrono::milliseconds still_length(const Item& item) {
    return item.image ? item.duration : std::chrono::milliseconds(0);
  }
  // One timeline entry that is to air, copied out of the timeline.
  struct Planned {
    std::string schedule_id;
    std::string channel;
    scheduler::Instant planned_start{};
    scheduler::Instant start{};
    scheduler::Instant end{};
    std::chrono::milliseconds offset{0};  // resume position inside the block
    bool cut = false;                     // ends before the block's natural end
    bool preempted = false;               // ... because a higher priority takes the air
  };
  struct Block {
    Planned entry;
    std::vector<Item> items;
    std::size_t index = 0;
    scheduler::Instant item_planned{};
    std::chrono::milliseconds first_offset{0};  // where the first item starts (resume)
    std::chrono::milliseconds item_offset{0};   // where the current item started
    airtime::RowSource source = airtime::RowSource::schedule;
  };
  struct ChannelState {
    std::unique_ptr<player::Output> channel;
    std::optional<Block> block;
    std::uint64_t token = 0;
    // The block's next items, queued gaplessly behind the current one, in order: at
    // least one, and as many as fill kQueueAhead (short items each join the one before).
    std::deque<std::uint64_t> queued;
    std::optional<Block> next_block;  // the next block, its first item queued behind ours
    std::uint64_t next_block_token = 0;
    std::string row_id;
    scheduler::Instant row_start{};
    std::optional<airtime::RowStatus> end_status_override;  // e.g. preempted
    std::unique_ptr<Clock::Timer> cut_timer;
    // Blocks waiting for the channel to fall silent, earliest start first.
    std::vector<Planned> pending;
    // Items fading out under the next block (cut or pre-empted): their rows close when
    // the fade ends, while the next block already plays.
    struct Fading {
      std::string row_id;
      scheduler::Instant row_start{};
      airtime::RowStatus status;
    };
    std::map<std::uint64_t, Fading> fading;
    std::unique_ptr<Amplifier> amp;  // when the channel has amplifier commands
    std::unique_ptr<Clock::Timer> amp_off_timer;
  };

  void build_channels();
  // The ticker a kiosk shows now: the API's (until it expires), else the config's.
  std::string ticker_of(const std::string& channel) const;
  void apply_tickers();
  // One schedule per kiosk screen showing an emergency's words for `length`.
  std::vector<ScheduleConfig> kiosk_notices(const ScheduleConfig& emergency,
                                            const std::string& text,
                                            std::chrono::milliseconds length) const;
  void ingest_config();
  void replan();
  std::vector<scheduler::Rule> rules();
  std::vector<Item> resolve(ContentKind kind, const std::string& content,
                            const std::string& playlist_id);
  std::vector<Item> block_items(const ScheduleConfig& s);
  int rank_of(const std::string& schedule_id) const;
  // What a manual request's content names: live, stream, playlist or media.
  ContentKind content_kind_of(
      const std::string& content) const;  // emergency 1000, else its priority
  // Starts the earliest pending block of a channel that has fallen silent.
  void start_pending(ChannelState& cs);
  // Cuts what plays with a fade (status `preempted` or `stopped`); the next pending
  // block starts at its own time, under the fade.
  void cut(ChannelState& cs, airtime::RowStatus status, std::chrono::milliseconds fade,
           scheduler::Instant silent_at);
  void maybe_shutdown_done();
  // Switches the channel's amplifier on now, or off after amp_hold once it is silent.
  void amp_on(const std::string& channel, const std::string& why);
  void amp_idle(ChannelState& cs);
  // A relayed stream failed (or stalled, or sent dead air) inside its block: the
  // channel's fallback plays, then the stream is tried again.
  void relay_failed(ChannelState& cs, const std::string& error);
  void apply_gain(std::vector<Item>& items, const ChannelConfig& ch) const;
  void arm(const Planned& e);
  void begin_block(const Planned& e);
  void start_block(ChannelState& cs, const Planned& e);
  // The block an entry airs: its items, and where a resume starts inside them.
  std::optional<Block> prepare_block(const Planned& e);
  // Makes `block` the channel's: logs it, arms its cut. Its first item is played or
  // queued by the caller.
  void activate_block(ChannelState& cs, Block block);
  void queue_next_block(ChannelState& cs);
  // The length of what is queued behind the current item.
  std::chrono::milliseconds queued_ahead(const ChannelState& cs) const;
  void play_current(ChannelState& cs);
  // Queues the block's next items behind the one that plays (up to kQueueAhead of
  // them), and the next block's first item behind the block's last when it is due.
  void queue_next(ChannelState& cs);
  // The airtime fields of the block's current item (planned start included).
  store::AirtimeRow item_row(const ChannelState& cs, const Item& item) const;
  void log_unplayable(ChannelState& cs, const Item& item);
  // Logs `missed` for every block that should have started in [from, to) and has no row:
  // the box was off, or the clock jumped over it.
  void log_missed(scheduler::Instant from, scheduler::Instant to);
  player::SinkSpec sink_for(const ChannelConfig& ch) const;
  player::ChannelSettings settings_for(const Config& config, const ChannelConfig& ch) const;
  // The config of a channel, or null when the config no longer has it (a reload
  // removed it while something still plays or a schedule still names it).
  const ChannelConfig* channel_config(const std::string& name) const;
  // Its fade, or the default fade of a channel the config no longer has.
  std::chrono::milliseconds fade_of(const std::string& name) const;
  std::string key_of(const Planned& e) const;

  boost::asio::io_context& io_;
  std::unique_ptr<Clock> own_clock_;
  Clock& clock_;
  store::Store& store_;
  Config config_;
  ControllerOptions options_;
  scheduler::Zone zone_;
  Recorder recorder_;
  Programme programme_;
  std::map<std::string, ChannelState> channels_;
  std::map<std::string, Item> config_items_;  // by absolute path
  std::string emergency_text_;
  boost::json::object reload_report_;
  metrics::PlayCounters counters_;
  struct SavedTicker {          // the API's ticker (also in the database's meta table)
    std::string channel, text;  // channel "": every screen; text "": none
    std::optional<scheduler::Instant> until;
  };
  mutable std::optional<SavedTicker> ticker_saved_;
  std::vector<std::unique_ptr<Clock::Timer>> block_timers_;
  std::set<std::string> armed_;
  scheduler::Timeline timeline_;
  std::uint64_t next_token_ = 1;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::chrono::nanoseconds wall_minus_steady_{0};
  // Each open row's position now (row id -> ms played): the recorder keeps them.
  std::map<std::string, std::int64_t> positions() const;
  std::chrono::steady_clock::time_point last_replan_{};
};

}  // namespace loaxa
