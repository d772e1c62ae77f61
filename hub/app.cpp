#include "hub/app.hpp"

#include <systemd/sd-daemon.h>

#include <csignal>
#include <thread>

#include "common/log.hpp"

namespace loaxa::hub {

namespace {
// How often offline boxes and silent pushes are looked for.
constexpr std::chrono::seconds kSweep{5};
}  // namespace

HubApp::HubApp(HubConfig config, MediaExaminer examine)
    : config_(std::move(config)),
      zone_(config_.timezone),
      signals_(io_, SIGTERM, SIGINT),
      sweep_(io_),
      examine_(std::move(examine)) {}

HubApp::~HubApp() {
  workers_.join();  // an examination under way ends before what it answers to goes
}

int HubApp::run() {
  // The database may come up after the hub (both started at boot): wait for it a while.
  for (int attempt = 0;; ++attempt) {
    try {
      db_ = std::make_unique<pg::Connection>(config_.database);
      break;
    } catch (const std::exception& e) {
      if (attempt >= 30) throw;
      if (attempt == 0) log::warning("hub", std::string(e.what()) + "; trying again for 60 s");
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
  }
  const int version = migrate(*db_);
  log::info("hub", "database ready (schema version " + std::to_string(version) + ")");
  store_ = std::make_unique<Store>(*db_);
  alerts_ = std::make_unique<Alerts>(*store_, config_);
  ingest_ =
      std::make_unique<Ingest>(*store_, zone_, [this](const Alert& a) { alerts_->notify(a); });
  receipts_ = std::make_unique<Receipts>(*store_, zone_,
                                         [this](const Box& b) { return online(config_, b); });
  api::ServerLimits limits;
  limits.max_body_bytes = 4 * 1024 * 1024;  // a box's batch of up to 10,000 rows
  limits.max_connections = 2048;            // every box of a province keeps one open
  server_ = std::make_unique<api::HttpServer>(io_, limits);
  context_ = std::make_unique<HubContext>(
      HubContext{config_, *store_, *ingest_, *alerts_, zone_, *server_, *receipts_});
  if (!config_.publish_dir.empty()) {
    manifests_ = std::make_unique<ManifestServer>(io_, config_.publish_dir);
    context_->manifests = manifests_.get();
    manifests_->on_published([this](const sync::Manifest& m) { receipts_->on_manifest(m); });
    // A manifest the hub did not sign itself came into the folder (`loaxa publish`): the
    // audit says who published what, as it does for the hub's own.
    manifests_->on_found([this](const std::string& bytes) {
      const auto m = sync::parse_manifest(bytes);
      if (issuer_ && issuer_->wrote(m.sequence)) return;
      const std::string head = "manifest " + std::to_string(m.sequence) + " ";
      if (store_->db()
              .exec("SELECT 1 FROM audit WHERE action = 'manifest.publish' AND "
                    "starts_with(detail, $1)",
                    {pg::text(head)})
              .rows() > 0) {
        return;  // noted before the hub restarted
      }
      store_->audit(m.publisher, "", "manifest.publish",
                    head + "(loaxa publish, " + config_.publish_dir.string() +
                        "): " + std::to_string(m.media.size()) + " media, " +
                        std::to_string(m.playlists.size()) + " playlists, " +
                        std::to_string(m.schedules.size()) + " schedules, " +
                        std::to_string(m.emergencies.size()) + " emergencies");
    });
    if (!config_.publish_key.empty()) {
      issuer_ = std::make_unique<Issuer>(*store_, config_, zone_);
      context_->issuer = issuer_.get();
      context_->examine = examine_;
      context_->io = &io_;
      context_->workers = &workers_;
      manifests_->rewrite_with(
          [this](const std::string& bytes) { return issuer_->merge(bytes).has_value(); });
    }
    manifests_->start();
  }
  add_hub_routes(*context_);
  if (!config_.tls_cert.empty()) server_->enable_tls(config_.tls_cert, config_.tls_key);
  server_->listen(config_.listen);
  for (const auto& l : config_.listen) log::info("api", "listening on " + l);
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    log::notice("hub", "stopping");
    sweep_.cancel();
    if (manifests_) manifests_->stop();
    server_->stop();
    io_.stop();
  });
  sweep_later();
  sd_notify(0, "READY=1\nSTATUS=taking in airtime and status");
  log::notice("hub", "hub " + config_.id + " ready (" + config_.file.string() + ")");
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      log::error("hub",
                 std::string("an event-loop handler failed (") + e.what() + "); the loop goes on");
    }
  }
  log::notice("hub", "stopped");
  return 0;
}

void HubApp::sweep_later() {
  sweep_.expires_after(kSweep);
  sweep_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    try {
      alerts_->sweep();
    } catch (const std::exception& e) {
      log::warning("alert", std::string("looking for offline boxes failed: ") + e.what());
    }
    sweep_later();
  });
}

}  // namespace loaxa::hub
