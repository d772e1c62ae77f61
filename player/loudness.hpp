#pragma once
// Ingest loudness: a file's integrated loudness (EBU R128 / ITU-R BS.1770, in LUFS)
// and its sample peak, measured once by decoding it through GStreamer into libebur128.

#include <filesystem>
#include <optional>
#include <string>

namespace loaxa::player {

struct Loudness {
  double lufs = 0.0;     // integrated loudness; -70 or below means silence
  double peak_db = 0.0;  // highest sample peak, dBFS
};

// Decodes the whole file (as fast as the machine can). Nullopt with `error` set when
// it cannot be decoded or holds no audio.
std::optional<Loudness> measure_loudness(const std::filesystem::path& file, std::string& error);

// The linear gain that brings `l` to `target_lufs`, at most `max_gain_db` up, and never
// so far up that the peak passes -1 dBFS.
double loudness_gain(const Loudness& l, double target_lufs, double max_gain_db = 12.0);

}  // namespace loaxa::player
