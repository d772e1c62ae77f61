#include "player/channel_parts.hpp"

namespace loaxa::player {

const char* to_string(EndStatus s) {
  switch (s) {
    case EndStatus::completed:
      return "completed";
    case EndStatus::stopped:
      return "stopped";
    case EndStatus::failed:
      return "failed";
  }
  return "failed";
}

Channel::Channel(boost::asio::io_context& io, ChannelSettings settings, ChannelListener& listener)
    : io_(io),
      settings_(std::move(settings)),
      listener_(listener),
      shared_(std::make_shared<Shared>(Shared{io, this})),
      timer_(io),
      rebuild_timer_(io) {
  gst::ensure_initialised();
  build();
}

Channel::~Channel() {
  shared_->owner = nullptr;
  try {
    timer_.cancel();
    rebuild_timer_.cancel();
    watch_timer_.cancel();
    rest_timer_.cancel();
    teardown();
  } catch (...) {  // nothing may leave a destructor; teardown() only stops GStreamer and logs
  }
}

void Channel::build() {
  ++generation_;
  pipeline_ = gst::ElementPtr(
      GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(("channel-" + settings_.name).c_str()))));
  if (video()) {
    build_video_output();
  } else {
    mixer_ = build_audio_output(settings_.sink, &live_);
  }
  // The pipeline's clock is the monotonic clock and its base time fixed: running time +
  // base is the moment a sample is rendered (plus the latency the sink is told).
  clock_ = gst::ClockPtr(GST_CLOCK(gst_object_ref_sink(
      g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_MONOTONIC, nullptr))));
  gst_pipeline_use_clock(GST_PIPELINE(pipeline_.get()), clock_.get());
  gst_element_set_start_time(pipeline_.get(), GST_CLOCK_TIME_NONE);
  base_ = gst_clock_get_time(clock_.get());
  gst_element_set_base_time(pipeline_.get(), base_);

  gst::BusPtr bus(gst_element_get_bus(pipeline_.get()));
  struct BusCtx {
    std::shared_ptr<Shared> shared;
    std::uint64_t generation;
  };
  gst_bus_set_sync_handler(
      bus.get(),
      [](GstBus*, GstMessage* msg, gpointer data) -> GstBusSyncReply {
        auto* ctx = static_cast<BusCtx*>(data);
        const auto type = GST_MESSAGE_TYPE(msg);
        if (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_WARNING ||
            type == GST_MESSAGE_ELEMENT || type == GST_MESSAGE_QOS) {
          std::shared_ptr<GstMessage> m(gst_message_ref(msg), gst::MessageUnref{});
          post_to(ctx->shared, ctx->generation, [m](Channel& c, std::uint64_t gen) {
            inject_fault("bus");
            if (gen == c.generation_) c.on_message(m.get());
          });
        }
        // A sync handler that drops a message owns it: without this unref every
        // message (and the element it names) of every play would stay alive.
        gst_message_unref(msg);
        return GST_BUS_DROP;
      },
      new BusCtx{shared_, generation_}, [](gpointer p) { delete static_cast<BusCtx*>(p); });

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The error on the bus says why (device busy or gone); it arrives through on_message.
    log::error("player", settings_.name + ": the sink does not start");
  }
  GstState state = GST_STATE_NULL;
  gst_element_get_state(pipeline_.get(), &state, nullptr, 5 * GST_SECOND);
  GstQuery* q = gst_query_new_latency();
  if (gst_element_query(pipeline_.get(), q)) {
    gboolean live = FALSE;
    GstClockTime min = 0, max = 0;
    gst_query_parse_latency(q, &live, &min, &max);
    latency_ = GST_CLOCK_TIME_IS_VALID(min) ? min : 0;
  }
  gst_query_unref(q);
  log::info("player", settings_.name + ": channel pipeline up, latency " +
                          std::to_string(static_cast<double>(latency_) / GST_MSECOND).substr(0, 5) +
                          " ms");
  rest_later();
}

