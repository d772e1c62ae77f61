#pragma once
// A channel: one output (loudspeaker or kiosk) playing one item at a time, each
// started at an exact wall-clock instant. It knows nothing of schedules or SQLite:
// it reports started(actual) and ended(actual, status) to its listener.

#include <boost/asio/io_context.hpp>
#include <boost/asio/system_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "player/item_pipeline.hpp"
#include "player/output.hpp"

namespace loaxa::player {

class Channel : public Output {
 public:
  Channel(boost::asio::io_context& io, ChannelSettings settings, ChannelListener& listener);
  ~Channel() override;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  const std::string& name() const override { return settings_.name; }
  const ChannelSettings& settings() const { return settings_; }
  void update(ChannelSettings settings) override { settings_ = std::move(settings); }

  // Prerolls `file` now and sounds its first sample at `at` (or at once if `at` has
  // passed). Anything still playing is stopped first (without a fade).
  void play(std::uint64_t token, const std::filesystem::path& file, WallTime at,
            std::chrono::milliseconds offset) override;
  // Fades the current item out and ends it as `stopped`.
  void stop(std::chrono::milliseconds fade) override;
  bool idle() const override { return !current_; }
  std::uint64_t current_token() const { return token_; }

 private:
  void on_prerolled();
  void on_eos();
  void on_error(const std::string& error);
  void finish(WallTime end, EndStatus status, const std::string& error);

  boost::asio::io_context& io_;
  ChannelSettings settings_;
  ChannelListener& listener_;
  std::shared_ptr<ItemPipeline> current_;
  std::uint64_t token_ = 0;
  WallTime at_{};
  bool started_ = false;
  bool stopping_ = false;
  boost::asio::system_timer started_timer_;
  boost::asio::system_timer fade_timer_;
};

}  // namespace loaxa::player
