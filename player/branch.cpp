#include "player/channel_parts.hpp"

namespace loaxa::player {

namespace {

// Adds the elements to the bin and links them in order.
void add_chain(GstElement* bin, std::initializer_list<GstElement*> chain) {
  for (auto* e : chain) gst_bin_add(GST_BIN(bin), e);
  GstElement* prev = nullptr;
  for (auto* e : chain) {
    if (prev && !gst_element_link(prev, e)) {
      throw std::runtime_error(std::string("cannot link ") + GST_ELEMENT_NAME(prev) + " to " +
                               GST_ELEMENT_NAME(e));
    }
    prev = e;
  }
}

GstPad* add_ghost(GstElement* bin, GstElement* tail, const char* name) {
  gst::PadPtr target(gst_element_get_static_pad(tail, "src"));
  GstPad* ghost = gst_ghost_pad_new(name, target.get());
  gst_element_add_pad(bin, ghost);
  return ghost;
}

}  // namespace

// convert → resample → mixer caps → lookahead queue → volume (gain, fades) → level.
GstElement* Channel::build_audio_branch(Branch& b, GstElement* decode, bool live) {
  auto convert = gst::make_element("audioconvert");
  auto resample = gst::make_element("audioresample");
  auto caps = make_caps(kMixCaps);
  auto queue = gst::make_element("queue");
  auto volume = gst::make_element("volume");
  auto level = gst::make_element("level");
  g_object_set(queue.get(), "max-size-time", kLookahead, "max-size-buffers", 0u, "max-size-bytes",
               0u, nullptr);
  g_object_set(volume.get(), "volume", b.gain, nullptr);
  g_object_set(level.get(), "interval", kLevelInterval, "post-messages", TRUE, nullptr);
  add_chain(b.bin.get(),
            {convert.get(), resample.get(), caps.get(), queue.get(), volume.get(), level.get()});
  if (live && !gst_element_link(decode, convert.get())) {
    throw std::runtime_error("live_source \"" + settings_.live_source +
                             "\" gives no audio the channel can take");
  }
  b.audio_in = b.convert = convert.get();
  b.volume = volume.get();
  b.level = level.get();
  b.queue = queue.get();
  b.tail = level.get();
  b.ghost = add_ghost(b.bin.get(), level.get(), "src");
  return level.get();
}

// [imagefreeze] → convert → scale with black borders to the screen → caps → queue, and
// a video's sound to the channel's audio mixer (or dropped). A notice draws its words
// on the plain picture `decode` makes.
GstElement* Channel::build_video_branch(Branch& b, GstElement* decode, bool image, bool notice) {
  const std::string caps_text =
      "video/x-raw,format=I420,pixel-aspect-ratio=1/1,width=" + std::to_string(settings_.width) +
      ",height=" + std::to_string(settings_.height) +
      (image || notice ? ",framerate=" + std::to_string(settings_.framerate) + "/1" : "");
  auto convert = gst::make_element("videoconvert");
  auto scale = gst::make_element("videoscale");
  g_object_set(scale.get(), "add-borders", TRUE, nullptr);
  auto caps = make_caps(caps_text.c_str());
  auto queue = gst::make_element("queue");
  // About a second of decoded pictures, before they are scaled: the notice of an item's
  // end that lets the next one be attached in time (3 s of 1080p would be 230 MB), at
  // most 64 MB whatever the source's size.
  g_object_set(queue.get(), "max-size-time", GST_SECOND, "max-size-buffers", 0u, "max-size-bytes",
               64u << 20, nullptr);
  GstElement* first = convert.get();
  if (image) {
    auto freeze = gst::make_element("imagefreeze");
    g_object_set(freeze.get(), "num-buffers", static_cast<gint>(b.image_frames), nullptr);
    first = freeze.get();
    add_chain(b.bin.get(), {freeze.get(), queue.get(), convert.get(), scale.get(), caps.get()});
  } else if (notice) {
    auto words = gst::make_element("textoverlay");
    const std::string text = b.file.string().substr(std::string_view(kNoticeItem).size());
    g_object_set(
        words.get(), "text", text.c_str(), "wrap-mode", 2 /* word-char */, "auto-resize", FALSE,
        "font-desc",
        (settings_.font + " Bold " + std::to_string(std::max(10, settings_.height / 14))).c_str(),
        nullptr);
    gst_util_set_object_arg(G_OBJECT(words.get()), "halignment", "center");
    gst_util_set_object_arg(G_OBJECT(words.get()), "valignment", "center");
    gst_util_set_object_arg(G_OBJECT(words.get()), "line-alignment", "center");
    add_chain(b.bin.get(), {caps.get(), words.get(), convert.get(), scale.get(), queue.get()});
    if (!gst_element_link(decode, caps.get())) throw std::runtime_error("cannot draw the notice");
  } else {
    first = queue.get();
    add_chain(b.bin.get(), {queue.get(), convert.get(), scale.get(), caps.get()});
  }
  GstElement* tail = notice ? queue.get() : caps.get();
  b.video_in = first;
  b.queue = queue.get();
  b.tail = tail;
  b.ghost = add_ghost(b.bin.get(), tail, "src");
  if (notice || image) return tail;
  if (audio_mixer_) {
    auto aconvert = gst::make_element("audioconvert");
    auto resample = gst::make_element("audioresample");
    auto acaps = make_caps(kMixCaps);
    auto aqueue = gst::make_element("queue");
    auto volume = gst::make_element("volume");
    g_object_set(aqueue.get(), "max-size-time", kLookahead, "max-size-buffers", 0u,
                 "max-size-bytes", 0u, nullptr);
    g_object_set(volume.get(), "volume", b.gain, nullptr);
    add_chain(b.bin.get(),
              {aconvert.get(), resample.get(), acaps.get(), aqueue.get(), volume.get()});
    b.audio_in = aconvert.get();
    b.volume = volume.get();
    b.audio_ghost = add_ghost(b.bin.get(), volume.get(), "audio");
  } else {
    auto drop = gst::make_element("fakesink");
    g_object_set(drop.get(), "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(b.bin.get()), drop.get());
    b.drop = drop.get();
  }
  return tail;
}

void Channel::attach(std::uint64_t token, const std::filesystem::path& file, GstClockTime rt,
                     milliseconds offset, double gain, milliseconds still) {
  const bool live = file.string() == kLiveItem;
  const GstClockTime planned_rt = rt;
  if (live) rt = 0;  // see ProbeCtx::live_from
  auto b = std::make_unique<Branch>();
  b->token = token;
  b->file = file;
  b->offset = rt;
  b->seek = static_cast<GstClockTime>(offset.count()) * GST_MSECOND;
  b->gain = gain;
  const std::string name = "item" + std::to_string(token);
  try {
    b->bin = gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(gst_bin_new(name.c_str()))));
    const std::string text = file.string();
    gst::ElementPtr decode;
    if (live) {
      // The operator's microphone: the config's description, never the network's.
      if (settings_.live_source.empty()) {
        throw std::runtime_error("the channel has no live_source in the config");
      }
      GError* raw = nullptr;
      GstElement* source =
          gst_parse_bin_from_description(settings_.live_source.c_str(), TRUE, &raw);
      gst::ErrorPtr err(raw);
      if (!source) {
        throw std::runtime_error("live_source \"" + settings_.live_source +
                                 "\": " + (err ? err->message : "cannot be built"));
      }
      decode = gst::ElementPtr(GST_ELEMENT(gst_object_ref_sink(source)));
    } else if (text.starts_with(kNoticeItem)) {
      // A full-screen notice: a plain red picture the words are drawn on.
      decode = gst::make_element("videotestsrc");
      gst_util_set_object_arg(G_OBJECT(decode.get()), "pattern", "solid-color");
      g_object_set(decode.get(), "foreground-color", 0xffb71c1cu, nullptr);
    } else if (text.starts_with("http://") || text.starts_with("https://")) {
      // uridecodebin3 plugs hlsdemux2 for HLS; uridecodebin's hlsdemux crashed loaxad
      // in libsoup when a relay stopped with a fragment download in flight.
      decode = gst::make_element("uridecodebin3");
    } else {
      decode = gst::make_element("uridecodebin");
    }
    const bool notice = text.starts_with(kNoticeItem);
    b->stream = live || notice || text.starts_with("http://") || text.starts_with("https://");
    b->video = video();
    if (live || notice) {
      // Linked below, once the chain is in the bin.
    } else if (b->stream) {
      g_object_set(decode.get(), "uri", text.c_str(), nullptr);
      // The HTTP source gives up on a server that does not answer in time.
      g_signal_connect(
          decode.get(), "source-setup",
          G_CALLBACK(+[](GstElement*, GstElement* source, gpointer data) {
            const auto secs = GPOINTER_TO_UINT(data);
            if (g_object_class_find_property(G_OBJECT_GET_CLASS(source), "timeout")) {
              g_object_set(source, "timeout", secs, nullptr);
            }
          }),
          GUINT_TO_POINTER(static_cast<guint>(std::max<std::int64_t>(
              1, std::chrono::duration_cast<std::chrono::seconds>(settings_.connect_timeout)
                     .count()))));
    } else {
      GError* raw = nullptr;
      gst::CharPtr uri(gst_filename_to_uri(file.c_str(), &raw));
      gst::ErrorPtr err(raw);
      if (!uri) throw std::runtime_error("cannot play " + file.string() + ": " + err->message);
      g_object_set(decode.get(), "uri", uri.get(), nullptr);
    }
    gst_bin_add(GST_BIN(b->bin.get()), decode.get());
    if (b->video) {
      std::string ext = file.extension().string();
      for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const bool image = ext == ".png" || ext == ".jpg" || ext == ".jpeg";
      if (image) {
        // The still shows for its own duration (or image_duration) from where a
        // resume starts.
        const milliseconds shows = still.count() > 0 ? still : settings_.image_duration;
        b->seek = 0;
        b->image_frames = std::max<std::int64_t>(
            1, (shows - std::min(offset, shows)).count() * settings_.framerate / 1000);
      }
      build_video_branch(*b, decode.get(), image, notice);
    } else {
      build_audio_branch(*b, decode.get(), live);
    }
    if (!live && !notice) {
      // The decoder's pads join the chains when they appear; a file without what the
      // channel shows or sounds fails once the decoder says it has no more pads.
      auto* dctx = new DecodeCtx{shared_, generation_, token, b->audio_in, b->video_in, b->drop};
      g_signal_connect_data(
          decode.get(), "pad-added", G_CALLBACK(&Channel::on_decoder_pad), dctx,
          [](gpointer p, GClosure*) { delete static_cast<DecodeCtx*>(p); }, GConnectFlags{});
      g_signal_connect(decode.get(), "no-more-pads", G_CALLBACK(&Channel::on_no_more_pads), dctx);
    }

    // Before the lookahead queue: a resume starts at `seek` (the segment says so and the
    // mixer clips to it), and the item's exact end is seen seconds before it sounds.
    gst::PadPtr queue_sink(gst_element_get_static_pad(b->queue, "sink"));
    gst_pad_add_probe(queue_sink.get(), kBuffersAndEvents, &Channel::lookahead_probe,
                      new ProbeCtx(shared_, generation_, token, b->seek, rt), &delete_probe_ctx);

    // After the chain: the first buffer that reaches the mixer says when the item really
    // starts (moved later if it came too late); every buffer feeds the stall watch.
    auto* fctx = new ProbeCtx(shared_, generation_, token, b->seek, rt);
    fctx->clock = clock_.get();
    fctx->base = base_;
    fctx->ghost = b->ghost;
    fctx->audio_ghost = b->audio_ghost;
    fctx->last_buffer = b->last_buffer;
    if (b->video) fctx->frames = b->frames;
    if (live) fctx->live_from = planned_rt;
    gst::PadPtr tail_src(gst_element_get_static_pad(b->tail, "src"));
    gst_pad_add_probe(tail_src.get(), kBuffersAndEvents, &Channel::first_buffer_probe, fctx,
                      &delete_probe_ctx);
  } catch (const std::exception& e) {
    const std::string why = e.what();
    const WallTime now = now_wall();
    boost::asio::post(io_, [this, s = shared_, token, now, why] {
      if (s->owner)
        listener_.on_ended(settings_.name, token, now, EndStatus::failed, why, false, {});
    });
    return;
  }

