#pragma once
// Emergencies issued from the hub (docs/hub.md, "Issuing emergencies from the hub"): a
// province or district officer writes the words, picks a sound of the served manifest,
// the districts (a district officer: its own only) and how long it holds; the hub adds
// it to the manifest in `[publish] dir`, signs it with the province's key (`[publish]
// key`) and serves it at once to the long-polling boxes. Withdrawing takes it out the
// same way. Every issue, withdrawal and refusal is audited.
//
// The folder stays the one source: `loaxa publish` may write a new manifest into it at
// any time, and the hub's emergencies still in force are merged into whatever it
// writes before a box is answered (in memory, so this holds with the database away).

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "hub/config.hpp"
#include "hub/store.hpp"
#include "scheduler/local_time.hpp"
#include "sync/manifest.hpp"

namespace loaxa::hub {

// Who asks, as the API knows them.
struct Caller {
  std::string who;     // name, for the audit
  std::string remote;  // address, for the audit
  bool admin = false;
  Scope scope;  // a district officer's district
};

struct EmergencyDraft {
  std::string id;  // empty: "khan-cap-YYYYMMDD-HHMMSS" in the hub's zone
  std::string text;
  std::string media;  // a media id of the served manifest
  std::vector<std::string> channels{"*"};
  sync::ManifestTargets targets;  // empty: the whole province (admin, with `confirm`)
  int valid_minutes = 60;
  int repeat = 1;
  std::string confirm;  // "TOÀN TỈNH" for a province-wide emergency
};

// The words an admin types to send an emergency to every box of the province.
inline constexpr const char* kProvinceWide = "TOÀN TỈNH";

class Issuer {
 public:
  // Loads the hub's emergencies from the database.
  Issuer(Store& store, const HubConfig& config, const scheduler::Zone& zone);

  // Checks the draft against what the caller may do (Forbidden, audited), its fields
  // against `served` (std::invalid_argument naming the field), stores it and writes the
  // signed manifest. Returns the id and the new sequence.
  std::pair<std::string, std::int64_t> issue(EmergencyDraft draft, const Caller& caller,
                                             const std::string& served);
  // Takes a hub-issued emergency out. NotFound, Refused (not the hub's: it came from
  // province.toml), Forbidden (another district's). Returns the new sequence.
  std::int64_t withdraw(const std::string& id, const Caller& caller, const std::string& served);

  // `served` with the hub's emergencies in force merged in: when that differs from it,
  // signed and written to the folder, and the new sequence returned. Throws
  // std::runtime_error when the folder cannot be written.
  std::optional<std::int64_t> merge(const std::string& served);

  // Who issued `id` from the hub, if it was.
  std::optional<std::string> issued_by(const std::string& id) const;

 private:
  struct Issued {
    std::string id, text, media, by;
    std::vector<std::string> channels;
    sync::ManifestTargets targets;
    int repeat = 1;
    std::int64_t valid_from_ms = 0, valid_until_ms = 0;
    bool withdrawn = false;
  };
  boost::json::object entry(const Issued& e) const;
  // Merges and returns the sequence served after it.
  std::int64_t write(const std::string& served);
  // Throws Forbidden unless the caller may send to `targets` (audited as refused).
  void check_reach(const sync::ManifestTargets& targets, const Caller& caller,
                   const std::string& what);

  Store& store_;
  const HubConfig& config_;
  const scheduler::Zone& zone_;
  std::vector<Issued> issued_;  // in issue order
};

}  // namespace loaxa::hub
