#pragma once
// What boxes send the hub, taken in only when signed by an enrolled box:
// - airtime batches (NDJSON, closed rows in the box's chain order): stored once per row
//   id, each row's hash recomputed and its prev_hash followed along the box's chain;
//   a gap, a fork or an edited row is an alert naming the rows;
// - status (the box's GET /api/v1/status and more): the latest and one per hour.
// A request that fails any check stores nothing.

#include <boost/json/object.hpp>
#include <functional>
#include <set>
#include <string>

#include "hub/store.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::hub {

struct IngestResult {
  int stored = 0;
  int duplicates = 0;
};

class Ingest {
 public:
  using OnAlert = std::function<void(const Alert&)>;
  Ingest(Store& store, const scheduler::Zone& zone, OnAlert on_alert)
      : store_(store), zone_(zone), on_alert_(std::move(on_alert)) {}

  // The box's enrolment and the signature of `body` by its key. Throws Unauthenticated.
  Box authenticate(const std::string& box_id, const std::string& signature,
                   const std::string& body);
  // Throws std::invalid_argument naming the line and field of the first bad row;
  // Unavailable when the database is down (the box sends the batch again).
  IngestResult airtime(const Box& box, const std::string& body);
  // Throws std::invalid_argument when the body is not a JSON object.
  void status(const Box& box, const std::string& body);

 private:
  void ensure_partition(std::int64_t start_ms);

  Store& store_;
  const scheduler::Zone& zone_;
  OnAlert on_alert_;
  std::set<std::string> partitions_;  // month partitions known to exist
};

// "dòng 3" style location for a bad row: which line of the body, which field.
struct RowProblem : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

}  // namespace loaxa::hub
