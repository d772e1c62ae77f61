// libFuzzer: the config reader (TOML via toml++, then every key checked).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "daemon/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)loaxa::parse_config(std::string_view(reinterpret_cast<const char*>(data), size),
                              "/tmp/loaxa-fuzz/loaxa.toml");
  } catch (const std::exception&) {
  }
  return 0;
}
