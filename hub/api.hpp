#pragma once
// The hub's HTTP API (docs/hub.md): ingest from boxes (signed, no token), the fleet,
// alerts, airtime and reports for people (tokens or login; every route checks the role,
// and a district user sees its district only: anything else is 403, never a filtered
// answer that leaks what exists).

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/server.hpp"
#include "hub/alerts.hpp"
#include "hub/config.hpp"
#include "hub/ingest.hpp"
#include "hub/issue.hpp"
#include "hub/receipts.hpp"
#include "hub/serve.hpp"
#include "hub/store.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::hub {

struct HubContext {
  const HubConfig& config;
  Store& store;
  Ingest& ingest;
  Alerts& alerts;
  const scheduler::Zone& zone;
  api::HttpServer& server;
  Receipts& receipts;
  ManifestServer* manifests = nullptr;  // [publish] dir set: the tree served to the boxes
  Issuer* issuer = nullptr;             // [publish] key set too: emergencies from the hub
  // Uploads to the media library: examined on `workers`, answered back on `io`.
  MediaExaminer examine = nullptr;
  boost::asio::io_context* io = nullptr;
  boost::asio::thread_pool* workers = nullptr;
};

// Every route, the authenticator and the web UI.
void add_hub_routes(HubContext& hub);

}  // namespace loaxa::hub
