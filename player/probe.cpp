#include "player/probe.hpp"

#include <gst/pbutils/pbutils.h>

#include "player/gst/gst_ptr.hpp"

namespace loaxa::player {

ProbeResult probe_file(const std::filesystem::path& file, std::chrono::milliseconds timeout) {
  gst::ensure_initialised();
  ProbeResult r;
  std::error_code ec;
  const auto abs = std::filesystem::absolute(file, ec);
  if (ec || !std::filesystem::is_regular_file(abs, ec)) {
    r.error = "no such file: " + file.string();
    return r;
  }
  if (std::filesystem::file_size(abs, ec) == 0) {
    r.error = "the file is empty: " + file.string();
    return r;
  }
  GError* raw_err = nullptr;
  gst::CharPtr uri(gst_filename_to_uri(abs.c_str(), &raw_err));
  gst::ErrorPtr err(raw_err);
  if (!uri) {
    r.error = err ? err->message : "cannot make a URI";
    return r;
  }
  const auto ns = static_cast<GstClockTime>(timeout.count()) * GST_MSECOND;
  gst::ObjectPtr<GstDiscoverer> disc(gst_discoverer_new(ns, &raw_err));
  err.reset(raw_err);
  raw_err = nullptr;
  if (!disc) {
    r.error = err ? err->message : "cannot create a discoverer";
    return r;
  }
  gst::ObjectPtr<GstDiscovererInfo> info(
      gst_discoverer_discover_uri(disc.get(), uri.get(), &raw_err));
  err.reset(raw_err);
  if (!info || gst_discoverer_info_get_result(info.get()) != GST_DISCOVERER_OK) {
    r.error = err ? err->message : "GStreamer cannot read it";
    if (info && gst_discoverer_info_get_result(info.get()) == GST_DISCOVERER_MISSING_PLUGINS) {
      r.error = "no GStreamer plugin can decode it (missing codec)";
    }
    return r;
  }
  GList* video = gst_discoverer_info_get_video_streams(info.get());
  GList* audio = gst_discoverer_info_get_audio_streams(info.get());
  if (video) {
    auto* v = GST_DISCOVERER_VIDEO_INFO(video->data);
    r.kind = gst_discoverer_video_info_is_image(v) ? "image" : "video";
  } else if (audio) {
    r.kind = "audio";
  }
  gst_discoverer_stream_info_list_free(video);
  gst_discoverer_stream_info_list_free(audio);
  if (r.kind.empty()) {
    r.error = "it holds neither audio nor video";
    return r;
  }
  if (const GstTagList* tags = gst_discoverer_info_get_tags(info.get())) {
    gchar* title = nullptr;
    if (gst_tag_list_get_string(tags, GST_TAG_TITLE, &title)) {
      r.title = title;
      g_free(title);
    }
  }
  const GstClockTime d = gst_discoverer_info_get_duration(info.get());
  if (GST_CLOCK_TIME_IS_VALID(d)) r.duration = std::chrono::milliseconds(d / GST_MSECOND);
  r.playable = true;
  return r;
}

}  // namespace loaxa::player
