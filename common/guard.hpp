#pragma once
// The event loop's edge: every handler the loop runs (timers, the player's bus and
// streaming events, HTTP routes, download callbacks) goes through guarded(), so an
// exception it throws is logged with where it came from and goes no further: the loop,
// its other handlers and playout go on.
//
// Tests prove it with injected faults: LOAXA_FAULT=timer,bus,route,download (any of
// them, comma-separated) makes the first handler of each named kind throw. Unset in
// service, it costs one check of a flag read once.

#include <exception>
#include <string>
#include <string_view>

#include "common/log.hpp"

namespace loaxa {

// Throws std::runtime_error("injected fault: KIND handler") the first time it is called
// for a kind LOAXA_FAULT names; otherwise nothing.
void inject_fault(std::string_view kind);

template <class F>
void guarded(std::string_view where, F&& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    log::error(where, std::string("a handler failed and was stopped at the event loop's edge (") +
                          e.what() + "); playout goes on");
  } catch (...) {
    log::error(where,
               "a handler failed with an unknown exception at the event loop's edge; "
               "playout goes on");
  }
}

}  // namespace loaxa
