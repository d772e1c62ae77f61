#pragma once
// loaxad's wiring: one io_context owning the store, the controller and the HTTP
// server; signals (TERM/INT stop, HUP reloads), systemd notify and watchdog.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <memory>

#include "common/password_worker.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/config/config.hpp"
#include "daemon/playout/controller.hpp"
#include "daemon/province/airtime_push.hpp"
#include "daemon/province/province_sync.hpp"
#include "daemon/province/status_push.hpp"
#include "http/server.hpp"
#include "store/store.hpp"

namespace loaxa {

struct DaemonOptions {
  std::filesystem::path config_file;
  bool render_to_files = false;
};

class App {
 public:
  App(Config config, DaemonOptions options);
  ~App();
  // Runs until stopped by a signal. Returns the process exit code.
  int run();

 private:
  void wait_signal();
  void on_signal(int signo);
  void reload();
  void schedule_tick();
  void stop();
  // What GET /api/v1/status answers, and what the status pusher sends the hub.
  boost::json::object status() const;
  void configure_status_push();

  Config config_;
  DaemonOptions options_;
  boost::asio::io_context io_;
  // Password checks run in a child process (common/password_worker.hpp), waited for on
  // workers_, so neither the hash nor the wait is on the event loop.
  PasswordWorker passwords_{"/proc/self/exe"};
  // Work kept off the event loop (waiting for a password check); joined before io_ goes.
  boost::asio::thread_pool workers_{1};
  boost::asio::signal_set signals_;
  boost::asio::steady_timer ticker_;
  boost::asio::steady_timer stop_deadline_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<api::HttpServer> server_;
  std::unique_ptr<ApiContext> api_;  // what the routes answer from
  std::unique_ptr<AirtimePusher> pusher_;
  std::unique_ptr<StatusPusher> status_pusher_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<ProvinceSync> sync_;
  std::chrono::microseconds watchdog_{0};
  std::chrono::steady_clock::time_point last_ping_{};
  bool stopping_ = false;
};

}  // namespace loaxa
