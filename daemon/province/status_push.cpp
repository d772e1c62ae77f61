#include "daemon/province/status_push.hpp"

#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "daemon/province/airtime_push.hpp"

namespace loaxa {

namespace {

// How often the channels' states are compared with the last status sent: a start or a
// stop reaches the hub within this (the status itself is cheap to make).
constexpr std::chrono::milliseconds kLook{1'000};
constexpr std::chrono::milliseconds kStatusRequestTimeout{15'000};

// "sync=12;loudspeaker=playing:ban-tin@2022-…;kiosk=idle:;" — what changing means: a
// new province manifest in force, a channel starting, sounding, moving on or stopping.
std::string channel_states(const boost::json::object& status) {
  std::string out;
  if (const auto* s = status.if_contains("sync"); s && s->is_object()) {
    if (const auto* q = s->as_object().if_contains("applied_sequence"); q && q->is_int64())
      out += "sync=" + std::to_string(q->as_int64()) + ";";
  }
  const auto* channels = status.if_contains("channels");
  if (!channels || !channels->is_array()) return out;
  for (const auto& c : channels->as_array()) {
    if (!c.is_object()) continue;
    const auto& o = c.as_object();
    if (const auto* n = o.if_contains("name"); n && n->is_string()) out += n->as_string();
    out += '=';
    if (const auto* s = o.if_contains("state"); s && s->is_string()) out += s->as_string();
    out += ':';
    if (const auto* now = o.if_contains("now_playing"); now && now->is_object()) {
      if (const auto* m = now->as_object().if_contains("media_id"); m && m->is_string())
        out += m->as_string();
      // Set at the first sample: the play's row is open, the hub's "airing".
      if (const auto* since = now->as_object().if_contains("since"); since && since->is_string())
        out += "@" + std::string(since->as_string());
    }
    out += ';';
  }
  return out;
}

}  // namespace

StatusPusher::StatusPusher(boost::asio::io_context& io, std::string box_id, Source source)
    : io_(io), box_id_(std::move(box_id)), source_(std::move(source)), timer_(io) {}

StatusPusher::~StatusPusher() {
  try {
    stop();
  } catch (...) {  // stop() only cancels
  }
}

void StatusPusher::configure(std::string url, std::chrono::milliseconds interval,
                             std::filesystem::path key) {
  const bool starting = url_.empty() && !url.empty();
  url_ = std::move(url);
  interval_ = interval;
  key_ = std::move(key);
  if (url_.empty()) {
    stop();
    return;
  }
  if (starting) {
    log::info("push", "status goes to " + url_ + " every " +
                          std::to_string(interval_.count() / 1000) + " s and when a channel " +
                          "starts or stops");
    last_sent_ = {};
    arm();
  }
}

void StatusPusher::stop() {
  url_.clear();
  timer_.cancel();
  if (call_) call_->cancel();
  call_.reset();
}

void StatusPusher::arm() {
  timer_.expires_after(kLook);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || url_.empty()) return;
    try {
      tick();
    } catch (const std::exception& e) {
      log::error("push", std::string("preparing the status failed: ") + e.what());
    }
    arm();
  });
}

void StatusPusher::tick() {
  if (call_) return;  // one status in flight at a time
  auto status = source_();
  std::string states = channel_states(status);
  const auto now = std::chrono::steady_clock::now();
  if (states != last_seen_) {
    last_seen_ = states;
    if (on_change_) on_change_();
  }
  // After a failure, the interval (not each change) paces the retries.
  const bool changed = states != last_states_ && failures_ == 0;
  if (!changed && now - last_sent_ < interval_) return;
  last_states_ = std::move(states);
  last_sent_ = now;
  send(std::move(status));
}

void StatusPusher::send(boost::json::object status) {
  sync::HttpRequest request;
  request.method = boost::beast::http::verb::post;
  request.url = url_;
  request.body = boost::json::serialize(status);
  request.content_type = "application/json; charset=utf-8";
  request.headers = {{"X-Loaxa-Box", box_id_}};
  if (!key_.empty()) {
    request.headers.emplace_back("X-Loaxa-Signature", sign_body(request.body, key_));
  }
  request.timeout = kStatusRequestTimeout;
  request.body_limit = 64 * 1024;
  call_ = sync::async_http(io_, std::move(request), [this](const sync::HttpResponse& answer) {
    call_.reset();
    if (answer.ok()) {
      if (failures_ > 0) log::notice("push", url_ + " takes the status again");
      failures_ = 0;
      return;
    }
    if (failures_++ == 0) {
      log::warning("push", url_ + ": the status was not taken (" + answer.describe() +
                               "); the next one goes in " +
                               std::to_string(interval_.count() / 1000) + " s");
    }
  });
}

}  // namespace loaxa
