// loaxa-airtime-fill: writes synthetic airtime rows through the store's own code
// (AirtimeLog: the real hash chain), for benchmarks and crash tests.
//
//   loaxa-airtime-fill DB ROWS [--from 2020-01-01] [--years 5] [--channels 2]
//                      [--batch 10000] [--durable [--checkpoints 1]] [--print] [--recover]
//                      [--seed 1] [--box bp-dong-xoai-tan-phu]
//
// Default: rows go in batches of --batch per transaction (fast, for 1,000,000 rows).
// --durable writes each play as the daemon does: open (one commit), a checkpoint, close
// (another commit), with synchronous=FULL. --print says "opened ID" and "closed ID" on
// stderr after each commit (crash tests compare them with the database). --recover
// first closes rows a previous run left open, as loaxad does at start.
// Prints one JSON line: rows, seconds, rows_per_s, write_bytes (to storage, from
// /proc/self/io: what an SD card sees).

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "scheduler/local_time.hpp"
#include "store/report.hpp"
#include "store/store.hpp"

namespace {

using namespace loaxa;

struct Options {
  std::string db;
  long rows = 0;
  std::string from = "2020-01-01";
  int years = 5;
  int channels = 2;
  long batch = 10000;
  bool durable = false;
  bool print = false;
  bool recover = false;
  unsigned seed = 1;
  std::string box = "bp-dong-xoai-tan-phu";  // the rows' box_id
  int checkpoints = 1;                       // --durable: position updates per play
};

// Bytes this process caused to be written to storage (/proc/self/io write_bytes).
long long write_bytes() {
  std::ifstream in("/proc/self/io");
  std::string key;
  long long value = 0;
  while (in >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return -1;
}

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "loaxa-airtime-fill: " << why
            << "\nusage: loaxa-airtime-fill DB ROWS [--from DATE] [--years N] [--channels N] "
               "[--batch N] [--durable] [--print] [--recover] [--seed N]\n";
  std::exit(2);  // NOLINT(concurrency-mt-unsafe): before any thread starts
}

Options parse(int argc, char** argv) {
  Options o;
  int pos = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--from")
      o.from = value();
    else if (a == "--years")
      o.years = std::stoi(value());
    else if (a == "--channels")
      o.channels = std::stoi(value());
    else if (a == "--batch")
      o.batch = std::stol(value());
    else if (a == "--box")
      o.box = value();
    else if (a == "--seed")
      o.seed = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--checkpoints")
      o.checkpoints = std::stoi(value());
    else if (a == "--durable")
      o.durable = true;
    else if (a == "--print")
      o.print = true;
    else if (a == "--recover")
      o.recover = true;
    else if (pos == 0 && !a.starts_with("--")) {
      o.db = a;
      ++pos;
    } else if (pos == 1 && !a.starts_with("--")) {
      o.rows = std::stol(a);
      ++pos;
    } else
      usage("unexpected argument " + a);
  }
  if (pos != 2) usage("DB and ROWS are required");
  return o;
}

// One synthetic play: the i-th row of the fill, drawn from `rng` (in the same order
// every run, so a seed gives the same database).
struct Play {
  store::AirtimeRow row;
  airtime::RowStatus status;
  double aired = 0;
  scheduler::Instant planned, start, end;
};

