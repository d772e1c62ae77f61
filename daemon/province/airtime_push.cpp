#include "daemon/province/airtime_push.hpp"

#include <boost/json/serialize.hpp>

#include "airtime/export.hpp"
#include "common/log.hpp"
#include "sync/keys.hpp"

namespace loaxa {

namespace {

constexpr std::chrono::milliseconds kPushMaxBackoff{600'000};
constexpr std::chrono::milliseconds kPushRequestTimeout{30'000};
// How long after its timeout an answer's handler may still come before the pusher stops
// waiting for it.
constexpr std::chrono::milliseconds kHandlerGrace{2'000};

}  // namespace

std::string sign_body(std::string_view body, const std::filesystem::path& key) {
  std::string signature = sync::sign_with_key_file(body, key);
  while (!signature.empty() && (signature.back() == '\n' || signature.back() == '\r'))
    signature.pop_back();
  return signature;
}

AirtimePusher::AirtimePusher(boost::asio::io_context& io, store::Store& store, PushConfig config,
                             std::string box_id, std::filesystem::path key)
    : io_(io),
      store_(store),
      config_(std::move(config)),
      box_id_(std::move(box_id)),
      key_(std::move(key)),
      timer_(io) {}

AirtimePusher::~AirtimePusher() {
  try {
    stop();
  } catch (...) {  // nothing may leave a destructor; stop() only cancels and logs
  }
}

void AirtimePusher::start() {
  log::info("push", "airtime rows go to " + config_.url + " from position " +
                        std::to_string(store_.airtime().push_cursor(config_.url)) + ", " +
                        std::to_string(config_.batch) + " per request");
  wait(std::chrono::milliseconds(0));
}

void AirtimePusher::stop() {
  stopped_ = true;
  timer_.cancel();
  if (call_) call_->cancel();
  call_.reset();
}

void AirtimePusher::nudge() {
  if (stopped_ || call_ || failures_ > 0) return;
  wait(std::chrono::milliseconds(0));
}

void AirtimePusher::wait(std::chrono::milliseconds delay) {
  if (stopped_) return;
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    try {
      send();
    } catch (const std::exception& e) {
      log::error("push", std::string("preparing a push failed: ") + e.what());
      wait(config_.interval);
    }
  });
}

void AirtimePusher::send() {
  std::string body;
  std::int64_t last = 0;
  int rows = 0;
  try {
    const std::int64_t from = store_.airtime().push_cursor(config_.url);
    rows = store_.airtime().closed_after(from, config_.batch,
                                         [&](std::int64_t position, const store::AirtimeRow& row) {
                                           body += boost::json::serialize(store::to_json(row));
                                           body += '\n';
                                           last = position;
                                         });
  } catch (const std::exception& e) {
    log::error("push", std::string("reading rows to push failed: ") + e.what());
    wait(config_.interval);
    return;
  }
  if (rows == 0) {
    wait(config_.interval);
    return;
  }
  sync::HttpRequest request;
  request.method = boost::beast::http::verb::post;
  request.url = config_.url;
  request.body = std::move(body);
  request.content_type = "application/x-ndjson; charset=utf-8";
  request.headers = {{"X-Loaxa-Box", box_id_}, {"X-Loaxa-Rows", std::to_string(rows)}};
  if (!key_.empty()) {
    request.headers.emplace_back("X-Loaxa-Signature", sign_body(request.body, key_));
  }
  request.timeout = kPushRequestTimeout;
  request.body_limit = 64 * 1024;
  // The answer's handler re-arms the timer. Should it never run (a handler that threw
  // is logged at the loop's edge and goes no further), this does, so pushing never
  // stops for good. Armed first: an answer given at once replaces it.
  timer_.expires_after(kPushRequestTimeout + kHandlerGrace);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    log::warning("push", config_.url + ": no answer was handled within the timeout; " +
                             "rows are kept and sent again");
    if (call_) call_->cancel();
    call_.reset();
    wait(config_.interval);
  });
  try {
    call_ = sync::async_http(io_, std::move(request),
                             [this, last, rows](const sync::HttpResponse& answer) {
                               call_.reset();
                               on_answer(last, rows, answer);
                             });
  } catch (const std::exception& e) {
    sync::HttpResponse failed;
    failed.error = e.what();
    on_answer(last, rows, failed);
  }
}

void AirtimePusher::on_answer(std::int64_t last, int rows, const sync::HttpResponse& answer) {
  if (!answer.ok()) {
    ++failures_;
    // The interval, doubling with each failure, to 10 min (or the interval, if longer).
    const auto cap = std::max(kPushMaxBackoff, config_.interval);
    auto delay = config_.interval;
    for (int i = 1; i < failures_ && delay < cap; ++i) delay *= 2;
    delay = std::min(delay, cap);
    // The first failure and then every tenth: a receiver down for a day is one problem.
    if (failures_ == 1 || failures_ % 10 == 0) {
      log::warning("push", config_.url + ": " + answer.describe() + " (" +
                               std::to_string(failures_) +
                               " failure(s) in a row); rows are kept "
                               "and sent again in " +
                               std::to_string(delay.count() / 1000) + " s");
    }
    wait(delay);
    return;
  }
  try {
    store_.airtime().set_push_cursor(config_.url, last);
  } catch (const std::exception& e) {
    log::error("push", std::string("storing the push position failed: ") + e.what());
  }
  if (failures_ > 0) log::notice("push", config_.url + " answers again; pushing resumed");
  failures_ = 0;
  log::info("push", "sent " + std::to_string(rows) + " row(s) up to position " +
                        std::to_string(last) + " (" + answer.describe() + ")");
  // A full batch means more may be waiting: go on at once.
  wait(rows >= config_.batch ? std::chrono::milliseconds(0) : config_.interval);
}

}  // namespace loaxa
