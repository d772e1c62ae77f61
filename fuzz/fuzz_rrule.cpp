// libFuzzer: the RFC 5545 RRULE parser, and expanding what it accepts for a year.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "scheduler/rrule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    loaxa::scheduler::RecurrenceSet r;
    r.dtstart = loaxa::scheduler::parse_local_datetime("2022-07-01T06:00:00");
    r.rule =
        loaxa::scheduler::parse_rrule(std::string_view(reinterpret_cast<const char*>(data), size));
    (void)loaxa::scheduler::expand_local(r, r.dtstart, r.dtstart + std::chrono::days(366), 500);
  } catch (const std::exception&) {
  }
  return 0;
}
