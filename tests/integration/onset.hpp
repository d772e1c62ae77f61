#pragma once
// Timing a channel with no speaker: its sink writes raw S16LE 48 kHz mono into a FIFO
// as each buffer is rendered (sync=true, unbuffered), and a reader stamps the wall
// clock at every read. A sample's rendering time is the stamp of the read that
// brought it plus its place in that write.

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace loaxa::test {

// First and last sample above the noise floor.
inline std::pair<std::size_t, std::size_t> sounding_span(const std::vector<std::int16_t>& s) {
  std::size_t first = s.size(), last = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::abs(s[i]) > 1000) {
      first = std::min(first, i);
      last = i;
    }
  }
  return {first, last};
}

class FifoRecorder {
 public:
  explicit FifoRecorder(std::filesystem::path fifo) : path_(std::move(fifo)) {
    if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    thread_ = std::thread([this] { run(); });
  }
  ~FifoRecorder() {
    if (thread_.joinable()) {
      // Unblocks an open() no writer answered.
      const int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) ::close(fd);
      thread_.join();
    }
  }
  // Joins the reader once the writer has closed the FIFO (the daemon exited).
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  struct Read {
    std::chrono::system_clock::time_point at;
    std::size_t first_sample;  // index of the first sample this read brought
  };
  const std::vector<std::int16_t>& samples() const { return samples_; }
  const std::vector<Read>& reads() const { return reads_; }

  // When sample `i` was rendered. A read is never early (the sink writes a buffer when
  // the clock reaches it) but may be late: this VM sometimes wakes the sink's thread, or
  // the reader, a few milliseconds after its time, and one late write then looks like a
  // late sample (2.67 ms once in CI, the writes after it on time). A sync sink's samples
  // follow its clock, so each read over the next 100 ms also says where `i` was (its
  // own stamp less the samples between them), and the earliest of them is the sink's
  // timeline. A sample the daemon placed late moves every later read with it, so that
  // still shows; a single late wake-up does not.
  std::optional<std::chrono::system_clock::time_point> rendered_at(
      std::size_t i, std::size_t window = 4800) const {
    auto between = [](std::size_t from, std::size_t to) {
      return std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(
              static_cast<std::int64_t>((to - from) * 1'000'000'000ull / 48000)));
    };
    for (std::size_t r = reads_.size(); r-- > 0;) {
      if (reads_[r].first_sample <= i) {
        auto best = reads_[r].at + between(reads_[r].first_sample, i);
        for (std::size_t k = r + 1; k < reads_.size() && reads_[k].first_sample < i + window; ++k) {
          best = std::min(best, reads_[k].at - between(i, reads_[k].first_sample));
        }
        return best;
      }
    }
    return std::nullopt;
  }

  // How late the latest sample of [from, to) that starts a read was rendered (as
  // rendered_at puts it) after its place on a timeline that puts sample `from` at `at`
  // (ms; negative when all came early): a stall of the daemon that moves the rest of the
  // block shows anywhere in the span, not only at its first sample. A thread woken late
  // and made up within 100 ms does not: on this VM a bare `gst-launch-1.0` live pipeline
  // into a FIFO has reads 10-23 ms late now and then (session 24).
  // `worst_sample` (if given) receives the first sample of that read.
  double worst_lateness_ms(std::size_t from, std::size_t to,
                           std::chrono::system_clock::time_point at,
                           std::size_t* worst_sample = nullptr) const {
    double worst = -1e9;
    for (const Read& r : reads_) {
      if (r.first_sample < from || r.first_sample >= to) continue;
      const auto place =
          at +
          std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(
              static_cast<std::int64_t>((r.first_sample - from) * 1'000'000'000ull / 48000)));
      const double late =
          std::chrono::duration<double, std::milli>(*rendered_at(r.first_sample) - place).count();
      if (late > worst && worst_sample) *worst_sample = r.first_sample;
      worst = std::max(worst, late);
    }
    return worst;
  }

  // The reads around sample `i`: when each came (ms from the stamp of the read that
  // brought `i`) and how many samples it brought. A late onset the reader caused shows
  // as one large read after a gap (the pipe filled while it slept); one the daemon
  // caused shows as a gap and then small reads in quick succession (it catches up
  // buffer by buffer).
  std::string reads_around(std::size_t i) const {
    std::size_t r = 0;
    while (r + 1 < reads_.size() && reads_[r + 1].first_sample <= i) ++r;
    std::string out =
        "onset at sample " + std::to_string(i) + "; reads (ms from its read, samples):";
    const std::size_t from = r >= 8 ? r - 8 : 0;
    for (std::size_t k = from; k < std::min(reads_.size(), r + 9); ++k) {
      const std::size_t next = k + 1 < reads_.size() ? reads_[k + 1].first_sample : samples_.size();
      const double ms =
          std::chrono::duration<double, std::milli>(reads_[k].at - reads_[r].at).count();
      char buf[64];
      std::snprintf(buf, sizeof buf, " %s%+.1f/%zu", k == r ? "*" : "", ms,
                    next - reads_[k].first_sample);
      out += buf;
    }
    return out + "\n";
  }

 private:
  void run() {
    // The stamps are only as good as the reader's wake-ups: where the test may (as root),
    // it reads at a real-time priority so that a busy machine delays the daemon, whose
    // timing is measured, and not the measuring. Refused, it reads at normal priority.
    sched_param param{};
    param.sched_priority = 10;
    (void)pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    const int fd = ::open(path_.c_str(), O_RDONLY);
    if (fd < 0) return;
    std::vector<char> buf(1 << 16);
    std::vector<char> bytes;
    bytes.reserve(std::size_t{32} << 20);  // three minutes of audio without a reallocation
    reads_.reserve(std::size_t{1} << 15);
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      const auto now = std::chrono::system_clock::now();
      if (n <= 0) break;
      reads_.push_back({now, bytes.size() / 2});
      bytes.insert(bytes.end(), buf.data(), buf.data() + n);
    }
    ::close(fd);
    samples_.resize(bytes.size() / 2);
    std::memcpy(samples_.data(), bytes.data(), samples_.size() * 2);
  }

  std::filesystem::path path_;
  std::thread thread_;
  std::vector<std::int16_t> samples_;
  std::vector<Read> reads_;
};

}  // namespace loaxa::test
