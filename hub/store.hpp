#pragma once
// The hub's PostgreSQL: the schema (numbered migrations applied at start), the fleet
// (districts, boxes and their keys), people (users, login sessions), the audit trail,
// box health (latest status and an hourly history) and alerts. Airtime rows are
// ingest.hpp's; reports read them (report.hpp).

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/config.hpp"
#include "hub/pg.hpp"

namespace loaxa::hub {

// The schema's migrations, in order; migration i brings the schema to version i + 1.
const std::vector<std::string>& migrations();
// Applies the missing ones, each in its own transaction. Returns the schema version.
int migrate(pg::Connection& db);

struct Box {
  std::string id;
  std::string name;
  std::string district_id;
  std::string district;  // the district's name ("Đồng Xoài")
  std::string commune;   // the commune's name ("Tân Phú")
  std::string public_key;
  std::optional<double> lat, lon;
  std::string enrolled_at;
  std::string last_status_at;  // UTC ISO, empty when none
  std::string last_push_at;
  std::int64_t chain_rows = 0;
  std::int64_t chain_breaks = 0;
  std::optional<boost::json::object> status;  // the latest
};

// Whether the box's last status is younger than [alerts] offline_after.
bool online(const HubConfig& config, const Box& box);

// Who sees what: all boxes, or the boxes of one district.
struct Scope {
  std::string district;  // empty: everything
  bool covers(const Box& box) const { return district.empty() || box.district_id == district; }
  // From a request's Principal::scope ("district:ID" or "").
  static Scope of(const std::string& principal_scope);
};

struct Alert {
  std::int64_t id = 0;
  std::string box_id;
  std::string kind;  // offline, clock, disk, sync, dead_air, missed, failed, chain_gap, ...
  std::string key;   // kind, or kind:row for alerts about one row
  std::string since, until;
  std::string message;  // Vietnamese
  boost::json::object detail;
};

struct User {
  std::string name;
  HubRole role = HubRole::viewer;
  std::string district;
  std::string password_hash;
};

class Store {
 public:
  explicit Store(pg::Connection& db) : db_(db) {}
  pg::Connection& db() { return db_; }

  // Boxes. add_box throws std::invalid_argument naming the field that is wrong
  // (id grammar, empty names, a key that is not base64 of 32 bytes, an id taken).
  void add_box(const Box& box);
  bool remove_box(const std::string& id);
  std::vector<Box> boxes(const Scope& scope);
  std::optional<Box> box(const std::string& id);

  // Health.
  void store_status(const std::string& box_id, const boost::json::object& status);
  std::vector<std::pair<std::string, boost::json::object>> status_history(const std::string& box_id,
                                                                          int hours);

  // Alerts: open is a no-op while one with the same box and key is open; returns the
  // alert when it was opened now (the caller tells the province).
  std::optional<Alert> open_alert(const std::string& box_id, const std::string& kind,
                                  const std::string& key, const std::string& message,
                                  const boost::json::object& detail = {});
  void close_alert(const std::string& box_id, const std::string& key);
  // Open alerts (and, with `closed_too`, the last day's closed ones), newest first.
  std::vector<Alert> alerts(const Scope& scope, bool closed_too = false);
  std::vector<Alert> box_alerts(const std::string& box_id);

  // People.
  void add_user(const User& user);  // throws std::invalid_argument
  std::optional<User> user(const std::string& name);
  void add_session(const std::string& sha256, const std::string& name, std::int64_t seconds);
  std::optional<User> session(const std::string& sha256);
  void audit(const std::string& who, const std::string& remote, const std::string& action,
             const std::string& detail);

 private:
  pg::Connection& db_;
};

}  // namespace loaxa::hub
