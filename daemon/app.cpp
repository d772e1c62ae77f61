#include "daemon/app.hpp"

#include <systemd/sd-daemon.h>

#include <csignal>
#include <cstdlib>
#include <ctime>

#include "daemon/api_routes.hpp"
#include "daemon/log.hpp"

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
  add_routes(*server_, *controller_, *store_, sync_.get());
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
    pusher_ = std::make_unique<AirtimePusher>(io_, *store_, *config_.airtime.push, config_.box.id);
    pusher_->start();
  }
  wait_signal();
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_ = std::chrono::microseconds(usec);
  schedule_tick();
  sd_notify(0, "READY=1\nSTATUS=playing the schedule");
  log::notice("loaxad", "box " + config_.box.id + " ready (" + config_.file.string() + ")");
  io_.run();
  log::notice("loaxad", "stopped");
  return 0;
}

void App::wait_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    on_signal(signo);
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

void App::reload() {
  sd_notify(0, "RELOADING=1");
  auto result = load_config(options_.config_file);
  if (!result.config) {
    for (const auto& p : result.problems) log::error("config", p.to_string());
    log::error("config", "the new config was refused; the running one stays in force");
  } else if (result.config->box.state_dir != config_.box.state_dir) {
    log::error("config",
               "box.state_dir changed; restart loaxad to move the database. The new "
               "config was refused; the running one stays in force");
  } else {
    config_ = *result.config;
    controller_->apply(config_);
    log::notice("config", "reloaded " + options_.config_file.string());
  }
  sd_notify(0, "READY=1");
}

void App::schedule_tick() {
  ticker_.expires_after(std::chrono::milliseconds(500));
  ticker_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    controller_->tick();
    const auto now = std::chrono::steady_clock::now();
    if (watchdog_.count() > 0 && now - last_ping_ > watchdog_ / 3) {
      sd_notify(0, "WATCHDOG=1");
      last_ping_ = now;
    }
    schedule_tick();
  });
}

}  // namespace loaxa
