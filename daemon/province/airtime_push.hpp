#pragma once
// [airtime.push]: closed airtime rows leave the box as NDJSON batches in HTTP POSTs, in
// closing (chain) order. A batch counts as sent only when the receiver answers 2xx; the
// position of its last row is then stored, so pushing resumes there after a restart or
// a power cut. Failures back off (the interval, doubling to 10 min). A crash between the 2xx and
// the stored position resends that one batch: receivers de-duplicate by the row id.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <memory>

#include "daemon/config/config.hpp"
#include "store/store.hpp"
#include "sync/http_fetch.hpp"

namespace loaxa {

// X-Loaxa-Signature: base64 of the Ed25519 signature of the exact body by the box's key.
// Throws std::runtime_error when the key cannot be read.
std::string sign_body(std::string_view body, const std::filesystem::path& key);

class AirtimePusher {
 public:
  // `key`: the box's secret key file; when set, each batch carries X-Loaxa-Signature.
  AirtimePusher(boost::asio::io_context& io, store::Store& store, PushConfig config,
                std::string box_id, std::filesystem::path key = {});
  ~AirtimePusher();
  void start();
  void stop();
  // A play has just ended (an emergency's row is the hub's receipt): the rows go now,
  // not at the next interval, unless a batch is in flight or failures pace the retries.
  void nudge();
  // A reloaded [airtime.push]: the next batch goes where and as it says.
  void update(PushConfig config, std::filesystem::path key) {
    config_ = std::move(config);
    key_ = std::move(key);
  }

 private:
  void wait(std::chrono::milliseconds delay);
  void send();
  void on_answer(std::int64_t last, int rows, const sync::HttpResponse& answer);

  boost::asio::io_context& io_;
  store::Store& store_;
  PushConfig config_;
  std::string box_id_;
  std::filesystem::path key_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<sync::HttpCall> call_;
  int failures_ = 0;
  bool stopped_ = false;
};

}  // namespace loaxa