void Channel::rest_later() {
  if (video() || settings_.rest_after.count() <= 0) return;
  rest_timer_.expires_after(settings_.rest_after);
  rest_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) rest();
  });
}

void Channel::rest() {
  // Events left (a cut planned for an item that had already ended) name items that are
  // gone: they do nothing whether it rests or not.
  if (resting_ || !pipeline_ || !live_[2] || !idle()) return;
  detach_drained();
  // Stopped from the source down while still linked and playing (a paused sink would
  // hold the mixer's last push, and the mixer's stop would wait for it), then taken off.
  for (GstElement* e : live_) gst_element_set_state(e, GST_STATE_NULL);
  gst_element_unlink(live_[3], master_);
  for (GstElement* e : live_) gst_bin_remove(GST_BIN(pipeline_.get()), e);
  live_ = {};
  mixer_ = nullptr;
  // The sink waits for data that does not come (a sound card's stream is paused).
  gst_element_set_state(pipeline_.get(), GST_STATE_PAUSED);
  resting_ = true;
  log::info("player", settings_.name + ": nothing to play for " +
                          std::to_string(settings_.rest_after.count() / 1000) +
                          " s; resting until the next item");
}

void Channel::wake() {
  if (!resting_) return;
  resting_ = false;
  gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
  try {
    mixer_ = add_mixer(master_, running_now(), live_);
  } catch (const std::exception& e) {
    schedule_rebuild(e.what());
    return;
  }
  for (auto it = live_.rbegin(); it != live_.rend(); ++it) gst_element_sync_state_with_parent(*it);
  log::info("player", settings_.name + ": awake for the next item");
}

void Channel::teardown() {
  // Each item as when it ends (pad released, branch stopped, removed), then the rest.
  auto items = std::move(items_);
  items_.clear();
  for (auto& [token, b] : items) detach(std::move(b));
  detach_drained();
  if (!pipeline_) return;
  gst::BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
  pipeline_.reset();
  mixer_ = master_ = audio_mixer_ = ticker_ = nullptr;
  live_ = {};
  resting_ = false;
}

void Channel::schedule_rebuild(const std::string& why) {
  log::error("player", settings_.name + ": output failed (" + why + "); reopening it");
  std::vector<std::uint64_t> tokens;
  for (auto& [token, b] : items_) tokens.push_back(token);
  const WallTime now = now_wall();
  for (auto t : tokens) finish(t, now, EndStatus::failed, "the output failed: " + why);
  drop_waiting(now, EndStatus::failed, "the output failed: " + why);
  events_.clear();
  teardown();
  ++generation_;
  const int n = std::min(rebuild_failures_++, 5);
  rebuild_timer_.expires_after(std::chrono::seconds(1 << n));  // 1, 2, 4 ... 32 s
  rebuild_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    try {
      build();
    } catch (const std::exception& e) {
      schedule_rebuild(e.what());
    }
  });
}

void Channel::update(ChannelSettings settings) {
  // What each item reads when it starts applies at once; what the pipeline is built
  // from (sink, size, idle slide) when the channel is silent: now, or after what plays.
  const bool rebuild = !(settings.sink == settings_.sink) || settings.kind != settings_.kind ||
                       settings.width != settings_.width || settings.height != settings_.height ||
                       settings.framerate != settings_.framerate ||
                       !(settings.audio_sink == settings_.audio_sink) ||
                       settings.idle_slide != settings_.idle_slide ||
                       settings.idle_text != settings_.idle_text || settings.font != settings_.font;
  settings_.volume = settings.volume;
  settings_.silence_db = settings.silence_db;
  settings_.dead_air = settings.dead_air;
  settings_.connect_timeout = settings.connect_timeout;
  settings_.stall_timeout = settings.stall_timeout;
  settings_.live_source = settings.live_source;
  settings_.image_duration = settings.image_duration;
  if (settings.rest_after != settings_.rest_after) {
    settings_.rest_after = settings.rest_after;
    if (settings_.rest_after.count() <= 0) {
      rest_timer_.cancel();
      wake();
    } else if (idle()) {
      rest_later();
    }
  }
  if (master_) g_object_set(master_, "volume", settings_.volume, nullptr);
  if (!rebuild) return;
  if (items_.empty() && waiting_.empty()) {
    settings_ = std::move(settings);
    pending_sink_ = false;
    teardown();
    try {
      build();
    } catch (const std::exception& e) {
      schedule_rebuild(e.what());  // checked before the reload; kept trying if it fails now
    }
    return;
  }
  pending_settings_ = std::move(settings);
  pending_sink_ = true;
}

