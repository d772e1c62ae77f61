#pragma once
// The daemon's HTTP endpoints, wired onto the server: health, status, airtime, reports,
// preview, sync, tokens and the audit trail; every one checks its caller's role.

#include "daemon/api/http_server.hpp"
#include "daemon/controller.hpp"
#include "daemon/province_sync.hpp"
#include "daemon/store/store.hpp"

namespace loaxa {

// Whether any API token (config or database) exists: without one the API answers only
// on loopback, to whoever is on the box, as admin.
bool credentials_configured(Controller& controller, store::Store& store);

// Media (uploads), playlists and schedules (api_library.cpp).
void add_library_routes(api::HttpServer& server, Controller& controller, store::Store& store);

// `sync` is null when [sync] is not configured.
void add_routes(api::HttpServer& server, Controller& controller, store::Store& store,
                ProvinceSync* sync);

}  // namespace loaxa
