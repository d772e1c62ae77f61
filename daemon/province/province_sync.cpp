#include "daemon/province/province_sync.hpp"

#include <sys/statvfs.h>

#include <boost/json.hpp>
#include <ctime>
#include <map>
#include <set>

#include "common/durable.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"
#include "daemon/playout/clock.hpp"
#include "daemon/playout/metrics.hpp"

namespace loaxa {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kSyncMaxBackoff{30 * 60'000};

std::string mib(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// Printable ASCII only: header values must not carry CR/LF or bytes a log would mangle.
std::string header_safe(const std::string& s, std::size_t max = 200) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

std::optional<std::time_t> parse_http_date(const std::string& text) {
  std::tm tm{};
  if (!::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  return ::timegm(&tm);
}

std::string now_iso() {
  return scheduler::format_utc(std::time(nullptr));
}

std::int64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

}  // namespace

ProvinceSync::ProvinceSync(boost::asio::io_context& io, store::Store& store, Controller& controller,
                           const Config& config)
    : io_(io),
      store_(store),
      controller_(controller),
      config_(config),
      sync_(*config.sync),
      timer_(io) {}

ProvinceSync::~ProvinceSync() {
  try {
    stop();
  } catch (...) {  // nothing may leave a destructor; stop() only cancels and logs
  }
}

void ProvinceSync::start() {
  fs::create_directories(media_dir());
  load_applied();
  wait(milliseconds(0));
}

void ProvinceSync::stop() {
  stopped_ = true;
  timer_.cancel();
  if (call_) call_->cancel();
  call_.reset();
  for (auto& [m, d] : active_) {
    if (d->call) d->call->cancel();
  }
  active_.clear();
}

namespace {
// How many keys named by manifests a box keeps trusting (the newest): a rotation needs
// the current signer and the next one; a few more cover rotations in quick succession.
constexpr std::size_t kNamedKeys = 4;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    if (nl > pos) out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}
}  // namespace

std::vector<std::string> ProvinceSync::trusted_keys() const {
  auto keys = sync_.public_keys;
  for (auto& k : split_lines(store_.meta("sync.named_keys").value_or(""))) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
  }
  return keys;
}

bool ProvinceSync::remember_next_key(const std::string& key) {
  if (key.empty()) return false;
  auto named = split_lines(store_.meta("sync.named_keys").value_or(""));
  const auto& configured = sync_.public_keys;
  if (std::find(named.begin(), named.end(), key) != named.end() ||
      std::find(configured.begin(), configured.end(), key) != configured.end()) {
    return false;
  }
  named.push_back(key);
  if (named.size() > kNamedKeys) named.erase(named.begin());
  std::string text;
  for (const auto& k : named) text += k + "\n";
  store_.set_meta("sync.named_keys", text);
  return true;
}

void ProvinceSync::load_applied() {
  const auto bytes = store_.meta("sync.manifest");
  const auto sig = store_.meta("sync.signature");
  if (!bytes || !sig) {
    log::info("sync", "no province manifest applied yet; polling " + sync_.url);
    return;
  }
  try {
    sync::verify_manifest_signature(*bytes, *sig, trusted_keys());
    const auto m =
        sync::for_box(sync::parse_manifest(*bytes), config_.box.id, config_.box.district);
    applied_sequence_ = m.sequence;
    applied_ = m;
    applied_at_ = store_.meta("sync.applied_at").value_or("");
    controller_.set_province(m);
    log::info("sync", "province manifest " + std::to_string(m.sequence) + " (applied " +
                          applied_at_ + ") in force");
  } catch (const std::exception& e) {
    // E.g. its key was removed from [sync] public_keys: it no longer airs.
    log::error("sync", std::string("the applied province manifest is no longer trusted and is "
                                   "not used: ") +
                           e.what());
  }
}

void ProvinceSync::poll_now() {
  if (busy_ || stopped_) return;
  timer_.cancel();
  wait(milliseconds(0));
}

void ProvinceSync::wait(milliseconds delay) {
  if (stopped_) return;
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) poll();
  });
}

// A poll never takes longer than its interval (5 s..30 s).
milliseconds ProvinceSync::request_timeout() const {
  return std::clamp(sync_.interval, milliseconds(5'000), milliseconds(30'000));
}