  gst_bin_add(GST_BIN(pipeline_.get()), b->bin.get());
  b->mixer_pad = gst::PadPtr(gst_element_request_pad_simple(mixer_, "sink_%u"));
  if (b->video) {
    // Each item above the one before; its last frame stays until the next covers it or
    // it is taken off, so a late next item shows a held frame, never black.
    g_object_set(b->mixer_pad.get(), "zorder", static_cast<guint>(1 + token % 0xfffffff0u),
                 "repeat-after-eos", TRUE, nullptr);
  }
  gst::PadPtr src(gst_element_get_static_pad(b->bin.get(), "src"));
  gst_pad_set_offset(src.get(), static_cast<gint64>(rt));
  if (b->audio_ghost) {
    b->audio_mixer_pad = gst::PadPtr(gst_element_request_pad_simple(audio_mixer_, "sink_%u"));
    gst_pad_set_offset(b->audio_ghost, static_cast<gint64>(rt));
    gst_pad_link(b->audio_ghost, b->audio_mixer_pad.get());
  }
  if (gst_pad_link(src.get(), b->mixer_pad.get()) != GST_PAD_LINK_OK) {
    Branch& failed = *b;
    items_[token] = std::move(b);  // so that its failure is reported like any other
    on_branch_error(failed, "cannot link the item to the channel's mixer");
    return;
  }
  gst_element_sync_state_with_parent(b->bin.get());
  // Nothing came in time: the decoder hangs on a file it cannot read.
  const auto wait = b->stream ? settings_.connect_timeout : milliseconds(5000);
  const WallTime deadline = std::max(rendered_at(planned_rt), now_wall()) + wait;
  const bool stream = b->stream;
  at(deadline, Kind::end, [this, token, stream, wait] {
    auto it = items_.find(token);
    if (it != items_.end() && !it->second->first_rt) {
      const bool pictures = it->second->video;
      on_branch_error(*it->second, std::string(stream     ? "the stream sent nothing within "
                                               : pictures ? "no picture decoded within "
                                                          : "no audio decoded within ") +
                                       std::to_string(wait.count() / 1000.0).substr(0, 4) + " s");
    }
  });
  items_[token] = std::move(b);
  if (stream) watch_streams();
}

