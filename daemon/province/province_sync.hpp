#pragma once
// Province sync: polls [sync] url (manifest.json and its .sig) with conditional GETs,
// checks the signature before parsing, refuses rollbacks and manifests for other boxes,
// downloads the media it needs into state_dir/media (resumed with Range after a cut,
// size and SHA-256 verified, fsynced, renamed), and only then applies the manifest in
// one transaction and hands it to the controller. Until then the previous one plays on.
// A refused manifest (bad signature, checksum, field) is not fetched again until the
// province publishes a newer sequence.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "common/sha256.hpp"
#include "daemon/config/config.hpp"
#include "daemon/playout/controller.hpp"
#include "store/store.hpp"
#include "sync/http_fetch.hpp"
#include "sync/manifest.hpp"

namespace loaxa {

class ProvinceSync {
 public:
  ProvinceSync(boost::asio::io_context& io, store::Store& store, Controller& controller,
               const Config& config);
  ~ProvinceSync();
  // Hands the applied manifest (from the database) to the controller, then polls.
  void start();
  void stop();
  // A reloaded [sync]: the next poll and download use it.
  void update(const SyncConfig& sync) { sync_ = sync; }
  // Polls at once (API POST /sync, `loaxa sync now`) unless a poll is running.
  void poll_now();
  boost::json::object status() const;
  // Prometheus text: sync age, failures, downloaded bytes.
  void write_metrics(std::string& out) const;
  std::int64_t applied_sequence() const { return applied_sequence_; }

 private:
  struct Pending {
    std::string bytes;
    std::string signature;
    sync::Manifest manifest;
    std::vector<const sync::ManifestMedia*> queue;  // still to download, soonest first
    std::size_t next = 0;
  };
  struct Download {
    std::string media_id;
    std::int64_t size = 0;
    std::int64_t have = 0;        // bytes in the .part file
    std::int64_t resumed_at = 0;  // where this request started
    std::ofstream out;
    std::unique_ptr<Sha256> sha;  // over every byte of the file, as it arrives
    std::shared_ptr<sync::HttpCall> call;
    bool ok = true;
    std::string error;
    // The answer's head: 206 continues `part` (its range must start where the file
    // ends), 200 starts it again; false (with `error`) stops the call.
    bool begin(unsigned status, const std::map<std::string, std::string>& headers,
               const std::filesystem::path& part);
    // A piece of the body: appended and hashed; false (with `error`) stops the call.
    bool take(std::string_view piece);
    bool fail(std::string why) {
      ok = false;
      error = std::move(why);
      return false;
    }
  };

  void load_applied();
  // [sync] public_keys and the next keys verified manifests named (key rotation).
  std::vector<std::string> trusted_keys() const;
  // Stores a named next key (in the caller's transaction); true when it is new.
  bool remember_next_key(const std::string& key);
  void poll();
  void wait(std::chrono::milliseconds delay);
  // One request; exceptions from starting it (bad URL, CA file) become failed().
  void call(std::function<void(sync::HttpResponse)> then, sync::HttpRequest req);
  void on_manifest(const sync::HttpResponse& r);
  void on_signature(std::string bytes, const sync::HttpResponse& r);
  void consider(std::string bytes, std::string signature);
  // Keeps up to [sync] parallel_downloads running; applies when all are done.
  void download_next();
  void start_download(const sync::ManifestMedia& m);
  void on_download_done(const sync::ManifestMedia& m, const sync::HttpResponse& r);
  // A download failed: the others stop too (their .part files stay for resuming).
  void downloads_failed(const std::string& what);
  // max_rate_on_air: how long to wait after `bytes` arrived, while a channel is on air.
  std::chrono::milliseconds pace(std::size_t bytes);
  void apply();
  // Removes media files nothing refers to any more once media_grace has passed.
  void collect_garbage();
  void failed(const std::string& what);
  void succeeded();
  void note_server_date(const sync::HttpResponse& r);
  std::vector<std::pair<std::string, std::string>> who_is_asking() const;
  std::chrono::milliseconds request_timeout() const;
  std::filesystem::path media_dir() const { return config_.box.state_dir / "media"; }

  boost::asio::io_context& io_;
  store::Store& store_;
  Controller& controller_;
  const Config& config_;
  SyncConfig sync_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<sync::HttpCall> call_;
  std::mt19937 rng_{std::random_device{}()};
  bool busy_ = false;
  // The last manifest answer came from a server that holds long-polls ([sync] wait and
  // X-Loaxa-Long-Poll in its answer): the next poll goes at once, not after `interval`.
  bool long_poll_ = false;
  // The last manifest request had no answer (no connection, a timeout): the next one
  // asks without ?wait=, so that a server that is back answers at once (and the box's
  // status, and the hub's alerts, say so) instead of holding it up to a minute.
  bool unreachable_ = false;
  bool stopped_ = false;
  int failures_ = 0;
  std::uint64_t failures_total_ = 0;
  std::uint64_t polls_total_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_success_steady_;

  std::int64_t applied_sequence_ = 0;
  std::optional<sync::Manifest> applied_;
  std::int64_t refused_sequence_ = 0;  // not fetched again
  std::string etag_, last_modified_;   // of the manifest last fetched
  std::string manifest_url_;           // where it was, after redirects
  std::optional<Pending> pending_;
  // Shared with nothing but weakly seen by its request's callbacks: once a download
  // leaves this map (done, failed, or a sibling's failure clearing it) they find nothing.
  std::map<const sync::ManifestMedia*, std::shared_ptr<Download>> active_;
  std::chrono::steady_clock::time_point pace_since_{}, pace_last_{};
  std::int64_t pace_bytes_ = 0;

  // For status.
  std::string last_attempt_, last_success_, last_error_, applied_at_;
  std::optional<std::int64_t> clock_skew_s_;  // box clock minus the server's Date
  std::int64_t downloaded_bytes_ = 0;
};

}  // namespace loaxa