GstClockTime Channel::running_now() const {
  const GstClockTime now = gst_clock_get_time(clock_.get());
  return now > base_ ? now - base_ : 0;
}

// The pipeline runs on the monotonic clock, so a wall-clock jump (NTP setting the time
// at boot) neither stalls it nor makes it race; wall instants are converted at the
// moment they are asked for.
gint64 Channel::wall_minus_mono() const {
  const gint64 now = (now_wall().time_since_epoch()).count() -
                     static_cast<gint64>(gst_clock_get_time(clock_.get()));
  // The same instant converts the same way (an item's end and the next one's start
  // are one instant); a jump or slewed drift past 5 ms is taken up.
  if (!have_offset_ || std::abs(now - wall_minus_mono_) > 5'000'000) {
    wall_minus_mono_ = now;
    have_offset_ = true;
  }
  return wall_minus_mono_;
}

WallTime Channel::rendered_at(GstClockTime rt) const {
  return WallTime{
      std::chrono::nanoseconds(static_cast<gint64>(base_ + rt + latency_) + wall_minus_mono())};
}

GstClockTime Channel::rt_for(WallTime at) const {
  const gint64 mono = at.time_since_epoch().count() - wall_minus_mono();
  const auto zero = static_cast<gint64>(base_ + latency_);
  return mono > zero ? static_cast<GstClockTime>(mono - zero) : 0;
}

void Channel::play(std::uint64_t token, const std::filesystem::path& file, WallTime at,
                   milliseconds offset, double gain, milliseconds still) {
  ++plays_;
  // What is not fading out stops now; what is queued is dropped.
  std::vector<std::uint64_t> stop_now;
  for (auto& [t, b] : items_) {
    if (!b->fading) stop_now.push_back(t);
  }
  const WallTime now = now_wall();
  for (auto t : stop_now) finish(t, now, EndStatus::stopped, "replaced by the next item");
  drop_waiting(now);
  if (pending_sink_ && items_.empty()) {
    settings_ = std::move(pending_settings_);
    pending_sink_ = false;
    teardown();
    build();
  }
  if (pipeline_) wake();
  if (!pipeline_) {
    boost::asio::post(io_, [this, s = shared_, token, now] {
      if (s->owner)
        listener_.on_ended(settings_.name, token, now, EndStatus::failed,
                           "the output is being reopened after a failure", false, {});
    });
    return;
  }
  const GstClockTime rt = std::max(rt_for(at), running_now() + kStartMargin);
  last_token_ = token;
  attach(token, file, rt, offset, gain, still);
}

void Channel::queue(std::uint64_t token, const std::filesystem::path& file, double gain,
                    milliseconds offset, milliseconds still) {
  if (pipeline_) wake();
  waiting_.push_back({token, file, gain, offset, still});
  auto it = items_.find(last_token_);
  if (it == items_.end()) {
    attach_waiting(running_now() + kStartMargin);  // nothing to follow: at once
  } else if (it->second->end_rt) {
    attach_waiting(*it->second->end_rt);
  }  // else when the last item's end is known (on_content_end)
}

void Channel::drop_waiting(WallTime now, EndStatus status, const std::string& error) {
  for (const auto& w : waiting_) {
    boost::asio::post(io_, [this, s = shared_, t = w.token, now, status, error] {
      if (s->owner) listener_.on_ended(settings_.name, t, now, status, error, false, {});
    });
  }
  waiting_.clear();
}

