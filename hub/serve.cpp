#include "hub/serve.hpp"

#include <boost/json/parse.hpp>
#include <charconv>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "common/log.hpp"
#include "common/sha256.hpp"

namespace loaxa::hub {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kTick = 250ms;
constexpr std::size_t kMaxManifest = 16u << 20;

std::string slurp(const fs::path& p, std::size_t most) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::string out;
  out.resize(most + 1);
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

// Whether the client's If-None-Match (a list, or *) names `etag`.
bool matches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty() || etag.empty()) return false;
  return if_none_match == "*" || if_none_match.find(etag) != std::string::npos;
}

std::string header(const api::Request& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

api::Response not_modified(const std::string& etag) {
  api::Response resp(304, "application/json; charset=utf-8", "");
  resp.headers = {{"ETag", etag}};
  return resp;
}

}  // namespace

ManifestServer::ManifestServer(boost::asio::io_context& io, fs::path dir)
    : io_(io), dir_(std::move(dir)), timer_(io) {}

void ManifestServer::start() {
  renew();
  if (sequence_ == 0) {
    log::warning("serve", (dir_ / "manifest.json").string() +
                              ": no valid manifest yet; boxes get 404 until `loaxa publish` "
                              "writes one");
  } else {
    log::info("serve", "serving manifest " + std::to_string(sequence_) + " from " + dir_.string());
  }
  tell();
  tick();
}

void ManifestServer::stop() {
  stopped_ = true;
  timer_.cancel();
  answer_waiters(true);
}

void ManifestServer::tick() {
  if (stopped_) return;
  timer_.expires_after(kTick);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    try {
      look();
    } catch (const std::exception& e) {
      log::error("serve", std::string("watching the manifest: ") + e.what());
    }
    tick();
  });
}

void ManifestServer::poke() {
  if (!stopped_) look();
}

bool ManifestServer::renew() {
  if (!refresh()) return false;
  if (on_found_) {
    try {
      on_found_(bytes_);
    } catch (const std::exception& e) {
      log::warning("serve",
                   "noting manifest " + std::to_string(sequence_) + " failed: " + e.what());
    }
  }
  if (rewrite_) {
    try {
      if (rewrite_(bytes_)) refresh();
    } catch (const std::exception& e) {
      log::error("serve", "merging the hub's emergencies into manifest " +
                              std::to_string(sequence_) + " failed: " + e.what());
    }
  }
  return true;
}

void ManifestServer::look() {
  if (renew()) {
    log::notice("serve", "manifest " + std::to_string(sequence_) + " published; answering " +
                             std::to_string(waiters_.size()) + " waiting box(es)");
  }
  answer_waiters(false);
  tell();
}

bool ManifestServer::refresh() {
  const fs::path file = dir_ / "manifest.json";
  std::error_code ec;
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) return false;
  const auto size = fs::file_size(file, ec);
  if (ec || (mtime == mtime_ && size == size_)) return false;
  std::string bytes = slurp(file, kMaxManifest);
  if (bytes.size() > kMaxManifest) return false;
  // Only a whole, valid manifest is served: a file caught mid-write is read again at the
  // next tick (the snapshot of its time and size is not taken until then).
  boost::system::error_code jec;
  const auto v = boost::json::parse(bytes, jec);
  const auto* seq = !jec && v.is_object() ? v.as_object().if_contains("sequence") : nullptr;
  if (!seq || !seq->is_int64() || seq->as_int64() < 1) return false;
  mtime_ = mtime;
  size_ = size;
  const std::int64_t before = sequence_;
  bytes_ = std::move(bytes);
  signature_ = slurp(file.string() + ".sig", 4096);
  sequence_ = seq->as_int64();
  etag_ = "\"" + sha256_hex(bytes_).substr(0, 32) + "\"";
  untold_ = untold_ || sequence_ != before;
  return sequence_ != before;
}

void ManifestServer::tell() {
  if (!untold_ || !on_published_) return;
  sync::Manifest m;
  try {
    m = sync::parse_manifest(bytes_);
  } catch (const std::exception& e) {
    // Served all the same (the boxes judge it and say so); the hub notes nothing of it.
    log::warning("serve", "manifest " + std::to_string(sequence_) + " does not read: " + e.what());
    untold_ = false;
    return;
  }
  try {
    on_published_(m);
    untold_ = false;
    tell_failures_ = 0;
  } catch (const std::exception& e) {
    if (tell_failures_++ == 0) {
      log::warning("serve", "noting the emergencies of manifest " + std::to_string(sequence_) +
                                " failed (" + e.what() + "); trying again");
    }
  }
}

// Every answer for the manifest says that this server holds long-polls: a box that
// asked without ?wait= (its first request after losing the hub) waits here again at once.
api::Response ManifestServer::current(const std::string& if_none_match) const {
  api::Response resp = not_modified(etag_);
  if (!matches(if_none_match, etag_)) {
    resp = api::Response(200, "application/json", bytes_);
    resp.headers = {{"ETag", etag_}, {"Cache-Control", "no-cache"}};
  }
  resp.headers.emplace_back("X-Loaxa-Long-Poll", std::to_string(kLongest.count()));
  return resp;
}

