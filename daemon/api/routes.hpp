#pragma once
// The daemon's HTTP endpoints, wired onto the server: health, status, airtime, reports,
// preview, sync, tokens and the audit trail; every one checks its caller's role.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "daemon/playout/controller.hpp"
#include "daemon/province/province_sync.hpp"
#include "http/server.hpp"
#include "store/store.hpp"

namespace loaxa {

// Whether any API token (config or database) exists: without one the API answers only
// on loopback, to whoever is on the box, as admin.
bool credentials_configured(Controller& controller, store::Store& store);

// The one mapping from an error to an HTTP answer, for every route that catches: the
// caller's mistakes are 4xx (std::invalid_argument 400 bad_input, Controller::NotFound
// 404, Controller::Refused 409); anything else is the box's own failure (a database I/O
// error, a full disk): 500 internal, with what failed.
api::Response error_answer(const std::exception& e);

// Media (uploads), playlists and schedules (api_library.cpp).
void add_library_routes(api::HttpServer& server, Controller& controller, store::Store& store);

// Work that must not hold up the event loop (password hashing) runs on `pool`; its
// result comes back to `io`.
struct OffLoop {
  boost::asio::io_context& io;
  boost::asio::thread_pool& pool;
};

// `sync` is null when [sync] is not configured.
void add_routes(api::HttpServer& server, Controller& controller, store::Store& store,
                ProvinceSync* sync, OffLoop off_loop);

}  // namespace loaxa
