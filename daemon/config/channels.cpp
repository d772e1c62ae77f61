// Reading one [channels.NAME] table of loaxad's config: kind, sink, quiet hours, live
// source, amplifier commands, kiosk settings, timeouts and overlap policy.
#include <chrono>
#include <stdexcept>
#include <utility>

#include "common/id.hpp"
#include "daemon/config/read_parts.hpp"
#include "player/gst/gst_ptr.hpp"
#include "player/output.hpp"
#include "scheduler/local_time.hpp"
#include "scheduler/rrule.hpp"

namespace loaxa::config_parts {
namespace {

// quiet_hours: ranges like "21:30-05:00".
void read_quiet_hours(ConfigReader& r, ChannelConfig& ch) {
  if (auto ranges = r.strings("quiet_hours")) {
    for (const auto& text : *ranges) {
      const auto dash = text.find('-');
      try {
        if (dash == std::string::npos) throw std::invalid_argument("");
        QuietRange q{scheduler::parse_time_of_day(text.substr(0, dash)),
                     scheduler::parse_time_of_day(text.substr(dash + 1)), text};
        ch.quiet_hours.push_back(q);
      } catch (const std::invalid_argument&) {
        r.problem(r.line_of("quiet_hours"), r.where("quiet_hours") + ": \"" + text +
                                                "\" is not a range; write \"21:30-05:00\"");
      }
    }
  }
}

// live_source: a GStreamer source description, checked by building it.
void read_live_source(ConfigReader& r, ChannelConfig& ch) {
  if (auto v = r.string("live_source")) {
    player::gst::ensure_initialised();
    GError* raw = nullptr;
    GstElement* bin = gst_parse_bin_from_description(v->c_str(), TRUE, &raw);
    if (!bin) {
      r.problem(r.line_of("live_source"),
                r.where("live_source") + ": \"" + *v + "\" is not a GStreamer source (" +
                    (raw ? raw->message : "unknown error") +
                    "); write e.g. \"alsasrc device=hw:1\" (see arecord -l)");
    } else {
      GstPad* src = gst_element_get_static_pad(bin, "src");
      if (!src) {
        r.problem(r.line_of("live_source"), r.where("live_source") + ": \"" + *v +
                                                "\" has no output; give a source such as "
                                                "\"alsasrc device=hw:1\"");
      } else {
        gst_object_unref(src);
        ch.live_source = *v;
      }
      gst_object_unref(bin);
    }
    if (raw) g_error_free(raw);
  }
}

// The amplifier's relay: the commands that switch it and how long before and after.
void read_amplifier(ConfigReader& r, ChannelConfig& ch) {
  for (auto [key, field] : {std::pair{"on_air_command", &ch.on_air_command},
                            std::pair{"off_air_command", &ch.off_air_command}}) {
    if (auto v = r.strings(key)) {
      if (v->empty() || (*v)[0].empty() || (*v)[0][0] != '/') {
        r.problem(r.line_of(key), r.where(key) +
                                      " must be an argv array whose first element is an "
                                      "absolute path, e.g. [\"/usr/bin/gpioset\", \"gpiochip0\", "
                                      "\"17=1\"] (it is never run through a shell)");
      } else {
        *field = *v;
      }
    }
  }
  for (auto [key, field] :
       {std::pair{"amp_lead", &ch.amp_lead}, std::pair{"amp_hold", &ch.amp_hold}}) {
    if (auto v = r.duration(key)) {
      if (*v > milliseconds(3'600'000)) {
        r.problem(r.line_of(key), r.where(key) + " must be at most \"1h\"");
      } else {
        *field = *v;
      }
    }
  }
}

// Kiosk screens: how long a still shows, the picture size and rate, the idle slide,
// the ticker.
void read_kiosk(ConfigReader& r, const Config& c, ChannelConfig& ch) {
  if (auto v = r.duration("image_duration")) {
    if (!player::valid_still(*v)) {
      r.problem(r.line_of("image_duration"),
                r.where("image_duration") + " must be between \"1s\" and \"1h\"");
    } else {
      ch.image_duration = *v;
    }
  }
  if (auto v = r.integer("width", 16, 7680)) ch.width = static_cast<int>(*v);
  if (auto v = r.integer("height", 16, 4320)) ch.height = static_cast<int>(*v);
  if (auto v = r.integer("framerate", 1, 60)) ch.framerate = static_cast<int>(*v);
  if (auto v = r.string("idle_slide")) ch.idle_slide = config_path(c.file.parent_path(), *v);
  if (auto v = r.string("ticker")) ch.ticker = *v;
}

}  // namespace

void read_channel(ConfigReader& r, const std::string& name, Config& c) {
  ChannelConfig ch;
  ch.name = name;
  ch.line = r.line();
  if (!valid_id(name)) {
    r.problem(r.line(), "channel name \"" + name + "\" is not valid; " + kIdRule);
  }
  if (auto v = r.string("kind")) {
    if (auto kind = player::parse_channel_kind(*v)) {
      ch.kind = *kind;
    } else {
      r.problem(r.line_of("kind"),
                r.where("kind") + " must be \"audio\" or \"video\", not \"" + *v + "\"");
    }
  }
  ch.sink = r.string("sink").value_or(ch.kind == player::ChannelKind::video ? "autovideosink"
                                                                            : "autoaudiosink");
  if (ch.sink.empty()) r.problem(r.line_of("sink"), r.where("sink") + " must not be empty");
  if (auto v = r.string("audio_sink")) ch.audio_sink = *v;
  if (auto v = r.number("volume", 0.0, 10.0)) ch.volume = *v;
  read_quiet_hours(r, ch);
  if (auto v = r.string("chime")) ch.chime = config_path(c.file.parent_path(), *v);
  if (auto v = r.number("target_lufs", -40.0, -5.0)) ch.target_lufs = *v;
  if (auto v = r.string("fallback")) ch.fallback = config_path(c.file.parent_path(), *v);
  read_live_source(r, ch);
  read_amplifier(r, ch);
  for (auto [key, field] :
       {std::pair{"dead_air", &ch.dead_air}, std::pair{"connect_timeout", &ch.connect_timeout},
        std::pair{"stall_timeout", &ch.stall_timeout}}) {
    if (auto v = r.duration(key)) {
      if (*v < milliseconds(1000) || *v > milliseconds(600'000)) {
        r.problem(r.line_of(key), r.where(key) + " must be between \"1s\" and \"10m\"");
      } else {
        *field = *v;
      }
    }
  }
  if (auto v = r.duration("rest_after")) {
    if (v->count() != 0 && (*v < milliseconds(1000) || *v > std::chrono::hours(24))) {
      r.problem(r.line_of("rest_after"), r.where("rest_after") +
                                             " must be \"0s\" (never rest) or between \"1s\" "
                                             "and \"24h\"");
    } else {
      ch.rest_after = *v;
    }
  }
  if (auto v = r.number("max_gain", 0.0, 30.0)) ch.max_gain = *v;
  read_kiosk(r, c, ch);
  if (auto v = r.duration("fade")) {
    if (*v > std::chrono::seconds(10)) {
      r.problem(r.line_of("fade"), r.where("fade") + " is longer than 10s");
    } else {
      ch.fade = *v;
    }
  }
  if (auto v = r.string("resume_policy")) {
    if (auto policy = scheduler::parse_overlap_policy(*v)) {
      ch.resume_policy = *policy;
    } else {
      r.problem(r.line_of("resume_policy"), r.where("resume_policy") +
                                                " must be \"resume\", \"restart\" or \"drop\", "
                                                "not \"" +
                                                *v + "\"");
    }
  }
  r.finish();
  c.channels[name] = ch;
}

}  // namespace loaxa::config_parts