void Channel::attach_waiting(GstClockTime rt) {
  if (waiting_.empty() || !pipeline_) return;
  Waiting w = std::move(waiting_.front());
  waiting_.pop_front();
  if (auto prev = items_.find(last_token_); prev != items_.end() && prev->second->mixer_pad) {
    if (prev->second->video) {  // held again until the new one covers it
      g_object_set(prev->second->mixer_pad.get(), "repeat-after-eos", TRUE, nullptr);
    }
  }
  const bool behind = items_.count(last_token_) > 0;
  last_token_ = w.token;
  attach(w.token, w.file, std::max(rt, running_now() + kMinLead), w.offset, w.gain, w.still);
  if (auto it = items_.find(w.token); it != items_.end()) it->second->queued = behind;
}

void Channel::on_first_buffer(std::uint64_t token, GstClockTime offset, GstClockTime local) {
  auto it = items_.find(token);
  if (it == items_.end()) return;
  Branch& b = *it->second;
  b.offset = offset;
  b.first_rt = offset + local;
  const WallTime start = rendered_at(*b.first_rt);
  at(start, Kind::start, [this, token, start] {
    auto it = items_.find(token);
    if (it == items_.end() || it->second->started) return;
    it->second->started = true;
    it->second->started_at = start;
    listener_.on_started(settings_.name, token, start);
  });
  if (b.local_end) on_content_end(token, *b.local_end);
}

void Channel::on_content_end(std::uint64_t token, GstClockTime local) {
  auto it = items_.find(token);
  if (it == items_.end()) return;
  Branch& b = *it->second;
  if (!GST_CLOCK_TIME_IS_VALID(local)) {
    on_branch_error(b, "the file holds no audio samples");
    return;
  }
  b.local_end = local;
  if (!b.first_rt) return;  // placed once its first buffer says where
  const GstClockTime rt = b.offset + local;
  if (b.end_rt) return;
  b.end_rt = rt;
  if (b.stream && !b.fading) {
    // A relay that ends by itself ended early (the server went away, the broadcast
    // stopped): what it sent still sounds, then it counts as failed.
    const WallTime end = rendered_at(rt);
    at(end, Kind::end, [this, token, end] {
      finish(token, end, EndStatus::failed, "the stream ended before its block did", true);
    });
    return;
  }
  const WallTime end = rendered_at(rt);
  at(end, Kind::end, [this, token, end] { finish(token, end, EndStatus::completed, "", true); });
  // A picture nothing follows gives way to the idle slide on its last frame, not a
  // latency later when it is taken off.
  if (b.video && b.mixer_pad && token == last_token_ && waiting_.empty()) {
    g_object_set(b.mixer_pad.get(), "repeat-after-eos", FALSE, nullptr);
  }
  if (token == last_token_) attach_waiting(rt);
}

void Channel::on_branch_error(Branch& b, const std::string& error) {
  const std::uint64_t token = b.token;
  const bool was_last = token == last_token_;
  const bool ahead_of_its_turn = b.queued && !b.started;
  const WallTime now = now_wall();
  const std::uint64_t plays = plays_;
  finish(token, now, EndStatus::failed, error);
  // The listener hears of the failure in `finish` and may play what comes next there
  // (the controller plays the block's next item from the failed one's slot): then that
  // play, which dropped what waited, is the answer.
  if (plays_ != plays) return;
  if (ahead_of_its_turn) {
    // Queued behind another and failed before its turn: what was queued behind it is
    // dropped too, so nothing sounds in its place unasked (the controller goes on from
    // its slot when the item before it ends).
    drop_waiting(now);
    std::vector<std::uint64_t> behind;
    for (const auto& [t, other] : items_) {
      if (t > token && !other->started && !other->fading) behind.push_back(t);
    }
    for (auto t : behind) finish(t, now, EndStatus::stopped, "the item before it failed");
    last_token_ = items_.empty() ? 0 : items_.rbegin()->first;
    return;
  }
  // What was queued behind it plays at once.
  if (was_last) attach_waiting(running_now() + kStartMargin);
}

