#include "daemon/playout/clock.hpp"

#include <sys/timex.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/system_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>

#include "common/guard.hpp"

namespace loaxa {
namespace {

class AsioTimer : public Clock::Timer {
 public:
  AsioTimer(boost::asio::io_context& io, scheduler::Instant at, std::function<void()> fn)
      : timer_(io) {
    timer_.expires_at(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(at.time_since_epoch())));
    timer_.async_wait([fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) guarded("timer", fn);
    });
  }
  void cancel() override { timer_.cancel(); }

 private:
  boost::asio::system_timer timer_;
};

}  // namespace

namespace {

// systemd-timedated's answer (it asks the kernel itself): for the sandboxed service,
// whose system call filter (ProtectClock=yes) refuses even a read-only adjtimex().
std::optional<bool> timedated_synchronized() {
  sd_bus* bus = nullptr;
  if (sd_bus_open_system(&bus) < 0) return std::nullopt;
  int value = 0;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  const int r = sd_bus_get_property_trivial(
      bus, "org.freedesktop.timedate1", "/org/freedesktop/timedate1", "org.freedesktop.timedate1",
      "NTPSynchronized", &error, 'b', &value);
  sd_bus_error_free(&error);
  sd_bus_flush_close_unref(bus);
  if (r < 0) return std::nullopt;
  return value != 0;
}

}  // namespace

bool system_clock_synchronized() {
  if (::access("/run/systemd/timesync/synchronized", F_OK) == 0) return true;
  struct timex tx {};  // modes = 0: read only, allowed without CAP_SYS_TIME
  const int state = ::adjtimex(&tx);
  if (state == -1 && (errno == EPERM || errno == ENOSYS)) {
    // A D-Bus round trip: asked at most once a minute (each airtime row wants it).
    static std::atomic<std::int64_t> asked_at{std::numeric_limits<std::int64_t>::min() / 2};
    static std::atomic<bool> answer{false};
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    if (now - asked_at.load() >= 60) {
      answer = timedated_synchronized().value_or(false);
      asked_at = now;
    }
    return answer;
  }
  return state != -1 && state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

scheduler::Instant AsioClock::now() const {
  return scheduler::Instant{std::chrono::system_clock::now().time_since_epoch()};
}

std::chrono::steady_clock::time_point AsioClock::steady_now() const {
  return std::chrono::steady_clock::now();
}

std::unique_ptr<Clock::Timer> AsioClock::at(scheduler::Instant at, std::function<void()> fn) {
  return std::make_unique<AsioTimer>(io_, at, std::move(fn));
}

}  // namespace loaxa
