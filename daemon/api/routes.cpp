// The box's API put together: every area's table, the authenticator (access.cpp) and the
// web UI's pages, which load without a token and ask for one before showing data.

#include "daemon/api/routes.hpp"

#include "daemon/web_assets.hpp"

namespace loaxa {
namespace {

api::Response web_page(const api::Request& r) {
  const std::string path = r.path == "/" ? "/index.html" : r.path;
  const auto bytes = web_asset(path);
  if (!bytes) return api::error_response(404, "not_found", "no such page: " + r.path);
  std::string type = "application/octet-stream";
  if (path.ends_with(".html")) type = "text/html; charset=utf-8";
  if (path.ends_with(".js")) type = "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) type = "text/css; charset=utf-8";
  if (path.ends_with(".svg")) type = "image/svg+xml";
  return api::Response{200, type, std::string(*bytes)};
}

}  // namespace

void add_routes(ApiContext& api) {
  add_access_routes(api);
  add_status_routes(api);
  add_playout_routes(api);
  add_library_routes(api);
  add_airtime_routes(api);
  add_sync_routes(api);
  api.server.set_static(web_page);
}

}  // namespace loaxa
