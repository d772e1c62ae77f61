#include "daemon/clock.hpp"

#include <sys/timex.h>
#include <unistd.h>

#include <boost/asio/system_timer.hpp>

namespace loaxa {
namespace {

class AsioTimer : public Clock::Timer {
 public:
  AsioTimer(boost::asio::io_context& io, scheduler::Instant at, std::function<void()> fn)
      : timer_(io) {
    timer_.expires_at(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(at.time_since_epoch())));
    timer_.async_wait([fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) fn();
    });
  }
  void cancel() override { timer_.cancel(); }

 private:
  boost::asio::system_timer timer_;
};

}  // namespace

bool system_clock_synchronized() {
  if (::access("/run/systemd/timesync/synchronized", F_OK) == 0) return true;
  struct timex tx {};  // modes = 0: read only, allowed without CAP_SYS_TIME
  const int state = ::adjtimex(&tx);
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