void Channel::on_decoder_pad(GstElement*, GstPad* pad, gpointer data) {
  auto* ctx = static_cast<DecodeCtx*>(data);
  GstCaps* c = gst_pad_get_current_caps(pad);
  if (!c) c = gst_pad_query_caps(pad, nullptr);
  const char* type = c ? gst_structure_get_name(gst_caps_get_structure(c, 0)) : "";
  GstElement* target = nullptr;
  if (g_str_has_prefix(type, "audio/")) {
    target = ctx->convert ? ctx->convert : ctx->drop;
  } else if (g_str_has_prefix(type, "video/")) {
    target = ctx->video;  // the picture of a video has no place on a loudspeaker
  }
  if (c) gst_caps_unref(c);
  if (!target) return;
  gst::PadPtr sink(gst_element_get_static_pad(target, "sink"));
  if (!gst_pad_is_linked(sink.get())) gst_pad_link(pad, sink.get());
}

void Channel::on_no_more_pads(GstElement*, gpointer data) {
  auto* ctx = static_cast<DecodeCtx*>(data);
  GstElement* needed = ctx->video ? ctx->video : ctx->convert;
  gst::PadPtr sink(gst_element_get_static_pad(needed, "sink"));
  if (gst_pad_is_linked(sink.get())) return;
  const bool video = ctx->video != nullptr;
  post_to(ctx->shared, ctx->generation, [token = ctx->token, video](Channel& c, std::uint64_t gen) {
    auto it = c.items_.find(token);
    if (gen != c.generation_ || it == c.items_.end()) return;
    c.on_branch_error(*it->second, video ? "the file has no picture (video or image)"
                                         : "the file has no audio stream");
  });
}

