#include "daemon/library/ingest.hpp"

#include <cstdio>

#include "common/durable.hpp"
#include "common/sha256.hpp"
#include "player/loudness.hpp"
#include "player/probe.hpp"

namespace loaxa {

namespace fs = std::filesystem;

IngestResult ingest_file(store::Store& store, const fs::path& media_dir, const fs::path& file,
                         std::string id, const std::string& origin) {
  IngestResult r;
  const auto probe = player::probe_file(file);
  if (!probe.playable) {
    r.error = file.string() + ": cannot be played: " + probe.error;
    return r;
  }
  std::string sha;
  try {
    sha = sha256_file_hex(file);
  } catch (const std::exception& e) {
    r.error = e.what();
    return r;
  }
  if (id.empty()) id = id_from_filename(file);
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string name = sha + ext;
  std::error_code ec;
  fs::create_directories(media_dir, ec);
  try {
    if (!fs::exists(media_dir / name)) copy_durably(file, media_dir / name);
  } catch (const std::exception& e) {
    r.error = "cannot copy " + file.string() + " into " + media_dir.string() + ": " + e.what();
    return r;
  }
  r.media.id = id;
  r.media.sha256 = sha;
  r.media.file = name;
  r.media.title = probe.title.empty() ? file.stem().string() : probe.title;
  r.media.kind = probe.kind;
  if (probe.duration) r.media.duration_ms = probe.duration->count();
  r.media.origin = origin;
  if (probe.has_audio && !store.catalog().has_loudness(sha)) {
    std::string why;
    if (auto l = player::measure_loudness(media_dir / name, why)) {
      store.catalog().set_loudness(sha, l->lufs, l->peak_db);
      r.media.loudness_lufs = l->lufs;
      r.media.peak_db = l->peak_db;
    } else if (probe.kind == "audio") {
      r.error = file.string() + ": cannot be played: " + why;
      return r;
    }  // a video without sound is still a video
  }
  store.catalog().upsert_media(r.media);
  if (auto m = store.catalog().find_media(id)) r.media = *m;  // with its loudness
  r.ok = true;
  return r;
}

}  // namespace loaxa
