#pragma once
// A fake wall clock whose timers fire in order as the test advances time, and fake
// channel outputs that "play" an item for its probed duration on that clock. Days of
// schedule run through the real controller in milliseconds.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/playout/clock.hpp"
#include "player/output.hpp"

namespace loaxa::test {

class FakeClock : public Clock {
 public:
  explicit FakeClock(scheduler::Instant start) : now_(start) {}

  scheduler::Instant now() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override { return steady_; }
  std::unique_ptr<Timer> at(scheduler::Instant at, std::function<void()> fn) override;
  bool synchronized() const override { return synced; }
  bool synced = true;

  // Runs every timer due up to `t`, in time order, moving both clocks along.
  void advance_to(scheduler::Instant t);
  // The wall clock jumps (NTP setting it); the steady clock does not move.
  void jump(std::chrono::nanoseconds by) { now_ += by; }

 private:
  struct Pending {
    std::function<void()> fn;
    bool cancelled = false;
  };
  class FakeTimer;
  scheduler::Instant now_;
  std::chrono::steady_clock::time_point steady_{};
  std::multimap<scheduler::Instant, std::shared_ptr<Pending>> timers_;
};

struct FakePlay {
  std::string channel;
  std::string file;
  scheduler::Instant requested;  // the `at` the controller asked for
  scheduler::Instant started;
  scheduler::Instant ended{};
  std::chrono::milliseconds offset{0};
  std::string status;
};

class FakeOutput : public player::Output {
 public:
  FakeOutput(FakeClock& clock, player::ChannelSettings settings, player::ChannelListener& listener,
             std::vector<FakePlay>& log)
      : clock_(clock), settings_(std::move(settings)), listener_(listener), log_(log) {}

  const std::string& name() const override { return settings_.name; }
  void update(player::ChannelSettings settings) override { settings_ = std::move(settings); }
  void play(std::uint64_t token, const std::filesystem::path& file, player::WallTime at,
            std::chrono::milliseconds offset, double gain,
            std::chrono::milliseconds still) override;
  void queue(std::uint64_t token, const std::filesystem::path& file, double gain,
             std::chrono::milliseconds offset, std::chrono::milliseconds still) override;
  void stop(std::chrono::milliseconds fade,
            std::optional<player::WallTime> silent_at = std::nullopt) override;
  bool idle() const override { return !playing_ && queued_.empty(); }

 private:
  void end(player::EndStatus status);
  FakeClock& clock_;
  player::ChannelSettings settings_;
  player::ChannelListener& listener_;
  std::vector<FakePlay>& log_;
  bool playing_ = false;
  bool started_ = false;
  std::uint64_t token_ = 0;
  std::size_t index_ = 0;
  struct Queued {
    std::uint64_t token;
    std::filesystem::path file;
    std::chrono::milliseconds offset;
  };
  std::deque<Queued> queued_;
  void drop_queued();
  void start(std::uint64_t token, const std::filesystem::path& file, scheduler::Instant requested,
             std::chrono::milliseconds offset);
  std::unique_ptr<Clock::Timer> start_timer_, end_timer_;
};

}  // namespace loaxa::test
