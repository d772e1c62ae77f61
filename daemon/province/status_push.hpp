#pragma once
// The box's health for the province hub: its status (what GET /api/v1/status shows, with
// version, uptime and the clock) POSTed as JSON, signed like airtime batches, every
// [airtime.push] status_interval and at once when a channel starts or stops playing.
// A status that cannot be sent is not queued: the next one says the same and newer.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "sync/http_fetch.hpp"

namespace loaxa {

class StatusPusher {
 public:
  using Source = std::function<boost::json::object()>;
  StatusPusher(boost::asio::io_context& io, std::string box_id, Source source);
  ~StatusPusher();
  // Starts or retargets; an empty url stops sending.
  void configure(std::string url, std::chrono::milliseconds interval, std::filesystem::path key);
  void stop();
  // Called on the loop when a channel starts, stops or moves on (a play's row has just
  // closed) or a new manifest is in force, before that status is sent.
  void on_change(std::function<void()> f) { on_change_ = std::move(f); }

 private:
  void arm();
  void tick();
  void send(boost::json::object status);

  boost::asio::io_context& io_;
  std::string box_id_;
  Source source_;
  std::string url_;
  std::chrono::milliseconds interval_{30'000};
  std::filesystem::path key_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<sync::HttpCall> call_;
  std::chrono::steady_clock::time_point last_sent_{};
  std::string last_states_;  // the channels' states at the last send
  std::string last_seen_;    // and at the last look
  std::function<void()> on_change_;
  int failures_ = 0;
};

}  // namespace loaxa