void Channel::on_message(GstMessage* msg) {
  GstObject* src = GST_MESSAGE_SRC(msg);
  auto from = [src](const Branch& b) {
    return src == GST_OBJECT(b.bin.get()) ||
           gst_object_has_as_ancestor(src, GST_OBJECT(b.bin.get()));
  };
  Branch* owner = nullptr;
  for (auto& [t, b] : items_) {
    if (from(*b)) owner = b.get();
  }
  // An item that ended and drains on the mixer has said all that counts.
  if (!owner && std::any_of(draining_.begin(), draining_.end(),
                            [&](const auto& d) { return from(*d.second); })) {
    return;
  }
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (!owner || !s || !gst_structure_has_name(s, "level")) return;
      if (owner->fading) return;  // the fade is not what the item sounded like
      // Weighted by the time each message covers (the last one of a file is shorter,
      // and one at EOS may cover nothing).
      guint64 duration = 0;
      if (!gst_structure_get_uint64(s, "duration", &duration) || duration == 0) return;
      const double seconds = static_cast<double>(duration) / GST_SECOND;
      const double rms = first_double(s, "rms");
      const double peak = first_double(s, "peak");
      owner->peak_db = std::max(owner->peak_db, peak);
      owner->power_sum += (std::isfinite(rms) ? std::pow(10.0, rms / 10.0) : 0.0) * seconds;
      owner->measured_s += seconds;
      if (rms >= settings_.silence_db) {
        owner->silent_run_s = 0.0;
        return;
      }
      owner->silence_s += seconds;
      owner->silent_run_s += seconds;
      const double limit = static_cast<double>(settings_.dead_air.count()) / 1000.0;
      if (owner->silent_run_s >= limit && owner->silent_run_s - seconds < limit) {
        ++dead_air_count_;
        log::warning("player", settings_.name +
                                   ": dead air: " + std::to_string(limit).substr(0, 4) +
                                   " s of silence in " + owner->file.string());
        if (owner->stream) on_branch_error(*owner, "dead air: the stream sent silence");
      }
      return;
    }
    case GST_MESSAGE_QOS: {
      // A late frame dropped: charged to the picture on top.
      GstFormat format = GST_FORMAT_UNDEFINED;
      guint64 processed = 0, dropped = 0;
      gst_message_parse_qos_stats(msg, &format, &processed, &dropped);
      if (format != GST_FORMAT_BUFFERS && format != GST_FORMAT_DEFAULT) return;
      Branch* top = nullptr;
      for (auto& [t, b] : items_) {
        if (b->video && b->started) top = b.get();
      }
      if (top) ++top->dropped;
      return;
    }
    case GST_MESSAGE_WARNING:
      log::warning("player", settings_.name + ": " + element_path(src) + ": " + message_text(msg));
      return;
    case GST_MESSAGE_ERROR: {
      const std::string text = message_text(msg);
      // Which element said it, and (GST_DEBUG_DUMP_DOT_DIR set) the whole graph as it
      // was: what a maintainer needs to read a sink or decoder failure from the field.
      log::warning("player", settings_.name + ": error from " + element_path(src) + ": " + text);
      GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
                                        ("loaxa-" + settings_.name + "-error").c_str());
      if (owner) {
        on_branch_error(*owner, text);
      } else if (src == GST_OBJECT(pipeline_.get()) ||
                 gst_object_has_as_ancestor(src, GST_OBJECT(pipeline_.get()))) {
        schedule_rebuild(text);  // the mixer or the sink: the channel itself
      }                          // else the last words of an item already taken off the mixer
      return;
    }
    default:
      return;
  }
}