Play draw_play(long i, const Options& o, std::mt19937_64& rng, const scheduler::Zone& zone,
               scheduler::Instant t0, double step_s) {
  static const char* const channels[] = {"loudspeaker", "kiosk", "loudspeaker-2", "kiosk-2"};
  const auto& topics = store::default_topics();
  const int ch = static_cast<int>(i % o.channels);
  const long slot = i / o.channels;
  const auto planned =
      t0 + std::chrono::milliseconds(static_cast<std::int64_t>(slot * step_s * 1000.0));
  const double planned_len = std::min(step_s * 0.8, 60.0 + static_cast<double>(rng() % 540));
  const std::uint64_t dice = rng() % 100;
  using airtime::RowStatus;
  RowStatus status = RowStatus::completed;
  double aired = planned_len;
  if (dice < 4) {
    status = RowStatus::preempted;
    aired = planned_len * static_cast<double>(rng() % 90) / 100.0;
  } else if (dice < 7) {
    status = RowStatus::missed;
    aired = 0;
  } else if (dice < 9) {
    status = RowStatus::failed;
    aired = 0;
  } else if (dice < 10) {
    status = RowStatus::interrupted;
    aired = planned_len / 2;
  }
  const auto late = std::chrono::milliseconds(rng() % 3);
  const auto start = planned + late;
  const auto end = start + std::chrono::milliseconds(static_cast<std::int64_t>(aired * 1000.0));

  store::AirtimeRow r;
  r.box_id = o.box;
  r.channel = channels[ch % 4];
  const auto& topic = topics[rng() % topics.size()];
  r.topic = rng() % 20 == 0 ? "" : topic.first;
  r.media_id = "cchc-" + r.topic + "-" + std::to_string(rng() % 50);
  r.title = "Thông tin cải cách hành chính: " + topic.second;
  r.playlist_id = "ban-tin-sang";
  r.schedule_id = "sang-hang-ngay";
  r.source = airtime::RowSource::schedule;
  r.planned_start = zone.format_iso(planned);
  r.clock_synced = rng() % 50 != 0;
  r.planned_s = planned_len;
  r.planned_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(planned.time_since_epoch()).count();
  return Play{std::move(r), status, aired, planned, start, end};
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const scheduler::Zone zone("Asia/Ho_Chi_Minh");
  store::Store st(o.db);
  auto& log = st.airtime();
  st.set_meta("box_id", o.box);
  st.set_meta("box_name", "UBND phường Tân Phú");
  st.set_meta("timezone", zone.name());
  if (o.recover) {
    const int n = log.close_interrupted([](const std::string& s, std::int64_t) { return s; });
    if (o.print) std::cerr << "recovered " << n << std::endl;
  }

  std::mt19937_64 rng(o.seed);
  const scheduler::Instant t0 =
      zone.to_instant(scheduler::LocalSeconds(scheduler::parse_date(o.from)));
  const double span_s = o.years * 365.0 * 86400.0;
  const long per_channel = std::max(1L, o.rows / o.channels);
  const double step_s = span_s / static_cast<double>(per_channel);

  const long long bytes_before = write_bytes();
  const auto started = std::chrono::steady_clock::now();
  std::optional<store::sqlite::Transaction> tx;
  long in_tx = 0;
  for (long i = 0; i < o.rows; ++i) {
    auto [r, status, aired, planned, start, end] = draw_play(i, o, rng, zone, t0, step_s);
    using airtime::RowStatus;
    const auto start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              (status == RowStatus::missed ? planned : start).time_since_epoch())
                              .count();
    if (o.durable && (status == RowStatus::completed || status == RowStatus::preempted ||
                      status == RowStatus::interrupted)) {
      r.actual_start = zone.format_iso(start);
      const auto id = log.open(r, start_ms);
      if (o.print) std::cerr << "opened " << id << std::endl;
      for (int c = 1; c <= o.checkpoints; ++c) {
        log.checkpoint(id, static_cast<std::int64_t>(aired * 1000.0 * c / (o.checkpoints + 1)));
      }
      log.close(id, zone.format_iso(end), aired, status, "");
      if (o.print) std::cerr << "closed " << id << " " << airtime::row_status(status) << std::endl;
      continue;
    }
    if (!o.durable && !tx) tx.emplace(st.db());
    if (status != RowStatus::missed) r.actual_start = zone.format_iso(start);
    r.actual_end = status == RowStatus::missed ? "" : zone.format_iso(end);
    r.duration_s = aired;
    r.status = status;
    if (status == RowStatus::failed) r.error = "không đọc được tệp (file unreadable)";
    const auto id = log.insert_closed(r, start_ms);
    if (o.print && o.durable)
      std::cerr << "closed " << id << " " << airtime::row_status(status) << std::endl;
    if (tx && ++in_tx >= o.batch) {
      tx->commit();
      tx.reset();
      in_tx = 0;
    }
  }
  if (tx) tx->commit();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"rows\": %ld, \"seconds\": %.3f, \"rows_per_s\": %.1f, \"write_bytes\": %lld}\n",
              o.rows, secs, static_cast<double>(o.rows) / secs, write_bytes() - bytes_before);
  return 0;
}
