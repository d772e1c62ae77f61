#pragma once
// The box's HTTP API: one route table per area (access, status, playout, library,
// airtime and reports, province sync), each line a method, a path, the role the caller
// needs and the function that answers. The server checks the role before the function
// runs and turns what it throws into the answer (api::error_answer), so a function only
// says what it does.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/password_worker.hpp"
#include "daemon/playout/controller.hpp"
#include "daemon/province/province_sync.hpp"
#include "http/server.hpp"
#include "store/store.hpp"

namespace loaxa {

// Work that must not hold up the event loop (waiting for a password check, which
// `passwords` runs in its own process) runs on `pool`; its result comes back to `io`.
struct OffLoop {
  boost::asio::io_context& io;
  boost::asio::thread_pool& pool;
  PasswordWorker& passwords;
};

// What every route of the box answers from; outlives the server.
struct ApiContext {
  api::HttpServer& server;
  Controller& controller;
  store::Store& store;
  ProvinceSync* sync;  // null when [sync] is not configured
  OffLoop off_loop;
};
using Route = api::RouteRow<ApiContext>;

// Whether any API token (config or database) exists: without one the API answers only
// on loopback, to whoever is on the box, as admin.
bool credentials_configured(Controller& controller, store::Store& store);

// Every table, the authenticator and the web UI's pages.
void add_routes(ApiContext& api);

// One area each (access.cpp, status.cpp, playout.cpp, library.cpp, airtime.cpp,
// sync.cpp).
void add_access_routes(ApiContext& api);
void add_status_routes(ApiContext& api);
void add_playout_routes(ApiContext& api);
void add_library_routes(ApiContext& api);
void add_airtime_routes(ApiContext& api);
void add_sync_routes(ApiContext& api);

}  // namespace loaxa
