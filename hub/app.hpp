#pragma once
// loaxa-hub's wiring: one io_context for the HTTP server and the alert sweep, one
// PostgreSQL connection used from it (the hub does no playout: a query that waits holds
// up only other requests), signals (TERM/INT stop), systemd notify.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>

#include "http/server.hpp"
#include "hub/alerts.hpp"
#include "hub/api.hpp"
#include "hub/config.hpp"
#include "hub/ingest.hpp"
#include "hub/pg.hpp"
#include "hub/store.hpp"

namespace loaxa::hub {

class HubApp {
 public:
  // `examine`: what uploads to the media library are checked with (hub/media/); none:
  // the hub refuses uploads.
  explicit HubApp(HubConfig config, MediaExaminer examine = {});
  ~HubApp();
  int run();

 private:
  void sweep_later();

  HubConfig config_;
  scheduler::Zone zone_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer sweep_;
  std::unique_ptr<pg::Connection> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Alerts> alerts_;
  std::unique_ptr<Ingest> ingest_;
  std::unique_ptr<Receipts> receipts_;
  std::unique_ptr<Issuer> issuer_;
  std::unique_ptr<api::HttpServer> server_;
  std::unique_ptr<ManifestServer> manifests_;
  std::unique_ptr<HubContext> context_;
  MediaExaminer examine_;
  // One upload examined at a time, off the event loop (decoding a long file takes seconds).
  boost::asio::thread_pool workers_{1};
};

}  // namespace loaxa::hub
