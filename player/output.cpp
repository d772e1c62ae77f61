#include "player/channel_parts.hpp"

namespace loaxa::player {

std::string check_settings(const ChannelSettings& settings) {
  gst::ensure_initialised();
  try {
    if (!settings.sink.raw_file) {
      if (settings.kind == ChannelKind::video) {
        make_video_sink(settings.sink, settings.width, settings.height);
      } else {
        make_sink(settings.sink);
      }
    }
    if (settings.audio_sink && !settings.audio_sink->raw_file) make_sink(*settings.audio_sink);
    if (!settings.live_source.empty()) {
      GError* raw = nullptr;
      GstElement* source = gst_parse_bin_from_description(settings.live_source.c_str(), TRUE, &raw);
      gst::ErrorPtr err(raw);
      if (source) gst_object_unref(gst_object_ref_sink(source));
      if (!source || err) {
        return "live_source \"" + settings.live_source +
               "\" is not a valid GStreamer description: " +
               (err ? err->message : "cannot be built");
      }
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

GstElement* Channel::build_audio_output(const SinkSpec& spec, LiveMixer* keep) {
  auto master = gst::make_element("volume");
  g_object_set(master.get(), "volume", settings_.volume, nullptr);
  auto sink = make_sink(spec);
  force_sync(sink.get());
  GstElement* m = master.get();
  master_ = m;
  gst_bin_add_many(GST_BIN(pipeline_.get()), master.get(), sink.get(), nullptr);
  if (!gst_element_link(master.get(), sink.get())) {
    pipeline_.reset();
    throw std::runtime_error("sink \"" + spec.description + "\" does not take raw audio");
  }
  LiveMixer parts;
  GstElement* mixer = add_mixer(m, 0, parts);
  if (keep) *keep = parts;
  return mixer;
}

GstElement* Channel::add_mixer(GstElement* downstream, GstClockTime from, LiveMixer& parts) {
  // Live silence under the items: the mixer produces a sample for every instant, so an
  // item placed by pad offset starts on its sample. A channel woken from rest starts it
  // at `from` (now): from where it stopped, the mixer would first catch up on every
  // sample of the rest.
  auto silence = gst::make_element("audiotestsrc");
  g_object_set(silence.get(), "is-live", TRUE, "samplesperbuffer",
               static_cast<gint>(kMixBuffer * 48000 / GST_SECOND), "timestamp-offset",
               static_cast<gint64>(from), nullptr);
  gst_util_set_object_arg(G_OBJECT(silence.get()), "wave", "silence");
  auto silence_caps = make_caps(kMixCaps);
  auto mixer = gst::make_element("audiomixer");
  g_object_set(mixer.get(), "output-buffer-duration", kMixBuffer, "latency", kMixLatency, nullptr);
  // A woken mixer starts at its first buffer; a new pipeline's at running time zero, as
  // it always did.
  if (from > 0) gst_util_set_object_arg(G_OBJECT(mixer.get()), "start-time-selection", "first");
  auto mix_caps = make_caps(kMixCaps);
  parts = {silence.get(), silence_caps.get(), mixer.get(), mix_caps.get()};
  for (GstElement* e : parts) gst_bin_add(GST_BIN(pipeline_.get()), e);
  if (!gst_element_link_many(silence.get(), silence_caps.get(), mixer.get(), mix_caps.get(),
                             downstream, nullptr)) {
    throw std::runtime_error("the channel's mixer does not link to its output");
  }
  return mixer.get();
}

namespace {

// The idle slide: never a black or frozen screen when nothing plays. The elements in
// order, from the test source to the clock over it. The slide is painted once (one
// frame of colour, the configured image over it) and repeated live by imagefreeze; the
// clock is drawn on it kIdleClockRate times a second, and that picture is repeated at
// the screen's rate by a second imagefreeze. Drawing the clock on every 1080p frame
// cost an idle kiosk about 4 CPU seconds a minute on the development VM, three
// quarters of it blending the clock's text.
std::vector<gst::ElementPtr> idle_chain(const ChannelSettings& settings, const std::string& caps) {
  auto idle = gst::make_element("videotestsrc");
  g_object_set(idle.get(), "num-buffers", 1, nullptr);
  gst_util_set_object_arg(G_OBJECT(idle.get()), "pattern", "solid-color");
  g_object_set(idle.get(), "foreground-color", 0xff0d3b66u, nullptr);  // deep blue
  // I420 throughout: the compositor blends it natively and skips the slide beneath a
  // full-screen item; nothing is converted unless the sink wants another format.
  auto idle_caps = make_caps(caps.c_str());
  std::vector<gst::ElementPtr> chain;
  chain.push_back(std::move(idle));
  chain.push_back(std::move(idle_caps));
  if (settings.idle_slide) {
    const auto size = image_size(*settings.idle_slide);
    if (!size || !showable(*size)) {
      log::warning("player", settings.name + ": idle_slide " + settings.idle_slide->string() +
                                 " is not a readable image of at most " +
                                 std::to_string(kMaxImageSide) +
                                 " pixels a side; the idle slide shows the box's name instead");
    } else {
      const ImageSize img = *size;
      // Scaled into the screen with its aspect kept, centred.
      const double scale = std::min(static_cast<double>(settings.width) / img.width,
                                    static_cast<double>(settings.height) / img.height);
      const int w = std::max(1, static_cast<int>(img.width * scale));
      const int h = std::max(1, static_cast<int>(img.height * scale));
      auto overlay = gst::make_element("gdkpixbufoverlay");
      g_object_set(overlay.get(), "location", settings.idle_slide->c_str(), "overlay-width", w,
                   "overlay-height", h, "offset-x", (settings.width - w) / 2, "offset-y",
                   (settings.height - h) / 2, nullptr);
      chain.push_back(std::move(overlay));
    }
  }
  auto freeze = gst::make_element("imagefreeze");
  g_object_set(freeze.get(), "is-live", TRUE, nullptr);
  chain.push_back(std::move(freeze));
  chain.push_back(
      make_caps(("video/x-raw,framerate=" + std::to_string(kIdleClockRate) + "/1").c_str()));
  auto clock = gst::make_element("clockoverlay");
  g_object_set(clock.get(), "text", settings.idle_text.c_str(), "time-format",
               "\n%H:%M:%S\n%d/%m/%Y", "shaded-background", TRUE, "font-desc",
               (settings.font + " Bold 20").c_str(), nullptr);
  gst_util_set_object_arg(G_OBJECT(clock.get()), "halignment", "center");
  gst_util_set_object_arg(G_OBJECT(clock.get()), "valignment", "center");
  gst_util_set_object_arg(G_OBJECT(clock.get()), "line-alignment", "center");
  chain.push_back(std::move(clock));
  auto repeat = gst::make_element("imagefreeze");
  g_object_set(repeat.get(), "is-live", TRUE, "allow-replace", TRUE, nullptr);
  chain.push_back(std::move(repeat));
  chain.push_back(make_caps(caps.c_str()));
  return chain;
}

// The compositor is live: when the idle slide's first frame is late (a loaded box, a
// large idle image to scale), it times out and sends frames of its bare background, a
// white flash on the screen. Frames that end before the slide's first one are dropped,
// so the first frame shown is the slide.
void show_nothing_before_the_slide(GstElement* idle_last, GstElement* mixer) {
  auto idle_from = std::make_shared<std::atomic<gint64>>(-1);  // its first running time
  using Shared = std::shared_ptr<std::atomic<gint64>>;
  gst::PadPtr idle_src(gst_element_get_static_pad(idle_last, "src"));
  gst_pad_add_probe(
      idle_src.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
        if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
        (*static_cast<Shared*>(data))->store(static_cast<gint64>(GST_BUFFER_PTS(buf)));
        return GST_PAD_PROBE_REMOVE;
      },
      new Shared(idle_from), [](gpointer p) { delete static_cast<Shared*>(p); });
  gst::PadPtr mixer_src(gst_element_get_static_pad(mixer, "src"));
  gst_pad_add_probe(
      mixer_src.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        const gint64 from = (*static_cast<Shared*>(data))->load();
        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
        if (from < 0) return GST_PAD_PROBE_DROP;
        if (GST_BUFFER_PTS_IS_VALID(buf) && GST_BUFFER_DURATION_IS_VALID(buf) &&
            static_cast<gint64>(GST_BUFFER_PTS(buf) + GST_BUFFER_DURATION(buf)) <= from) {
          return GST_PAD_PROBE_DROP;
        }
        return GST_PAD_PROBE_REMOVE;
      },
      new Shared(idle_from), [](gpointer p) { delete static_cast<Shared*>(p); });
}

// The ticker scrolls with the frames' running time, from the right edge leftwards.
void scroll_ticker(GstElement* ticker, int width, std::shared_ptr<std::atomic<gint64>> since) {
  struct TickerCtx {
    int width;
    std::shared_ptr<std::atomic<gint64>> since;
  };
  gst::PadPtr ticker_sink(gst_element_get_static_pad(ticker, "video_sink"));
  gst_pad_add_probe(
      ticker_sink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad* pad, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        auto* ctx = static_cast<TickerCtx*>(data);
        GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
        if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
        const auto pts = static_cast<gint64>(GST_BUFFER_PTS(buf));
        gint64 since = ctx->since->load();
        if (since < 0) {  // a new text: it enters from the right edge now
          ctx->since->store(pts);
          since = pts;
        }
        gst::ElementPtr overlay(gst_pad_get_parent_element(pad));
        gint text_width = 0;
        g_object_get(overlay.get(), "text-width", &text_width, nullptr);
        const gint64 travelled =
            (pts - since) / GST_MSECOND * ctx->width * kTickerPerMille / 1000 / 1000;
        const gint64 lap = ctx->width + std::max(text_width, 1);
        g_object_set(overlay.get(), "deltax", static_cast<gint>(ctx->width - travelled % lap),
                     nullptr);
        return GST_PAD_PROBE_OK;
      },
      new TickerCtx{width, std::move(since)},
      [](gpointer p) { delete static_cast<TickerCtx*>(p); });
}

}  // namespace

void Channel::build_video_output() {
  const std::string size =
      ",width=" + std::to_string(settings_.width) + ",height=" + std::to_string(settings_.height);
  const std::string rate = ",framerate=" + std::to_string(settings_.framerate) + "/1";
  const std::string caps = "video/x-raw,format=I420,pixel-aspect-ratio=1/1" + size + rate;
  std::vector<gst::ElementPtr> chain = idle_chain(settings_, caps);
  auto mixer = gst::make_element("compositor");
  auto out_caps = make_caps(caps.c_str());
  // The ticker: one line at the bottom, moved by ticker_probe on every frame.
  auto ticker = gst::make_element("textoverlay");
  g_object_set(ticker.get(), "text", ticker_text_.c_str(), "silent", ticker_text_.empty(),
               "shaded-background", TRUE, "auto-resize", FALSE, "wrap-mode", -1, "font-desc",
               (settings_.font + " " + std::to_string(std::max(8, settings_.height / 24))).c_str(),
               nullptr);
  g_object_set(ticker.get(), "xpad", 0, "ypad", std::max(2, settings_.height / 90), nullptr);
  gst_util_set_object_arg(G_OBJECT(ticker.get()), "halignment", "left");
  gst_util_set_object_arg(G_OBJECT(ticker.get()), "valignment", "bottom");
  auto sink = make_video_sink(settings_.sink, settings_.width, settings_.height);
  force_sync(sink.get());
  mixer_ = mixer.get();
  ticker_ = ticker.get();
  for (auto& e : chain) gst_bin_add(GST_BIN(pipeline_.get()), e.get());
  gst_bin_add_many(GST_BIN(pipeline_.get()), mixer.get(), out_caps.get(), ticker.get(), sink.get(),
                   nullptr);
  bool ok = true;
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    ok = ok && gst_element_link(chain[i].get(), chain[i + 1].get());
  }
  ok = ok && gst_element_link(chain.back().get(), mixer.get()) &&
       gst_element_link_many(mixer.get(), out_caps.get(), ticker.get(), sink.get(), nullptr);
  if (!ok) {
    pipeline_.reset();
    throw std::runtime_error("sink \"" + settings_.sink.description + "\" does not take video");
  }
  show_nothing_before_the_slide(chain.back().get(), mixer.get());
  scroll_ticker(ticker.get(), settings_.width, ticker_since_);
  if (settings_.audio_sink) audio_mixer_ = build_audio_output(*settings_.audio_sink);
}

void Channel::set_ticker(const std::string& text) {
  if (text == ticker_text_) return;
  ticker_text_ = text;
  ticker_since_->store(-1);
  if (!ticker_) return;
  g_object_set(ticker_, "text", text.c_str(), "silent", text.empty(), nullptr);
  log::info("player", settings_.name + (text.empty() ? ": ticker removed" : ": ticker: " + text));
}

}  // namespace loaxa::player
