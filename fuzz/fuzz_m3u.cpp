// libFuzzer: the M3U/M3U8 reader of `loaxa playlist import`.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <string>

#include "cli/playlist_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string file = "/tmp/loaxa-fuzz-" + std::to_string(::getpid()) + ".m3u";
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    (void)loaxa::cli::read_m3u(file);
  } catch (const std::exception&) {
  }
  return 0;
}
