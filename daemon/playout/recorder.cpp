// The airtime recorder: the write queue to SQLite, the positions file and checkpoints,
// the "last alive" mark and retention.

#include "daemon/playout/recorder.hpp"

#include <climits>
#include <system_error>

#include "common/log.hpp"
#include "store/airtime_chain.hpp"

namespace loaxa {

namespace {

constexpr std::int64_t kRetentionSlice = 20'000;  // rows archived per call
constexpr auto kRetentionEvery = std::chrono::minutes(1);
// With nothing on air, the "alive" mark (one fsynced write, about 24 KiB of block writes
// on ext4 with its journal) is renewed this often rather than every checkpoint: an SD
// card is spared about 65 MiB a day. An older mark only widens the window the next start
// searches for missed blocks, and a block that aired in it has its row, so nothing is
// logged missed that aired.
constexpr auto kIdleAlive = std::chrono::minutes(10);

}  // namespace

Recorder::Recorder(store::Store& store, Clock& clock, const Config& config,
                   const scheduler::Zone& zone)
    : store_(store), clock_(clock), config_(config), zone_(zone) {}

int Recorder::recover(const std::function<std::string(const std::string&, std::int64_t)>& end_of) {
  const auto file = config_.box.state_dir / "positions";
  positions_ = std::make_unique<store::PositionFile>(file);
  const int closed = store_.airtime().close_interrupted(end_of, positions_->read());
  std::error_code ec;  // what it said is in the rows now
  std::filesystem::resize_file(file, 0, ec);
  return closed;
}

void Recorder::open(store::AirtimeRow row, std::int64_t start_ms) {
  write([this, row = std::move(row), start_ms] { store_.airtime().open(row, start_ms); });
}

void Recorder::close(std::string id, std::string actual_end, double duration_s,
                     airtime::RowStatus status, std::string error, store::PlayLevels levels) {
  write([this, id = std::move(id), at = std::move(actual_end), duration_s, status,
         error = std::move(error),
         levels] { store_.airtime().close(id, at, duration_s, status, error, levels); });
}

void Recorder::insert_closed(store::AirtimeRow row, std::int64_t start_ms) {
  write([this, row = std::move(row), start_ms] { store_.airtime().insert_closed(row, start_ms); });
}

void Recorder::tick(const std::map<std::string, std::int64_t>& positions) {
  flush();
  const auto steady = clock_.steady_now();
  if (steady - last_retention_ > kRetentionEvery) apply_retention();
  if (positions_) positions_->write(positions);
  const auto every =
      positions.empty()
          ? std::max<std::chrono::steady_clock::duration>(config_.airtime.checkpoint, kIdleAlive)
          : std::chrono::steady_clock::duration(config_.airtime.checkpoint);
  if (steady - last_checkpoint_ > every) {
    last_checkpoint_ = steady;
    mark_alive();
    if (!pending_.empty()) return;  // the rows themselves are not written yet
    for (const auto& [id, ms] : positions) {
      try {
        store_.airtime().checkpoint(id, ms);
      } catch (const std::exception&) {  // a position only; the next one will do
      }
    }
  }
}

void Recorder::mark_alive() {
  try {
    store_.set_meta("last_alive", zone_.format_iso(clock_.now()));
  } catch (const std::exception& e) {  // rewritten next time; a full disk is logged by write()
  }
}

void Recorder::apply_retention() {
  last_retention_ = clock_.steady_now();
  if (!config_.airtime.retention) return;
  const auto cutoff = unix_ms(clock_.now()) - config_.airtime.retention->count();
  try {
    // Rows a push receiver has not acknowledged stay until it has.
    const std::int64_t pushed =
        config_.airtime.push ? store_.airtime().push_cursor(config_.airtime.push->url) : INT64_MAX;
    const auto done = store::archive_airtime(store_.db(), config_.box.state_dir / "archive", cutoff,
                                             kRetentionSlice, pushed);
    if (done.rows > 0) {
      log::info("airtime", "retention: archived " + std::to_string(done.rows) +
                               " row(s) older than " +
                               scheduler::format_duration(*config_.airtime.retention) + " to " +
                               done.file.string());
    }
  } catch (const std::exception& e) {
    log::error("airtime", std::string("retention: archiving failed, rows kept: ") + e.what());
  }
}

void Recorder::write(std::function<void()> op) {
  if (pending_.empty()) {
    try {
      op();
      return;
    } catch (const std::exception& e) {
      storage_error_ = e.what();
      log::error("airtime", "the database refuses writes (" + storage_error_ +
                                "); playout goes on, and the log rows wait in memory until "
                                "it accepts them (free space in " +
                                config_.box.state_dir.string() + ")");
    }
  }
  pending_.push_back(std::move(op));
}

void Recorder::flush() {
  std::size_t written = 0;
  while (!pending_.empty()) {
    try {
      pending_.front()();
    } catch (const std::exception& e) {
      storage_error_ = e.what();
      return;
    }
    pending_.pop_front();
    ++written;
  }
  if (!storage_error_.empty()) {
    log::notice("airtime", "the database accepts writes again; " + std::to_string(written) +
                               " waiting write(s) done");
    storage_error_.clear();
  }
}

}  // namespace loaxa
