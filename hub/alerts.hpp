#pragma once
// What the province must hear about a box, each with since-when and a Vietnamese sentence:
// offline, clock not synchronised, disk low, sync failing or behind the fleet, dead air,
// airtime not pushed for a day (here), and, from ingest, chain gaps, forks and edited
// rows, missed and failed blocks. Each alert opens once; `[alerts] command` runs with it
// as JSON on stdin (mail, Zalo or SMS gateways are the province's choice).

#include <boost/json/object.hpp>
#include <string>

#include "hub/config.hpp"
#include "hub/store.hpp"

namespace loaxa::hub {

class Alerts {
 public:
  Alerts(Store& store, const HubConfig& config) : store_(store), config_(config) {}
  // Runs the command with the alert (no shell; not waited for).
  void notify(const Alert& alert);
  // A status just arrived from `box` (`before` is its previous one): opens or closes the
  // alerts a status tells.
  void check_status(const Box& box, const std::optional<boost::json::object>& before,
                    const boost::json::object& status);
  // Every few seconds: offline boxes, airtime silence, event alerts a day old closed,
  // finished commands reaped.
  void sweep();

 private:
  void set(const Box& box, bool on, const std::string& kind, const std::string& key,
           const std::string& message, const boost::json::object& detail = {});
  Store& store_;
  const HubConfig& config_;
};

// The alert as the API and the command see it.
boost::json::object alert_json(const Alert& alert);

}  // namespace loaxa::hub
