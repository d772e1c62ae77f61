#include "fakes.hpp"

#include "player/probe.hpp"

namespace loaxa::test {

class FakeClock::FakeTimer : public Clock::Timer {
 public:
  explicit FakeTimer(std::shared_ptr<Pending> p) : p_(std::move(p)) {}
  ~FakeTimer() override { cancel(); }
  void cancel() override { p_->cancelled = true; }

 private:
  std::shared_ptr<Pending> p_;
};

std::unique_ptr<Clock::Timer> FakeClock::at(scheduler::Instant at, std::function<void()> fn) {
  auto p = std::make_shared<Pending>(Pending{std::move(fn)});
  timers_.emplace(std::max(at, now_), p);
  return std::make_unique<FakeTimer>(p);
}

void FakeClock::advance_to(scheduler::Instant t) {
  while (!timers_.empty() && timers_.begin()->first <= t) {
    auto it = timers_.begin();
    const scheduler::Instant when = it->first;
    auto p = it->second;
    timers_.erase(it);
    if (p->cancelled) continue;
    if (when > now_) {
      steady_ += when - now_;
      now_ = when;
    }
    p->cancelled = true;  // one-shot
    p->fn();
  }
  if (t > now_) {
    steady_ += t - now_;
    now_ = t;
  }
}

namespace {

std::chrono::milliseconds duration_of(const std::filesystem::path& file) {
  static std::map<std::string, std::chrono::milliseconds> cache;
  auto it = cache.find(file.string());
  if (it != cache.end()) return it->second;
  const auto probe = player::probe_file(file);
  const auto d = probe.duration.value_or(std::chrono::milliseconds(0));
  cache[file.string()] = d;
  return d;
}

}  // namespace

void FakeOutput::play(std::uint64_t token, const std::filesystem::path& file, player::WallTime at,
                      std::chrono::milliseconds offset, double, std::chrono::milliseconds) {
  if (playing_) end(player::EndStatus::stopped);
  drop_queued();
  start(token, file, scheduler::Instant{at.time_since_epoch()}, offset);
}

// Like the real channel: right after the current item, on the next sample.
void FakeOutput::queue(std::uint64_t token, const std::filesystem::path& file, double,
                       std::chrono::milliseconds offset, std::chrono::milliseconds) {
  if (!playing_) {
    start(token, file, clock_.now(), offset);
    return;
  }
  queued_.push_back(Queued{token, file, offset});
}

void FakeOutput::drop_queued() {
  auto dropped = std::move(queued_);
  queued_.clear();
  for (const auto& q : dropped) {
    listener_.on_ended(settings_.name, q.token, player::WallTime{clock_.now().time_since_epoch()},
                       player::EndStatus::stopped, "", false, {});
  }
}

void FakeOutput::start(std::uint64_t token, const std::filesystem::path& file,
                       scheduler::Instant requested, std::chrono::milliseconds offset) {
  playing_ = true;
  started_ = false;
  token_ = token;
  const scheduler::Instant start = std::max(requested, clock_.now());
  log_.push_back({settings_.name, file.filename().string(), requested, start, {}, offset, ""});
  index_ = log_.size() - 1;
  const auto length = duration_of(file) - offset;
  start_timer_ = clock_.at(start, [this, token, start] {
    if (token != token_) return;
    started_ = true;
    listener_.on_started(settings_.name, token, player::WallTime{start.time_since_epoch()});
  });
  end_timer_ = clock_.at(start + length, [this, token] {
    if (token == token_ && playing_) end(player::EndStatus::completed);
  });
}

void FakeOutput::stop(std::chrono::milliseconds fade, std::optional<player::WallTime> silent_at) {
  drop_queued();
  if (!playing_) return;
  const scheduler::Instant silent =
      silent_at ? scheduler::Instant{silent_at->time_since_epoch()} : clock_.now() + fade;
  end_timer_ = clock_.at(silent, [this, token = token_] {
    if (token == token_ && playing_) end(player::EndStatus::stopped);
  });
}

void FakeOutput::end(player::EndStatus status) {
  playing_ = false;
  start_timer_.reset();
  end_timer_.reset();
  log_[index_].ended = clock_.now();
  log_[index_].status = player::to_string(status);
  listener_.on_ended(settings_.name, token_, player::WallTime{clock_.now().time_since_epoch()},
                     status, "", started_, {});
  if (status == player::EndStatus::completed && !queued_.empty()) {
    const Queued next = queued_.front();
    queued_.pop_front();
    start(next.token, next.file, clock_.now(), next.offset);
  }
}

}  // namespace loaxa::test
