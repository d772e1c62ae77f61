#pragma once
// Announcements from text: the configured TTS command (argv, never a shell) writes a
// WAV that is ingested as media, cached by the hash of voice and text.

#include <string>

#include "daemon/config/config.hpp"
#include "daemon/library/ingest.hpp"
#include "store/store.hpp"

namespace loaxa {

struct Announcement {
  IngestResult ingest;  // ok, media, or error in words
  bool cached = false;  // the same text and voice were spoken before
};

// Throws std::invalid_argument for a text or voice that cannot be spoken (empty, too
// long, not UTF-8, a voice name with odd characters).
Announcement announce(store::Store& store, const Config& config, const std::string& text,
                      const std::string& voice, const std::string& topic);

}  // namespace loaxa
