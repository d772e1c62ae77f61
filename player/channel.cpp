#include "player/channel.hpp"

#include <boost/asio/post.hpp>

namespace loaxa::player {
namespace {

WallTime from_clock(GstClockTime t) {
  return WallTime{std::chrono::nanoseconds(t)};
}
GstClockTime to_clock(WallTime t) {
  return static_cast<GstClockTime>(t.time_since_epoch().count());
}
WallTime wall_now() {
  return WallTime{std::chrono::system_clock::now().time_since_epoch()};
}

}  // namespace

const char* to_string(EndStatus s) {
  switch (s) {
    case EndStatus::completed:
      return "completed";
    case EndStatus::stopped:
      return "stopped";
    case EndStatus::failed:
      return "failed";
  }
  return "failed";
}

Channel::Channel(boost::asio::io_context& io, ChannelSettings settings, ChannelListener& listener)
    : io_(io),
      settings_(std::move(settings)),
      listener_(listener),
      started_timer_(io),
      fade_timer_(io) {}

Channel::~Channel() {
  if (current_) current_->shutdown();
}

void Channel::play(std::uint64_t token, const std::filesystem::path& file, WallTime at,
                   std::chrono::milliseconds offset) {
  if (current_) finish(wall_now(), EndStatus::stopped, "replaced by the next item");
  token_ = token;
  at_ = at;
  started_ = false;
  stopping_ = false;
  ItemPipeline::Handlers h;
  h.prerolled = [this, token] {
    if (token == token_ && current_) on_prerolled();
  };
  h.eos = [this, token] {
    if (token == token_ && current_) on_eos();
  };
  h.error = [this, token](const std::string& e) {
    if (token == token_ && current_) on_error(e);
  };
  try {
    current_ = ItemPipeline::create(io_, settings_.sink, file, settings_.volume, std::move(h));
  } catch (const std::exception& e) {
    const std::string why = e.what();
    // Reported from the loop, never from inside play(), so callers see one order of events.
    boost::asio::post(io_, [this, token, why] {
      if (token == token_)
        listener_.on_ended(settings_.name, token, wall_now(), EndStatus::failed, why, false);
    });
    return;
  }
  current_->preroll(offset);
}

void Channel::on_prerolled() {
  const WallTime now = wall_now();
  const WallTime start = at_ > now ? at_ : now;
  current_->start_at(to_clock(start));
  // The sink renders the first sample at base time + its running time.
  const auto first = current_->first_running_time().value_or(0);
  const WallTime actual = from_clock(current_->base_time() + first);
  started_timer_.expires_at(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(actual.time_since_epoch())));
  const auto token = token_;
  started_timer_.async_wait([this, token, actual](const boost::system::error_code& ec) {
    if (ec || token != token_ || !current_) return;
    started_ = true;
    listener_.on_started(settings_.name, token, actual);
  });
}

void Channel::on_eos() {
  GstClockTime end = current_->clock_now();
  if (auto last = current_->last_running_end()) end = current_->base_time() + *last;
  if (!started_) {  // EOS reached before the start timer fired (a very short item)
    started_timer_.cancel();
    const auto first = current_->first_running_time().value_or(0);
    started_ = true;
    listener_.on_started(settings_.name, token_, from_clock(current_->base_time() + first));
  }
  finish(from_clock(end), EndStatus::completed, "");
}

void Channel::on_error(const std::string& error) {
  finish(wall_now(), EndStatus::failed, error);
}

void Channel::stop(std::chrono::milliseconds fade) {
  if (!current_ || stopping_) return;
  stopping_ = true;
  if (!started_ || fade.count() == 0) {
    finish(wall_now(), EndStatus::stopped, "");
    return;
  }
  current_->fade_out(fade);
  fade_timer_.expires_after(fade);
  const auto token = token_;
  fade_timer_.async_wait([this, token](const boost::system::error_code& ec) {
    if (!ec && token == token_ && current_) finish(wall_now(), EndStatus::stopped, "");
  });
}

void Channel::finish(WallTime end, EndStatus status, const std::string& error) {
  started_timer_.cancel();
  fade_timer_.cancel();
  auto pipeline = std::move(current_);
  const bool started = started_;
  const auto token = token_;
  token_ = 0;  // messages the old pipeline already posted are for nobody now
  started_ = false;
  stopping_ = false;
  // Tear down outside the bus handler that may have called us.
  boost::asio::post(io_, [pipeline] { pipeline->shutdown(); });
  listener_.on_ended(settings_.name, token, end, status, error, started);
}

}  // namespace loaxa::player