void ManifestServer::answer_waiters(bool all) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<Waiter> due;
  std::erase_if(waiters_, [&](Waiter& w) {
    if (!all && w.after >= sequence_ && w.deadline > now) return false;
    due.push_back(std::move(w));
    return true;
  });
  for (auto& w : due) {
    // A newer manifest, or 304 when the wait ran out or the hub stops.
    w.answer(current(w.after < sequence_ ? w.etag : etag_));
  }
}

api::Response ManifestServer::manifest(const api::Request& r) {
  if (sequence_ == 0) {
    return api::error_response(404, "not_found", "no manifest has been published on this hub yet");
  }
  const std::string if_none_match = header(r, "if-none-match");
  auto wait = r.query.find("wait");
  if (wait == r.query.end()) return current(if_none_match);
  std::int64_t after = -1;
  const std::string& text = wait->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), after);
  if (ec != std::errc() || end != text.data() + text.size()) after = -1;
  if (after < 0) {
    return api::error_response(400, "bad_wait",
                               "wait must be the sequence the box has applied (an integer >= 0), "
                               "not \"" +
                                   wait->second + "\"");
  }
  if (after < sequence_) return current(if_none_match);
  api::Response held;
  held.later = [this, after, if_none_match](std::function<void(api::Response)> answer) {
    if (stopped_) {
      api::Response resp = not_modified(etag_);
      return answer(std::move(resp));
    }
    waiters_.push_back(Waiter{after, std::chrono::steady_clock::now() + kLongest, if_none_match,
                              std::move(answer)});
  };
  return held;
}

api::Response ManifestServer::signature(const api::Request&) const {
  if (sequence_ == 0 || signature_.empty()) {
    return api::error_response(404, "not_found", "no signed manifest on this hub yet");
  }
  api::Response resp(200, "text/plain; charset=utf-8", signature_);
  resp.headers = {{"ETag", etag_}, {"Cache-Control", "no-cache"}};
  return resp;
}

api::Response ManifestServer::media(const api::Request& r) const {
  static const std::regex name_re("^([0-9a-f]{64})(\\.[a-z0-9]{1,8})?$");
  const std::string& name = r.params.at("name");
  std::smatch m;
  if (!std::regex_match(name, m, name_re)) {
    return api::error_response(404, "not_found",
                               "no such media file (names are a SHA-256 and an extension)");
  }
  const fs::path file = dir_ / "media" / name;
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (ec) return api::error_response(404, "not_found", "no such media file: " + name);
  const std::string etag = "\"" + m[1].str() + "\"";  // content-addressed: the name is the hash
  if (matches(header(r, "if-none-match"), etag)) return not_modified(etag);

  // One range (what a box resuming a cut download asks): bytes=FIRST- or FIRST-LAST.
  std::uintmax_t first = 0, last = size ? size - 1 : 0;
  int status = 200;
  if (const std::string range = header(r, "range"); !range.empty()) {
    static const std::regex range_re(R"(^bytes=(\d{1,19})-(\d{0,19})$)");
    std::smatch rm;
    if (std::regex_match(range, rm, range_re)) {
      first = std::stoull(rm[1].str());
      if (rm[2].length() > 0) last = std::min<std::uintmax_t>(std::stoull(rm[2].str()), last);
      if (first >= size || first > last) {
        api::Response resp =
            api::error_response(416, "range_not_satisfiable",
                                "the file has " + std::to_string(size) + " bytes; asked " + range);
        resp.headers = {{"Content-Range", "bytes */" + std::to_string(size)}};
        return resp;
      }
      status = 206;
    }  // another form (several ranges): the whole file, as RFC 9110 allows
  }
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  if (!*in) return api::error_response(404, "not_found", "no such media file: " + name);
  in->seekg(static_cast<std::streamoff>(first));
  auto left = std::make_shared<std::uintmax_t>(size ? last - first + 1 : 0);
  api::Response resp(status, "application/octet-stream", "");
  resp.headers = {{"ETag", etag},
                  {"Accept-Ranges", "bytes"},
                  {"Cache-Control", "public, max-age=31536000, immutable"}};
  if (status == 206) {
    resp.headers.emplace_back(
        "Content-Range",
        "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size));
  }
  resp.stream = [in, left](std::string& chunk) {
    if (*left == 0) return false;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uintmax_t>(*left, 64 * 1024));
    const std::size_t had = chunk.size();
    chunk.resize(had + n);
    in->read(chunk.data() + had, static_cast<std::streamsize>(n));
    if (static_cast<std::size_t>(in->gcount()) != n) {
      throw std::runtime_error("the media file got shorter while it was sent");
    }
    *left -= n;
    return *left > 0;
  };
  return resp;
}

}  // namespace loaxa::hub