void Channel::stop(milliseconds fade, std::optional<WallTime> silent_at) {
  const WallTime now = now_wall();
  // The mixer works on about `running_now()`; a fade must begin after that.
  const GstClockTime earliest = running_now() + 20 * GST_MSECOND;
  const auto fade_ns = static_cast<GstClockTime>(fade.count()) * GST_MSECOND;
  GstClockTime to_rt = silent_at ? rt_for(*silent_at) : earliest + fade_ns;
  to_rt = std::max(to_rt, earliest);
  const GstClockTime from_rt = std::max(earliest, to_rt > fade_ns ? to_rt - fade_ns : 0);
  const WallTime silent = rendered_at(to_rt);
  drop_waiting(now);
  // What the sink renders now (the mixer is a latency ahead of it, in step with a sink
  // that waits for the clock).
  const GstClockTime on_air =
      running_now() + kMixBuffer > latency_ ? running_now() + kMixBuffer - latency_ : 0;
  std::vector<std::uint64_t> now_tokens;
  for (auto& [t, b] : items_) {
    if (b->fading) continue;
    // On air: it fades. One that is not on air yet (the next items of a block, queued
    // on the mixer up to its latency ahead) never sounds: a fragment would air
    // without its row.
    const bool sounding = b->first_rt && *b->first_rt <= on_air;
    if (sounding && to_rt > from_rt) {
      fade_out(*b, from_rt, to_rt);
    } else if (sounding) {
      b->fading = true;
      const std::uint64_t token = b->token;
      at(silent, Kind::end,
         [this, token, silent] { finish(token, silent, EndStatus::stopped, ""); });
    } else {
      now_tokens.push_back(t);
    }
  }
  for (auto t : now_tokens) finish(t, now, EndStatus::stopped, "");
}

void Channel::fade_out(Branch& b, GstClockTime from_rt, GstClockTime to_rt) {
  b.fading = true;
  // The volume element counts in the item's stream time: its position in the file.
  auto stream_time = [&](GstClockTime rt) {
    return rt > b.offset ? rt - b.offset + b.seek : b.seek;
  };
  if (!b.volume) {  // a picture with no sound: cut where the fade would end
    const std::uint64_t token = b.token;
    const WallTime end = rendered_at(to_rt);
    at(end, Kind::end, [this, token, end] { finish(token, end, EndStatus::stopped, ""); });
    return;
  }
  GstControlSource* cs = gst_interpolation_control_source_new();
  g_object_set(cs, "mode", GST_INTERPOLATION_MODE_LINEAR, nullptr);
  auto* tv = GST_TIMED_VALUE_CONTROL_SOURCE(cs);
  gst_timed_value_control_source_set(tv, stream_time(from_rt), b.gain);
  gst_timed_value_control_source_set(tv, stream_time(to_rt), 0.0);
  gst_object_add_control_binding(GST_OBJECT(b.volume), gst_direct_control_binding_new_absolute(
                                                           GST_OBJECT(b.volume), "volume", cs));
  gst_object_unref(cs);
  const std::uint64_t token = b.token;
  const WallTime end = rendered_at(to_rt);
  at(end, Kind::end, [this, token, end] { finish(token, end, EndStatus::stopped, "", true); });
}

void Channel::finish(std::uint64_t token, WallTime end, EndStatus status, const std::string& error,
                     bool drain) {
  auto it = items_.find(token);
  if (it == items_.end()) return;
  std::unique_ptr<Branch> b = std::move(it->second);
  items_.erase(it);
  const bool started = b->started;
  const Evidence evidence = b->evidence();
  // A play cut before its start timer fired still sounded if its first sample passed.
  WallTime actual_end = end;
  if (started && actual_end < b->started_at) actual_end = b->started_at;
  if (drain && !b->video && b->mixer_pad) {
    // The live mixer works just in time: it mixes a sample about when the sink renders
    // it, so the instant the last sample is rendered is also about when the mixer takes
    // it. Released then, a stall of the box (a busy core, a VM host) let the release win
    // and cut the item's tail (64-602 samples in the soak test with the daemon stopped
    // 30 ms at random moments). The pad holds only its end of stream now: kept for
    // kDrain, it is heard to its last sample; the row keeps its true end.
    draining_.emplace(token, std::move(b));
    at(end + kDrain, Kind::end, [this, token] { detach_drained(token); });
  } else {
    detach(std::move(b));
  }
  if (idle()) rest_later();
  listener_.on_ended(settings_.name, token, actual_end, status, error, started, evidence);
}