GstPadProbeReturn Channel::lookahead_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* ctx = static_cast<ProbeCtx*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
    const GstClockTime pts = GST_BUFFER_PTS(buf);
    const GstClockTime dur = GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0;
    if (ctx->seek > 0 && pts + dur <= ctx->seek) return GST_PAD_PROBE_DROP;
    ctx->last_end = running_time(ctx->segment, pts + dur);
    return GST_PAD_PROBE_OK;
  }
  GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT) {
    ctx->track_segment(ev);
    if (ctx->seek > 0 && ctx->segment.format == GST_FORMAT_TIME) {
      ctx->segment.start = std::max<guint64>(ctx->segment.start, ctx->seek);
      ctx->segment.time = ctx->segment.start;
      ctx->segment.position = ctx->segment.start;
      GstEvent* rewritten = gst_event_new_segment(&ctx->segment);
      gst_event_set_seqnum(rewritten, gst_event_get_seqnum(ev));
      gst_event_unref(ev);
      GST_PAD_PROBE_INFO_DATA(info) = rewritten;
    }
  } else if (GST_EVENT_TYPE(ev) == GST_EVENT_EOS) {
    const GstClockTime end = ctx->last_end;  // in the item's own running time
    post_to(ctx->shared, ctx->generation, [token = ctx->token, end](Channel& c, std::uint64_t gen) {
      if (gen == c.generation_) c.on_content_end(token, end);
    });
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn Channel::first_buffer_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* ctx = static_cast<ProbeCtx*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT) ctx->track_segment(ev);
    return GST_PAD_PROBE_OK;
  }
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  const GstClockTime now = gst_clock_get_time(ctx->clock);
  ctx->last_buffer->store(static_cast<gint64>(now));
  if (ctx->frames) ctx->frames->fetch_add(1);
  if (ctx->first_sent || !GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  const GstClockTime local = running_time(ctx->segment, GST_BUFFER_PTS(buf));
  if (GST_CLOCK_TIME_IS_VALID(ctx->live_from) && local < ctx->live_from) {
    return GST_PAD_PROBE_DROP;
  }
  ctx->first_sent = true;
  // Too late for its planned place (a stream that took long to connect, an item asked
  // for "now"): it starts whole a little later instead of losing its head.
  const GstClockTime earliest = (now > ctx->base ? now - ctx->base : 0) + kMinLead;
  GstClockTime offset = ctx->offset;
  if (offset + local < earliest) {
    offset = earliest - local;
    gst_pad_set_offset(ctx->ghost, static_cast<gint64>(offset));
    if (ctx->audio_ghost) gst_pad_set_offset(ctx->audio_ghost, static_cast<gint64>(offset));
  }
  post_to(ctx->shared, ctx->generation,
          [token = ctx->token, offset, local](Channel& c, std::uint64_t gen) {
            if (gen == c.generation_) c.on_first_buffer(token, offset, local);
          });
  return GST_PAD_PROBE_OK;
}

}  // namespace loaxa::player
