#pragma once
// Ingest: a local file becomes a media record, its bytes copied into the
// content-addressed store (state_dir/media/<sha256>.<ext>) and probed.

#include <filesystem>
#include <string>

#include "common/id.hpp"
#include "store/store.hpp"

namespace loaxa {

struct IngestResult {
  bool ok = false;
  store::MediaRecord media;
  std::string error;  // what was wrong and how to fix it, when !ok
};

// `id` may be empty: the file's stem, made into an id, is used.
IngestResult ingest_file(store::Store& store, const std::filesystem::path& media_dir,
                         const std::filesystem::path& file, std::string id,
                         const std::string& origin);

}  // namespace loaxa
