// How the box is: liveness and readiness for the service manager, Prometheus metrics,
// and the status every screen of the web UI starts from.

#include <sys/statvfs.h>

#include <boost/json.hpp>
#include <filesystem>

#include "daemon/api/routes.hpp"
#include "daemon/playout/clock.hpp"
#include "daemon/playout/metrics.hpp"

namespace loaxa {
namespace {

using api::Request;
using api::Response;
using api::Role;

Response healthz(ApiContext&, const Request&) {
  return Response{200, "text/plain; charset=utf-8", "ok\n"};
}

// Ready: the database answers and every channel's output runs.
Response readyz(ApiContext& api, const Request&) {
  std::string why;
  try {
    (void)api.store.meta("box_id");
  } catch (const std::exception& e) {
    why += std::string("database: ") + e.what() + "\n";
  }
  if (!api.controller.channels_up()) {
    why += "a channel's output is being reopened after a failure\n";
  }
  if (why.empty()) return Response{200, "text/plain; charset=utf-8", "ready\n"};
  return Response{503, "text/plain; charset=utf-8", why};
}

Response metrics_text(ApiContext& api, const Request&) {
  std::string out;
  api.controller.write_metrics(out);
  if (api.sync) api.sync->write_metrics(out);
  const auto& state = api.controller.config().box.state_dir;
  struct statvfs vfs {};
  metrics::family(out, "loaxa_disk_free_bytes", "gauge",
                  "Free bytes for the daemon on the file system of state_dir.");
  if (::statvfs(state.c_str(), &vfs) == 0) {
    metrics::sample(out, "loaxa_disk_free_bytes", {},
                    static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize));
  }
  metrics::family(out, "loaxa_database_bytes", "gauge",
                  "Size of loaxa.db and its write-ahead log.");
  std::error_code ec;
  double db = 0;
  for (const char* f : {"loaxa.db", "loaxa.db-wal"}) {
    const auto n = std::filesystem::file_size(state / f, ec);
    if (!ec) db += static_cast<double>(n);
  }
  metrics::sample(out, "loaxa_database_bytes", {}, db);
  metrics::family(out, "loaxa_clock_synchronized", "gauge",
                  "1 when the system clock is synchronised (NTP).");
  metrics::sample(out, "loaxa_clock_synchronized", {}, system_clock_synchronized() ? 1 : 0);
  return Response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(out)};
}

Response status(ApiContext& api, const Request&) {
  auto out = api.controller.status();
  if (api.sync) out["sync"] = api.sync->status();
  return api::json_response(boost::json::serialize(out) + "\n");
}

constexpr Route kStatusRoutes[] = {
    {"GET", "/healthz", Role::none, healthz},
    {"GET", "/readyz", Role::none, readyz},
    {"GET", "/metrics", Role::viewer, metrics_text},
    {"GET", "/api/v1/status", Role::viewer, status},
};

}  // namespace

void add_status_routes(ApiContext& api) {
  api.server.routes(api, kStatusRoutes);
}

}  // namespace loaxa
