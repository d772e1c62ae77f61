#pragma once
// The daemon's HTTP endpoints, wired onto the server: health, status, airtime, reports,
// preview, sync.

#include "daemon/api/http_server.hpp"
#include "daemon/controller.hpp"
#include "daemon/province_sync.hpp"
#include "daemon/store/store.hpp"

namespace loaxa {

// `sync` is null when [sync] is not configured.
void add_routes(api::HttpServer& server, Controller& controller, store::Store& store,
                ProvinceSync* sync);

}  // namespace loaxa