void Channel::detach_drained(std::optional<std::uint64_t> token) {
  if (token) {
    if (auto node = draining_.extract(*token)) detach(std::move(node.mapped()));
    return;
  }
  auto all = std::exchange(draining_, {});
  for (auto& [t, b] : all) detach(std::move(b));
}

void Channel::detach(std::unique_ptr<Branch> b) {
  if (!pipeline_) return;
  // Releasing the mixer's pad first wakes a streaming thread blocked on it.
  if (b->mixer_pad) gst_element_release_request_pad(mixer_, b->mixer_pad.get());
  if (b->audio_mixer_pad) gst_element_release_request_pad(audio_mixer_, b->audio_mixer_pad.get());
  // A branch stopped while it prerolls: the pipeline lost its state to the branch's
  // preroll and, once that is done, sets every child to PLAYING again from one of
  // GStreamer's threads. Locked, the branch is out of that change; set to NULL again
  // once removed, it stays NULL even if the change had already reached it. (Without
  // this, a SIGTERM during a preroll once left a branch PAUSED at its disposal, and
  // loaxad crashed on its way out.)
  gst_element_set_locked_state(b->bin.get(), TRUE);
  gst_element_set_state(b->bin.get(), GST_STATE_NULL);
  gst_bin_remove(GST_BIN(pipeline_.get()), b->bin.get());
  gst_element_set_state(b->bin.get(), GST_STATE_NULL);
}

// Once a second while a stream plays: no data for stall_timeout is a failure.
void Channel::watch_streams() {
  watch_timer_.expires_after(std::chrono::seconds(1));
  watch_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto now = static_cast<gint64>(gst_clock_get_time(clock_.get()));
    bool any = false;
    std::vector<std::uint64_t> stalled;
    for (auto& [t, b] : items_) {
      if (!b->stream) continue;
      any = true;
      const gint64 last = b->last_buffer->load();
      if (b->first_rt && !b->fading && last > 0 &&
          now - last > static_cast<gint64>(settings_.stall_timeout.count()) * GST_MSECOND) {
        stalled.push_back(t);
      }
    }
    for (auto t : stalled) {
      auto it = items_.find(t);
      if (it == items_.end()) continue;
      on_branch_error(*it->second,
                      "the stream stalled: no data for " +
                          std::to_string(settings_.stall_timeout.count() / 1000.0).substr(0, 4) +
                          " s");
    }
    if (any) watch_streams();
  });
}

void Channel::at(WallTime when, Kind kind, std::function<void()> fn) {
  // Kept on the pipeline's (monotonic) clock: a wall-clock jump moves no event.
  const gint64 mono = when.time_since_epoch().count() - wall_minus_mono();
  events_.emplace(std::make_tuple(static_cast<GstClockTime>(std::max<gint64>(mono, 0)),
                                  static_cast<int>(kind), event_seq_++),
                  std::move(fn));
  arm();
}

void Channel::arm() {
  if (events_.empty()) {
    timer_.cancel();
    return;
  }
  const GstClockTime first = std::get<0>(events_.begin()->first);
  const GstClockTime now = gst_clock_get_time(clock_.get());
  timer_.expires_after(std::chrono::nanoseconds(first > now ? first - now : 0));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const GstClockTime now = gst_clock_get_time(clock_.get());
    while (!events_.empty() && std::get<0>(events_.begin()->first) <= now) {
      auto fn = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      fn();
    }
    arm();
  });
}

}  // namespace loaxa::player