std::vector<std::pair<std::string, std::string>> ProvinceSync::who_is_asking() const {
  return {{"X-Loaxa-Box", config_.box.id},
          {"X-Loaxa-Version", LOAXA_VERSION},
          {"X-Loaxa-Sequence", std::to_string(applied_sequence_)},
          {"X-Loaxa-Clock", system_clock_synchronized() ? "synced" : "unsynced"},
          {"X-Loaxa-Error", header_safe(last_error_.empty() ? "-" : last_error_)}};
}

void ProvinceSync::poll() {
  if (busy_) return;
  busy_ = true;
  ++polls_total_;
  last_attempt_ = now_iso();
  sync::HttpRequest req;
  req.url = sync_.url;
  req.timeout = request_timeout();
  if (sync_.wait && !unreachable_) {
    // The server may hold the answer 60 s; a stalled connection still ends after 75.
    // The newest sequence this box has seen, applied or refused (not for it, too big):
    // asking for one it refused would be answered at once, again and again.
    req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + std::string("wait=") +
               std::to_string(std::max(applied_sequence_, refused_sequence_));
    req.timeout = std::max(req.timeout, milliseconds(75'000));
  }
  req.body_limit = sync::kMaxManifestBytes;
  req.headers = who_is_asking();
  req.headers.emplace_back("User-Agent",
                           std::string("loaxad/") + LOAXA_VERSION + " (" + config_.box.id + ")");
  req.headers.emplace_back("Accept-Encoding", "gzip");
  if (!etag_.empty()) req.headers.emplace_back("If-None-Match", etag_);
  if (!last_modified_.empty()) req.headers.emplace_back("If-Modified-Since", last_modified_);
  call([this](const sync::HttpResponse& r) { on_manifest(r); }, std::move(req));
}

void ProvinceSync::note_server_date(const sync::HttpResponse& r) {
  auto it = r.headers.find("date");
  if (it == r.headers.end()) return;
  if (auto t = parse_http_date(it->second)) {
    const std::int64_t skew = static_cast<std::int64_t>(std::time(nullptr)) - *t;
    const bool was_off = clock_skew_s_ && std::abs(*clock_skew_s_) > 60;
    clock_skew_s_ = skew;
    if (std::abs(skew) > 60 && !was_off) {
      log::warning("sync", "the box clock differs from the province server's by " +
                               std::to_string(skew) + " s; schedules air at the box's time");
    }
  }
}

void ProvinceSync::call(std::function<void(sync::HttpResponse)> then, sync::HttpRequest req) {
  req.ca_file = sync_.ca_file;
  try {
    call_ =
        sync::async_http(io_, std::move(req), [this, then = std::move(then)](sync::HttpResponse r) {
          call_.reset();
          then(std::move(r));
        });
  } catch (const std::exception& e) {  // a URL or CA file the config check let through
    failed(e.what());
  }
}

void ProvinceSync::on_manifest(const sync::HttpResponse& r) {
  long_poll_ = false;
  unreachable_ = !r.error.empty();
  if (unreachable_) return failed("manifest: " + r.error);
  note_server_date(r);
  long_poll_ =
      sync_.wait && r.headers.count("x-loaxa-long-poll") && (r.status == 200 || r.status == 304);
  if (r.status == 304) {
    if (pending_) return download_next();  // a manifest still downloading
    return succeeded();
  }
  if (r.status != 200) return failed("manifest: " + sync_.url + " answered " + r.describe());
  std::string etag = r.headers.count("etag") ? r.headers.at("etag") : "";
  std::string modified = r.headers.count("last-modified") ? r.headers.at("last-modified") : "";
  std::string bytes = r.body;
  if (r.headers.count("content-encoding") && r.headers.at("content-encoding") == "gzip") {
    try {
      bytes = sync::gunzip(bytes, sync::kMaxManifestBytes);
    } catch (const std::exception& e) {
      return failed("manifest: gzip: " + std::string(e.what()));
    }
  }
  manifest_url_ = r.url.empty() ? sync_.url : r.url;  // media are relative to where it is
  if (sync_.wait) {  // without the ?wait= (or &wait=) this box added
    const auto q = manifest_url_.rfind("wait=");
    if (q != std::string::npos && q > 0 &&
        (manifest_url_[q - 1] == '?' || manifest_url_[q - 1] == '&')) {
      manifest_url_.erase(q - 1);
    }
  }
  sync::HttpRequest req;
  req.url = manifest_url_ + ".sig";
  req.timeout = request_timeout();
  req.body_limit = 4096;
  req.headers = who_is_asking();
  call(
      [this, bytes = std::move(bytes), etag, modified](const sync::HttpResponse& s) mutable {
        etag_ = etag;
        last_modified_ = modified;
        on_signature(std::move(bytes), s);
      },
      std::move(req));
}

void ProvinceSync::on_signature(std::string bytes, const sync::HttpResponse& r) {
  if (!r.error.empty()) return failed("signature: " + r.error);
  if (r.status != 200) return failed("signature: " + sync_.url + ".sig answered " + r.describe());
  consider(std::move(bytes), r.body);
}

void ProvinceSync::consider(std::string bytes, std::string signature) {
  Pending p;
  try {
    // The signature first: nothing unsigned is even parsed.
    const auto keys = trusted_keys();
    const auto signer = sync::verify_manifest_signature(bytes, signature, keys);
    p.manifest = sync::parse_manifest(bytes);
    if (signer >= sync_.public_keys.size() && p.manifest.sequence > applied_sequence_) {
      log::notice("sync", "manifest " + std::to_string(p.manifest.sequence) +
                              " is signed with the province's next key " + keys[signer] +
                              " (named in an earlier manifest); add it to [sync] public_keys");
    }
  } catch (const sync::ManifestError& e) {
    etag_.clear();  // fetch it whole again next time: the .sig may have been mid-publish
    last_modified_.clear();
    return failed(std::string("manifest refused: ") + e.what() +
                  "; the previous one stays in force");
  }
  const auto& m = p.manifest;
  if (m.sequence == applied_sequence_) return succeeded();
  if (m.sequence < applied_sequence_) {
    return failed("manifest refused: sequence " + std::to_string(m.sequence) +
                  " is older than the applied " + std::to_string(applied_sequence_) +
                  " (a rollback); the applied one stays in force");
  }
  if (m.sequence == refused_sequence_) {
    return failed("manifest " + std::to_string(m.sequence) + " was refused before (" + last_error_ +
                  "); waiting for a newer one");
  }
  if (!m.targets_box(config_.box.id, config_.box.district)) {
    log::info("sync", "manifest " + std::to_string(m.sequence) + " is not for box " +
                          config_.box.id + "; ignored");
    refused_sequence_ = m.sequence;
    return succeeded();
  }
  if (pending_ && pending_->manifest.sequence == m.sequence) return download_next();
  // From here on only what is for this box: other districts' entries are neither
  // downloaded, nor shown in the preview, nor aired (the signed bytes are kept whole).
  const std::size_t entries = m.playlists.size() + m.schedules.size() + m.emergencies.size();
  p.manifest = sync::for_box(p.manifest, config_.box.id, config_.box.district);
  if (const std::size_t left_out =
          entries - (m.playlists.size() + m.schedules.size() + m.emergencies.size())) {
    log::info("sync", "manifest " + std::to_string(m.sequence) + ": " + std::to_string(left_out) +
                          " entr" + (left_out == 1 ? "y" : "ies") +
                          " targeted at other boxes or districts left out");
  }

  // What is missing, soonest needed first: emergencies, priority, the rest.
  std::vector<const sync::ManifestMedia*> queue;
  auto want = [&](const std::string& id) {
    const auto* media = m.find_media(id);
    if (!media || std::find(queue.begin(), queue.end(), media) != queue.end()) return;
    if (file_size_or_zero(media_dir() / media->store_name()) == media->size) return;
    queue.push_back(media);
  };
  for (const auto& e : m.emergencies) want(e.media);
  for (const auto& s : m.schedules) {
    if (s.level == "priority") {
      for (const auto& id : m.media_of_schedule(s)) want(id);
    }
  }
  for (const auto& media : m.media) want(media.id);
  std::int64_t needed = 0;
  for (const auto* media : queue) {
    needed +=
        media->size -
        std::min(media->size, file_size_or_zero(media_dir() / (media->store_name() + ".part")));
  }
  struct statvfs vfs {};
  if (::statvfs(media_dir().c_str(), &vfs) == 0) {
    const std::int64_t free_bytes =
        static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
    if (needed > free_bytes - sync_.disk_reserve) {
      refused_sequence_ = m.sequence;
      return failed("manifest " + std::to_string(m.sequence) + " refused: its media need " +
                    mib(needed) + " but only " +
                    mib(std::max<std::int64_t>(0, free_bytes - sync_.disk_reserve)) +
                    " are free above the reserve of " + mib(sync_.disk_reserve) + " (" +
                    mib(needed - (free_bytes - sync_.disk_reserve)) + " missing); free space in " +
                    media_dir().string() + " or lower [sync] disk_reserve");
    }
  }
  p.bytes = std::move(bytes);
  p.signature = std::move(signature);
  pending_ = std::move(p);
  pending_->queue = std::move(queue);
  log::info("sync", "manifest " + std::to_string(m.sequence) +
                        " verified: " + std::to_string(pending_->queue.size()) +
                        " media file(s) to download (" + mib(needed) + ")");
  download_next();
}

void ProvinceSync::download_next() {
  if (!pending_) return succeeded();
  while (!stopped_ && pending_ &&
         active_.size() < static_cast<std::size_t>(sync_.parallel_downloads) &&
         pending_->next < pending_->queue.size()) {
    const sync::ManifestMedia& m = *pending_->queue[pending_->next++];
    if (file_size_or_zero(media_dir() / m.store_name()) == m.size) continue;  // done before
    start_download(m);
  }
  if (pending_ && active_.empty() && pending_->next >= pending_->queue.size()) apply();
}

std::chrono::milliseconds ProvinceSync::pace(std::size_t bytes) {
  if (!sync_.max_rate_on_air || !controller_.on_air()) {
    pace_bytes_ = 0;
    pace_since_ = std::chrono::steady_clock::now();
    return milliseconds(0);
  }
  // A budget of max_rate_on_air bytes per second over every running download, counted
  // from the first byte after a pause of a second or more (no credit from idle time).
  const auto now = std::chrono::steady_clock::now();
  if (now - pace_last_ > std::chrono::seconds(1)) {
    pace_since_ = now;
    pace_bytes_ = 0;
  }
  pace_last_ = now;
  pace_bytes_ += static_cast<std::int64_t>(bytes);
  const auto due =
      pace_since_ + std::chrono::microseconds(pace_bytes_ * 1'000'000 / *sync_.max_rate_on_air);
  return due > now ? std::chrono::ceil<milliseconds>(due - now) : milliseconds(0);
}

void ProvinceSync::start_download(const sync::ManifestMedia& m) {
  const fs::path part = media_dir() / (m.store_name() + ".part");
  auto owned = std::make_shared<Download>();
  Download* d = owned.get();  // for the set-up below only; callbacks hold `weak`
  const std::weak_ptr<Download> weak = owned;
  active_[&m] = std::move(owned);
  d->media_id = m.id;
  d->size = m.size;
  d->have = file_size_or_zero(part);
  if (d->have > m.size) {
    fs::remove(part);
    d->have = 0;
  }
  d->resumed_at = d->have;
  sync::HttpRequest req;
  try {
    req.url = sync::resolve_url(manifest_url_.empty() ? sync_.url : manifest_url_, m.url);
  } catch (const std::exception& e) {
    return downloads_failed(e.what());
  }
  req.timeout = request_timeout();  // per read: a stalled download ends, a slow one goes on
  req.headers = who_is_asking();
  req.ca_file = sync_.ca_file;
  if (d->have > 0) {
    if (d->have == m.size) {
      // Complete already (a crash between the last byte and the rename).
      sync::HttpResponse complete;
      complete.status = 206;
      return on_download_done(m, complete);
    }
    req.headers.emplace_back("Range", "bytes=" + std::to_string(d->have) + "-");
  }
  req.on_headers = [weak, part](unsigned status, const std::map<std::string, std::string>& h) {
    const auto d = weak.lock();
    return d && d->begin(status, h, part);
  };
  req.sink = [this, weak](std::string_view piece) {
    const auto d = weak.lock();
    if (!d || !d->take(piece)) return false;
    downloaded_bytes_ += static_cast<std::int64_t>(piece.size());
    return true;
  };
  req.pace = [this](std::size_t bytes) { return pace(bytes); };
  const sync::ManifestMedia* mp = &m;
  try {
    d->call = sync::async_http(io_, std::move(req), [this, mp, weak](const sync::HttpResponse& r) {
      if (!weak.expired()) on_download_done(*mp, r);
    });
  } catch (const std::exception& e) {
    downloads_failed(e.what());
  }
}

bool ProvinceSync::Download::begin(unsigned status,
                                   const std::map<std::string, std::string>& headers,
                                   const fs::path& part) {
  if (status == 206) {
    const auto range = headers.count("content-range") ? headers.at("content-range") : "";
    if (range.rfind("bytes " + std::to_string(have) + "-", 0) != 0) {
      return fail("the server answered a different range (" + range + ")");
    }
    sha = std::make_unique<Sha256>();
    sha->update_file(part);  // the bytes kept from before the cut
    out.open(part, std::ios::binary | std::ios::app);
  } else if (status == 200) {
    have = 0;  // the server ignored the range: the whole file comes again
    resumed_at = 0;
    sha = std::make_unique<Sha256>();
    out.open(part, std::ios::binary | std::ios::trunc);
  } else {
    return fail("answered HTTP " + std::to_string(status));
  }
  if (!out) return fail("cannot write " + part.string());
  return true;
}

bool ProvinceSync::Download::take(std::string_view piece) {
  if (have + static_cast<std::int64_t>(piece.size()) > size) {
    return fail("the server sends more than the manifest's size of " + std::to_string(size) +
                " bytes");
  }
  out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  sha->update(piece);
  if (!out) return fail("writing failed (disk full?)");
  have += static_cast<std::int64_t>(piece.size());
  return true;
}

void ProvinceSync::downloads_failed(const std::string& what) {
  for (auto& [m, d] : active_) {
    if (d->call) d->call->cancel();
    if (d->out.is_open()) d->out.close();
  }
  active_.clear();
  if (pending_) pending_->next = 0;  // the next poll goes on from the .part files
  failed(what);
}

void ProvinceSync::on_download_done(const sync::ManifestMedia& m, const sync::HttpResponse& r) {
  const fs::path part = media_dir() / (m.store_name() + ".part");
  const fs::path final_path = media_dir() / m.store_name();
  auto found = active_.find(&m);
  if (found == active_.end()) return;
  auto d = std::move(found->second);
  active_.erase(found);
  if (d->out.is_open()) d->out.close();
  const std::string what = "media \"" + m.id + "\" (" + m.url + ")";
  if (!d->ok) return downloads_failed(what + ": " + d->error);
  if (!r.error.empty()) {
    return downloads_failed(what + ": " + r.error + "; " + std::to_string(d->have) + " of " +
                            std::to_string(m.size) + " bytes kept, resumed at the next poll");
  }
  if (d->have != m.size) {
    return downloads_failed(what + ": the connection ended after " + std::to_string(d->have) +
                            " of " + std::to_string(m.size) + " bytes; resumed at the next poll");
  }
  if (d->out.is_open()) d->out.close();
  // Hashed as it arrived (or, for a .part already complete, read once now).
  const std::string sha = d->sha ? d->sha->hex() : sha256_file_hex(part);
  if (sha != m.sha256) {
    std::error_code ec;
    fs::remove(part, ec);
    // `m` lives in pending_: say everything before letting it go.
    const std::string message = "manifest " + std::to_string(pending_->manifest.sequence) +
                                " refused: " + what + " does not match its SHA-256 (got " +
                                sha.substr(0, 12) + "…, the manifest says " +
                                m.sha256.substr(0, 12) +
                                "…): the file on the server differs from what the province "
                                "signed; the previous manifest stays in force";
    refused_sequence_ = pending_->manifest.sequence;
    for (auto& [other, od] : active_) {
      if (od->call) od->call->cancel();
    }
    active_.clear();
    pending_.reset();
    return failed(message);
  }
  try {
    fsync_path(part);
    fs::rename(part, final_path);
    fsync_path(media_dir());
  } catch (const std::exception& e) {
    return downloads_failed(what + ": " + e.what());
  }
  if (d->resumed_at > 0) {
    log::info("sync", what + ": resumed at byte " + std::to_string(d->resumed_at) + ", complete");
  }
  download_next();
}

void ProvinceSync::apply() {
  Pending p = std::move(*pending_);
  pending_.reset();
  const auto& m = p.manifest;
  try {
    store::sqlite::Transaction tx(store_.db());
    for (const auto& media : m.media) {
      store::MediaRecord rec;
      rec.id = media.id;
      rec.sha256 = media.sha256;
      rec.file = media.store_name();
      rec.title = media.title;
      rec.topic = media.topic;
      rec.kind = media.kind;
      rec.duration_ms = media.duration_ms;
      rec.origin = "province";
      for (const auto& a : media.audience) rec.audience += (rec.audience.empty() ? "" : ",") + a;
      store_.catalog().upsert_media(rec);
    }
    applied_at_ = now_iso();
    store_.set_meta("sync.manifest", p.bytes);
    store_.set_meta("sync.signature", p.signature);
    store_.set_meta("sync.sequence", std::to_string(m.sequence));
    store_.set_meta("sync.applied_at", applied_at_);
    const bool named = remember_next_key(m.next_public_key);
    tx.commit();
    if (named) {
      log::notice("sync", "the province names its next signing key " + m.next_public_key +
                              ": manifests signed with it are accepted from now on");
    }
  } catch (const std::exception& e) {
    return failed(std::string("applying the manifest failed, the previous one stays: ") + e.what());
  }
  applied_sequence_ = m.sequence;
  applied_ = m;
  refused_sequence_ = 0;  // a newer manifest is in force: earlier refusals are history
  last_error_.clear();
  log::notice("sync", "province manifest " + std::to_string(m.sequence) + " from " + m.publisher +
                          " applied: " + std::to_string(m.media.size()) + " media, " +
                          std::to_string(m.schedules.size()) + " schedule(s)");
  controller_.set_province(m);
  succeeded();
}

void ProvinceSync::collect_garbage() {
  try {
    std::set<std::string> referenced;
    if (applied_) {
      for (const auto& m : applied_->media) referenced.insert(m.store_name());
    }
    if (pending_) {  // what a manifest still downloading needs, .part files included
      for (const auto& m : pending_->manifest.media) {
        referenced.insert(m.store_name());
        referenced.insert(m.store_name() + ".part");
      }
    }
    for (const auto& rec : store_.catalog().list_media()) {
      if (rec.origin != "province") referenced.insert(rec.file);  // local and config media
    }
    const std::int64_t now =
        unix_ms(scheduler::Instant{std::chrono::system_clock::now().time_since_epoch()});
    std::set<std::string> on_disk;
    for (const auto& entry : fs::directory_iterator(media_dir())) {
      if (entry.is_regular_file()) on_disk.insert(entry.path().filename().string());
    }
    store::sqlite::Transaction tx(store_.db());
    std::map<std::string, std::int64_t> orphans;
    {
      auto st = store_.db().prepare("SELECT file, since_ms FROM media_orphans");
      while (st.step()) orphans[st.text(0)] = st.int64(1);
    }
    for (const auto& [file, since] : orphans) {
      if (referenced.count(file) || !on_disk.count(file)) {
        store_.db().prepare("DELETE FROM media_orphans WHERE file = ?").bind(1, file).run();
      }
    }
    int removed = 0;
    for (const auto& file : on_disk) {
      if (referenced.count(file)) continue;
      auto it = orphans.find(file);
      if (it == orphans.end()) {
        store_.db()
            .prepare("INSERT INTO media_orphans(file, since_ms) VALUES (?, ?)")
            .bind(1, file)
            .bind(2, now)
            .run();
        continue;
      }
      if (now - it->second < sync_.media_grace.count() || controller_.uses_file(media_dir() / file))
        continue;
      fs::remove(media_dir() / file);
      store_.catalog().remove_media_with_file(file);
      store_.db().prepare("DELETE FROM media_orphans WHERE file = ?").bind(1, file).run();
      ++removed;
    }
    tx.commit();
    if (removed > 0) {
      log::info("sync", "removed " + std::to_string(removed) +
                            " unreferenced media file(s) after a grace of " +
                            scheduler::format_duration(sync_.media_grace));
    }
  } catch (const std::exception& e) {
    log::error("sync", std::string("cleaning the media store failed: ") + e.what());
  }
}

void ProvinceSync::failed(const std::string& what) {
  busy_ = false;
  ++failures_;
  ++failures_total_;
  if (what != last_error_ || failures_ == 1 || failures_ % 10 == 0) log::error("sync", what);
  last_error_ = what;
  // The interval, doubling, to 30 min; with jitter so a hundred boxes do not knock at once.
  auto delay = sync_.interval;
  for (int i = 1; i < failures_ && delay < kSyncMaxBackoff; ++i) delay *= 2;
  delay = std::min(delay, std::max(kSyncMaxBackoff, sync_.interval));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  wait(milliseconds(static_cast<std::int64_t>(static_cast<double>(delay.count()) * jitter(rng_))));
}

void ProvinceSync::succeeded() {
  busy_ = false;
  collect_garbage();
  failures_ = 0;
  last_success_ = now_iso();
  last_success_steady_ = std::chrono::steady_clock::now();
  if (refused_sequence_ == 0) last_error_.clear();
  if (long_poll_) {  // wait at the server for the next one; a little spread for the fleet
    std::uniform_int_distribution<int> spread(50, 500);
    return wait(milliseconds(spread(rng_)));
  }
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  wait(milliseconds(
      static_cast<std::int64_t>(static_cast<double>(sync_.interval.count()) * jitter(rng_))));
}

void ProvinceSync::write_metrics(std::string& out) const {
  metrics::family(out, "loaxa_sync_age_seconds", "gauge",
                  "Seconds since the province server last answered (absent: never since start).");
  if (last_success_steady_) {
    metrics::sample(
        out, "loaxa_sync_age_seconds", {},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - *last_success_steady_)
            .count());
  }
  metrics::family(out, "loaxa_sync_failures", "gauge", "Failed polls in a row.");
  metrics::sample(out, "loaxa_sync_failures", {}, failures_);
  metrics::family(out, "loaxa_sync_polls_total", "counter",
                  "Requests for the manifest since start (long-polls included).");
  metrics::sample(out, "loaxa_sync_polls_total", {}, static_cast<double>(polls_total_));
  metrics::family(out, "loaxa_sync_failures_total", "counter", "Failed polls since start.");
  metrics::sample(out, "loaxa_sync_failures_total", {}, static_cast<double>(failures_total_));
  metrics::family(out, "loaxa_sync_download_bytes_total", "counter",
                  "Media bytes downloaded from the province since start.");
  metrics::sample(out, "loaxa_sync_download_bytes_total", {},
                  static_cast<double>(downloaded_bytes_));
  metrics::family(out, "loaxa_sync_applied_sequence", "gauge",
                  "Sequence number of the province manifest in force.");
  metrics::sample(out, "loaxa_sync_applied_sequence", {}, static_cast<double>(applied_sequence_));
}

boost::json::object ProvinceSync::status() const {
  boost::json::object o;
  o["url"] = sync_.url;
  o["applied_sequence"] = applied_sequence_;
  o["applied_at"] = applied_at_;
  // The province emergencies this box holds (its part of the manifest): the hub's
  // receipt that each reached the box.
  boost::json::array emergencies;
  if (applied_) {
    for (const auto& e : applied_->emergencies) emergencies.emplace_back(e.id);
  }
  o["emergencies"] = std::move(emergencies);
  // Keys beyond [sync] public_keys that verified manifests named (key rotation): the
  // province switches keys once every box shows the new one here.
  boost::json::array named;
  for (const auto& k : split_lines(store_.meta("sync.named_keys").value_or(""))) {
    named.emplace_back(k);
  }
  o["named_keys"] = std::move(named);
  o["last_attempt"] = last_attempt_;
  o["last_success"] = last_success_;
  o["last_error"] = last_error_;
  // The server held the last answer (loaxa-hub's long-poll): the box waits there for
  // the next manifest. False while it polls every interval, or backs off after failing.
  o["long_poll"] = long_poll_;
  o["state"] =
      busy_ ? (pending_ ? "downloading" : "polling") : (last_error_.empty() ? "ok" : "error");
  if (clock_skew_s_) {
    o["clock_skew_s"] = *clock_skew_s_;
    o["clock_ok"] = std::abs(*clock_skew_s_) <= 60;
  }
  o["downloaded_bytes"] = downloaded_bytes_;
  boost::json::array pending;
  if (pending_) {
    o["pending_sequence"] = pending_->manifest.sequence;
    for (const auto* m : pending_->queue) {
      if (!active_.count(m) && file_size_or_zero(media_dir() / m->store_name()) == m->size)
        continue;
      boost::json::object d;
      d["media"] = m->id;
      d["size"] = m->size;
      d["have"] = active_.count(m) ? active_.at(m)->have
                                   : file_size_or_zero(media_dir() / (m->store_name() + ".part"));
      pending.push_back(std::move(d));
    }
  }
  o["pending"] = std::move(pending);
  return o;
}

}  // namespace loaxa
