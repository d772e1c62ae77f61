#pragma once
// The province's signed tree served to the boxes (docs/hub.md, "Serving the manifest"):
// what `loaxa publish --out DIR` writes, at /manifest.json, /manifest.json.sig and
// /media/<sha256>.<ext>, with ETag, 304 and Range as nginx serves it, and a long-poll:
// GET /manifest.json?wait=SEQUENCE is held, up to 60 s, until a manifest with a higher
// sequence is in the folder, so an emergency reaches a waiting box within a second of
// being published. Nothing from a request becomes a path but a media name that fits
// the store's strict grammar (64 hex digits, an optional short extension).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "sync/manifest.hpp"

namespace loaxa::hub {

class ManifestServer {
 public:
  static constexpr std::chrono::seconds kLongest{60};

  ManifestServer(boost::asio::io_context& io, std::filesystem::path dir);
  ManifestServer(const ManifestServer&) = delete;
  ManifestServer& operator=(const ManifestServer&) = delete;

  // Reads the folder once and then watches it (four times a second).
  void start();
  // Answers every held request (304) and stops watching.
  void stop();

  api::Response manifest(const api::Request& r);
  api::Response signature(const api::Request& r) const;
  api::Response media(const api::Request& r) const;

  // Given each new manifest found in the folder before it is served; when it writes a
  // new one there (the hub's emergencies merged in) and returns true, that is served
  // instead, so no box is ever answered with the manifest in between.
  void rewrite_with(std::function<bool(const std::string& bytes)> f) { rewrite_ = std::move(f); }
  // Looks at the folder now (after the hub wrote to it) rather than at the next tick.
  void poke();
  // The manifest served (empty before the first).
  const std::string& bytes() const { return bytes_; }

  // Told each manifest newly served (the first at start), parsed. A listener that throws
  // (its database away) is told again at the next tick until it takes it.
  void on_published(std::function<void(const sync::Manifest&)> f) { on_published_ = std::move(f); }
  // Told the bytes of each new manifest found in the folder, before any rewrite: who
  // published what (the audit), whoever wrote it.
  void on_found(std::function<void(const std::string&)> f) { on_found_ = std::move(f); }

  std::int64_t sequence() const { return sequence_; }
  std::size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter {
    std::int64_t after = 0;
    std::chrono::steady_clock::time_point deadline;
    std::string etag;  // what the box has (If-None-Match)
    std::function<void(api::Response)> answer;
  };
  void tick();
  void look();
  // refresh(), and the rewriter on what it found.
  bool renew();
  // Re-reads manifest.json and its signature when the file changed; true when a manifest
  // with a new sequence is now served.
  bool refresh();
  api::Response current(const std::string& if_none_match) const;
  void answer_waiters(bool all);
  void tell();

  boost::asio::io_context& io_;
  std::filesystem::path dir_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  // manifest.json as last read whole and valid: its bytes, signature and sequence.
  std::string bytes_, signature_, etag_;
  std::int64_t sequence_ = 0;
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = 0;
  std::vector<Waiter> waiters_;
  std::function<void(const sync::Manifest&)> on_published_;
  std::function<bool(const std::string&)> rewrite_;
  std::function<void(const std::string&)> on_found_;
  bool untold_ = false;  // a manifest the listener has not taken yet
  int tell_failures_ = 0;
};

}  // namespace loaxa::hub
