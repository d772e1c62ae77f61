#pragma once
// The daemon's HTTP endpoints, wired onto the server: health, status, airtime, preview.

#include "daemon/api/http_server.hpp"
#include "daemon/controller.hpp"
#include "daemon/store/store.hpp"

namespace loaxa {

void add_routes(api::HttpServer& server, Controller& controller, store::Store& store);

}  // namespace loaxa
