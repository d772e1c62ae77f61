#pragma once
// Emergencies and their receipts (docs/hub.md, "Emergencies and receipts"). The hub
// notes each emergency of the manifests it serves (the first sequence that carried it,
// its words, targets and validity, and when a later manifest dropped it: withdrawn).
// Each box tells, in its status, which province emergencies it holds: the first status
// naming one is the box's receipt (received), the first that no longer does says it let
// it go. What aired is the box's airtime rows (source emergency, schedule_id the
// emergency's id), which a box pushes as soon as a play ends; what airs now is its
// latest status. Together, per targeted box: airing, aired, not yet, offline, or not
// aired (the emergency is over and the box never sounded it).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <string>

#include "hub/store.hpp"
#include "scheduler/local_time.hpp"
#include "sync/manifest.hpp"

namespace loaxa::hub {

// Targets as the API and the tables write them: {"boxes": [...], "districts": [...]}.
boost::json::object targets_json(const sync::ManifestTargets& t);
sync::ManifestTargets targets_of(const boost::json::value& v);
// The same for people: with `district_names`, the names of the enrolled districts
// ("Đồng Xoài"; an id no box has stays as it is).
boost::json::object targets_shown(const sync::ManifestTargets& t, pg::Connection& db);

class Receipts {
 public:
  using Online = std::function<bool(const Box&)>;
  Receipts(Store& store, const scheduler::Zone& zone, Online online)
      : store_(store), zone_(zone), online_(std::move(online)) {}

  // A manifest the hub now serves: its emergencies are noted (new ones with this
  // sequence), and those no longer in it, still valid, are withdrawn now.
  void on_manifest(const sync::Manifest& m);
  // A box's status: its receipts of the emergencies it names in sync.emergencies (a box
  // that does not say, an older version, changes nothing).
  void on_status(const Box& box, const boost::json::object& status);

  // The emergencies known, newest first, with counts of the caller's targeted boxes.
  boost::json::array list(const Scope& scope);
  // One emergency and every targeted box the caller may see. Throws NotFound.
  boost::json::object receipts(const std::string& id, const Scope& scope);

 private:
  std::string iso_ms(const std::string& epoch_ms) const;

  Store& store_;
  const scheduler::Zone& zone_;
  Online online_;
};

}  // namespace loaxa::hub
