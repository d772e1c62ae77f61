// libFuzzer: the province manifest parser (after the signature check, so its input is
// signed; still it must refuse, never crash, on any bytes).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "sync/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)loaxa::sync::parse_manifest(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception&) {
  }
  return 0;
}
