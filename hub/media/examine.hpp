#pragma once
// What the hub's media library learns of an upload, with the player code `loaxa
// publish` and the box's ingest use: GStreamer's discoverer for what the file is and
// how long it plays, and EBU R128 loudness through libebur128 for sound. Only this
// folder of the hub links GStreamer; the ingest and the reports stay free of it.

#include <filesystem>

#include "hub/issue.hpp"

namespace loaxa::hub {

// Blocks for as long as decoding the whole file takes: called off the event loop.
MediaFacts examine_media(const std::filesystem::path& file);

}  // namespace loaxa::hub
