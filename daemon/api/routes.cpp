// The box's API put together: every area's table, the authenticator (access.cpp) and the
// web UI's pages, which load without a token and ask for one before showing data.

#include "daemon/api/routes.hpp"

#include "daemon/web_assets.hpp"

namespace loaxa {
namespace {

api::Response web_page(const api::Request& r) {
  const std::string path = r.path == "/" ? "/index.html" : r.path;
  return api::asset_response(path, web_asset(path));
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
