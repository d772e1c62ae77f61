#pragma once
// Wall-clock time and timers, injected into the controller so that days of schedule
// can be replayed in milliseconds under a fake clock in tests.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "scheduler/local_time.hpp"

namespace loaxa {

// Unix milliseconds of an instant.
inline std::int64_t unix_ms(scheduler::Instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class Clock {
 public:
  class Timer {
   public:
    virtual ~Timer() = default;  // destroying a timer cancels it
    virtual void cancel() = 0;
  };

  virtual ~Clock() = default;
  virtual scheduler::Instant now() const = 0;
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  // Calls `fn` on the event loop once the wall clock reaches `at`.
  virtual std::unique_ptr<Timer> at(scheduler::Instant at, std::function<void()> fn) = 0;
  // Whether the wall clock is synchronised (NTP): airtime rows record it, because a
  // box without a real-time clock boots with a wrong time until NTP answers.
  virtual bool synchronized() const = 0;
};

// The kernel's and systemd-timesyncd's view: /run/systemd/timesync/synchronized exists,
// or adjtimex(2) reports the clock synchronised (STA_UNSYNC clear).
bool system_clock_synchronized();

// The real clocks, with timers on the daemon's io_context.
class AsioClock : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  scheduler::Instant now() const override;
  std::chrono::steady_clock::time_point steady_now() const override;
  std::unique_ptr<Timer> at(scheduler::Instant at, std::function<void()> fn) override;
  bool synchronized() const override { return system_clock_synchronized(); }

 private:
  boost::asio::io_context& io_;
};

}  // namespace loaxa
