#pragma once
// The airtime recorder: every row playout writes goes through it, in order. A write the
// database refuses (a full disk, an I/O error) waits in memory and is retried each tick
// while playout goes on. It also keeps each open row's position in the positions file
// (a process crash loses < 1 s of a row), the fsynced checkpoints (a power cut loses at
// most `checkpoint`), the "last alive" mark that missed blocks are counted from, and
// the retention that archives old rows. It knows rows, not channels or the plan: the
// controller says what opened, closed, failed or was missed.
// Depends on: store/, daemon/config, daemon/playout/clock. Runs on the event loop.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/playout/clock.hpp"
#include "scheduler/local_time.hpp"
#include "store/positions.hpp"
#include "store/store.hpp"

namespace loaxa {

class Recorder {
 public:
  // `config` and `zone` are the controller's, read at each use (a reload changes them
  // in place).
  Recorder(store::Store& store, Clock& clock, const Config& config, const scheduler::Zone& zone);

  // At start: closes the rows a crash or power cut left open as `interrupted`, each at
  // the position the positions file (or else the last checkpoint) kept for it; `end_of`
  // turns a start and a position into the end time written. Returns how many.
  int recover(const std::function<std::string(const std::string&, std::int64_t)>& end_of);

  // The rows (each write is queued behind any that wait).
  void open(store::AirtimeRow row, std::int64_t start_ms);
  void close(std::string id, std::string actual_end, double duration_s, airtime::RowStatus status,
             std::string error, store::PlayLevels levels);
  // A row that is closed when written: an item that could not play, a missed block.
  void insert_closed(store::AirtimeRow row, std::int64_t start_ms);

  // Each tick: retries the waiting writes, archives past the retention (once a minute),
  // writes `positions` (open row id -> ms played) to the positions file, and every
  // `checkpoint` marks the box alive and writes the positions to the database (with
  // nothing on air, the mark every 10 minutes: each is an fsync on the SD card).
  void tick(const std::map<std::string, std::int64_t>& positions);
  // Now: "the box was alive at this instant" (a start, a shutdown).
  void mark_alive();
  // [airtime] retention: archives closed rows older than the retention, a slice per
  // call (at start, then once a minute from tick()).
  void apply_retention();

  // Writes the database refused, waiting; and the reason it gave.
  std::size_t waiting() const { return pending_.size(); }
  const std::string& storage_error() const { return storage_error_; }

 private:
  void write(std::function<void()> op);
  void flush();

  store::Store& store_;
  Clock& clock_;
  const Config& config_;
  const scheduler::Zone& zone_;
  std::deque<std::function<void()>> pending_;
  std::string storage_error_;  // why the last write failed, while writes wait
  std::unique_ptr<store::PositionFile> positions_;
  std::chrono::steady_clock::time_point last_checkpoint_{};
  std::chrono::steady_clock::time_point last_retention_{};
};

}  // namespace loaxa
