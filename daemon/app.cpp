#include "daemon/app.hpp"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <csignal>
#include <cstdlib>
#include <ctime>

#include "common/guard.hpp"
#include "common/log.hpp"
#include "daemon/api/routes.hpp"

namespace loaxa {
namespace {

bool is_loopback(const std::string& listen) {
  return listen.starts_with("127.") || listen.starts_with("[::1]:") ||
         listen.starts_with("localhost:");
}

}  // namespace

App::App(Config config, DaemonOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      ticker_(io_),
      stop_deadline_(io_) {}

App::~App() = default;

int App::run() {
  // What GStreamer draws with localtime() (a kiosk's clock) shows the box's time.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread of ours or GStreamer's runs
  ::setenv("TZ", config_.box.timezone.c_str(), 1);
  ::tzset();
  std::filesystem::create_directories(config_.box.state_dir);
  const auto db_path = config_.box.state_dir / "loaxa.db";
  store_ = std::make_unique<store::Store>(db_path);
  log::info("store", "database " + db_path.string() + " ready");

  ControllerOptions copts;
  if (options_.render_to_files) {
    copts.render_dir = config_.box.state_dir / "out";
    std::filesystem::create_directories(*copts.render_dir);
  }
  controller_ = std::make_unique<Controller>(io_, *store_, config_, copts);

  server_ = std::make_unique<api::HttpServer>(io_);
  if (config_.sync) sync_ = std::make_unique<ProvinceSync>(io_, *store_, *controller_, config_);
  api_ = std::make_unique<ApiContext>(
      ApiContext{*server_, *controller_, *store_, sync_.get(), OffLoop{io_, workers_, passwords_}});
  add_routes(*api_);
  for (const auto& l : config_.api->listen) {
    if (!is_loopback(l) && !credentials_configured(*controller_, *store_)) {
      throw std::runtime_error(
          "api.listen \"" + l +
          "\": no API token is configured, so the API may only listen on loopback "
          "(127.0.0.1:PORT); add [api] tokens to the config or run `loaxa token create` "
          "on the box first");
    }
  }
  if (!config_.api->tls_cert.empty())
    server_->enable_tls(config_.api->tls_cert, config_.api->tls_key);
  server_->listen(config_.api->listen);
  for (const auto& l : config_.api->listen) {
    const bool tls = !config_.api->tls_cert.empty() && !is_loopback(l);
    log::info("api", std::string("listening on ") + (tls ? "https://" : "http://") + l);
  }

  controller_->start();
  if (sync_) sync_->start();
  if (config_.airtime.push) {
    pusher_ = std::make_unique<AirtimePusher>(io_, *store_, *config_.airtime.push, config_.box.id,
                                              config_.box.key);
    pusher_->start();
  }
  status_pusher_ = std::make_unique<StatusPusher>(io_, config_.box.id, [this] { return status(); });
  status_pusher_->on_change([this] {
    if (pusher_) pusher_->nudge();
  });
  configure_status_push();
  wait_signal();
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_ = std::chrono::microseconds(usec);
  schedule_tick();
  sd_notify(0, "READY=1\nSTATUS=playing the schedule");
  log::notice("loaxad", "box " + config_.box.id + " ready (" + config_.file.string() + ")");
  // The last line of defence: a handler that threw past its own guard is logged and
  // the loop goes on with the rest.
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      log::error("loaxad",
                 std::string("an event-loop handler failed (") + e.what() + "); the loop goes on");
    }
  }
  log::notice("loaxad", "stopped");
  return 0;
}

boost::json::object App::status() const {
  auto out = controller_->status();
  if (sync_) out["sync"] = sync_->status();
  out["version"] = LOAXA_VERSION;
  out["uptime_s"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count();
  return out;
}

void App::configure_status_push() {
  if (!status_pusher_) return;
  const auto& push = config_.airtime.push;
  if (!push || push->status_url.empty()) {
    status_pusher_->stop();
    return;
  }
  status_pusher_->configure(push->status_url, push->status_interval, config_.box.key);
}

void App::wait_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    guarded("loaxad", [&] { on_signal(signo); });
    if (!stopping_) wait_signal();
  });
}

