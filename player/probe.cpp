#include "player/probe.hpp"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gst/pbutils/pbutils.h>

#include "player/gst/gst_ptr.hpp"

namespace loaxa::player {

std::optional<ImageSize> image_size(const std::filesystem::path& file) {
  ImageSize s;
  if (!gdk_pixbuf_get_file_info(file.c_str(), &s.width, &s.height)) return std::nullopt;
  return s;
}

namespace {

// "H.264 (High Profile) decoder" from the installer details of what is missing.
std::string missing_plugins(GstDiscovererInfo* info) {
  std::string out;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  const gchar** details = gst_discoverer_info_get_missing_elements_installer_details(info);
  G_GNUC_END_IGNORE_DEPRECATIONS
  for (; details && *details; ++details) {
    // gstreamer|1.0|app|DESCRIPTION|detail
    std::string d = *details;
    for (int i = 0; i < 3 && d.find('|') != std::string::npos; ++i) d.erase(0, d.find('|') + 1);
    if (const auto bar = d.find('|'); bar != std::string::npos) d.resize(bar);
    if (!out.empty()) out += ", ";
    out += d;
  }
  return out;
}

}  // namespace

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
  if (auto size = image_size(abs)) {
    if (!showable(*size)) {
      r.error = "the image is " + std::to_string(size->width) + "×" + std::to_string(size->height) +
                " pixels; at most " + std::to_string(kMaxImageSide) +
                " per side is shown (scale it down first)";
      return r;
    }
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
      const std::string what = missing_plugins(info.get());
      r.error = "no GStreamer plugin on this box can decode it (missing codec" +
                (what.empty() ? std::string() : ": " + what) +
                "); install gstreamer1.0-libav for H.264/AAC, or convert it to WebM (VP9)";
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
  r.has_audio = audio != nullptr;
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