void App::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
    return;
  }
  log::notice("loaxad",
              std::string("received ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
  stop();
}

void App::stop() {
  if (stopping_) return;
  stopping_ = true;
  sd_notify(0, "STOPPING=1");
  if (pusher_) pusher_->stop();
  if (status_pusher_) status_pusher_->stop();
  if (sync_) sync_->stop();
  // Whatever happens, the process is gone within 2 s of the signal.
  stop_deadline_.expires_after(std::chrono::milliseconds(1800));
  stop_deadline_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    log::warning("loaxad", "channels did not stop in time; exiting anyway");
    io_.stop();
  });
  controller_->shutdown([this] {
    stop_deadline_.cancel();
    ticker_.cancel();
    signals_.cancel();
    server_->stop();
    io_.stop();
  });
}

namespace {

// Keys of the running config a reload cannot apply while loaxad runs.
std::vector<std::string> needs_restart(const Config& now, const Config& next) {
  std::vector<std::string> keys;
  if (now.sync.has_value() != next.sync.has_value()) keys.emplace_back("[sync]");
  if (now.airtime.push.has_value() != next.airtime.push.has_value())
    keys.emplace_back("[airtime.push]");
  const ApiConfig a = now.api.value_or(ApiConfig{}), b = next.api.value_or(ApiConfig{});
  if (a.listen != b.listen) keys.emplace_back("api.listen");
  if (a.tls_cert != b.tls_cert || a.tls_key != b.tls_key) keys.emplace_back("api.tls_cert/tls_key");
  if (a.max_upload != b.max_upload) keys.emplace_back("api.max_upload");
  if (now.box.district != next.box.district)
    keys.emplace_back("box.district (which province entries are for this box)");
  if (now.box.timezone != next.box.timezone)
    keys.emplace_back("box.timezone (the kiosk clock; the schedule follows it at once)");
  return keys;
}

std::string joined(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

void App::reload() {
  sd_notify(0, "RELOADING=1");
  boost::json::object report{
      {"file", options_.config_file.string()},
      {"at", controller_->zone().format_iso(std::chrono::system_clock::now())}};
  std::vector<std::string> problems;
  auto result = load_config(options_.config_file);
  for (const auto& p : result.problems) problems.push_back(p.to_string());
  if (result.config && result.config->box.state_dir != config_.box.state_dir) {
    problems.emplace_back("box.state_dir changed; restart loaxad to move the database");
  }
  if (problems.empty()) {
    for (auto& p : controller_->check(*result.config)) problems.push_back(std::move(p));
  }
  std::vector<std::string> restart;
  if (problems.empty()) {
    restart = needs_restart(config_, *result.config);
    Config previous = config_;
    try {
      config_ = *result.config;
      controller_->apply(config_);
    } catch (const std::exception& e) {
      problems.emplace_back(std::string("applying it failed: ") + e.what());
      config_ = previous;
      try {
        controller_->apply(config_);
      } catch (const std::exception& again) {
        log::error("config",
                   std::string("restoring the running config failed too: ") + again.what());
      }
    }
  }
  if (problems.empty()) {
    if (sync_ && config_.sync) sync_->update(*config_.sync);
    if (pusher_ && config_.airtime.push) pusher_->update(*config_.airtime.push, config_.box.key);
    configure_status_push();
    log::notice("config", "reloaded " + options_.config_file.string());
    if (!restart.empty()) {
      log::warning("config",
                   "khởi động lại để áp dụng / restart loaxad to apply: " + joined(restart, ", "));
    }
    boost::json::array keys;
    for (const auto& k : restart) keys.emplace_back(k);
    report["result"] = "applied";
    report["restart_needed"] = std::move(keys);
    if (!restart.empty()) report["message"] = "khởi động lại để áp dụng: " + joined(restart, ", ");
  } else {
    for (const auto& p : problems) log::error("config", p);
    log::error("config", "the new config was refused; the running one stays in force");
    boost::json::array list;
    for (const auto& p : problems) list.emplace_back(p);
    report["result"] = "refused";
    report["problems"] = std::move(list);
    report["message"] =
        "cấu hình mới bị từ chối, cấu hình đang chạy vẫn giữ nguyên: " + joined(problems, "; ");
  }
  controller_->set_reload_report(std::move(report));
  sd_notify(0, "READY=1");
}

void App::schedule_tick() {
  ticker_.expires_after(std::chrono::milliseconds(500));
  ticker_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    guarded("controller", [this] {
      inject_fault("timer");
      controller_->tick();
    });
    const auto now = std::chrono::steady_clock::now();
    if (watchdog_.count() > 0 && now - last_ping_ > watchdog_ / 3) {
      sd_notify(0, "WATCHDOG=1");
      last_ping_ = now;
    }
    schedule_tick();
  });
}

}  // namespace loaxa
