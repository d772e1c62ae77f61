#include "process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

namespace loaxa::test {

namespace {

std::vector<char*> c_args(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

// Between fork() and execv() the child calls only async-signal-safe functions: the
// test process has threads (frame and FIFO readers), and one of them may hold the
// allocator's lock at the fork, so a malloc in the child could wait forever (the
// likely cause of a daemon that never started, under ASan, in CI: no output at all).
// Everything the child needs is built before the fork.
Process::Process(std::vector<std::string> argv) {
  auto args = c_args(argv);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], 2);
    const int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  fd_ = fds[0];
}

Process::~Process() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) ::close(fd_);
}

bool Process::read_some(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[4096];
  const ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<std::size_t>(n));
  output_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Process::wait_for_line(const std::string& needle,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    for (std::size_t nl; (nl = buffer_.find('\n')) != std::string::npos;) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (line.find(needle) != std::string::npos) return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_some(left)) return std::nullopt;
  }
}

std::string Process::describe() const {
  namespace fs = std::filesystem;
  const fs::path proc = "/proc/" + std::to_string(pid_);
  std::error_code ec;
  std::string out = "pid " + std::to_string(pid_) + ": program " +
                    fs::read_symlink(proc / "exe", ec).string() + (ec ? "(gone)" : "") + "\n";
  for (const auto& task : fs::directory_iterator(proc / "task", ec)) {
    std::string stat, wchan;
    std::getline(std::ifstream(task.path() / "stat"), stat);
    std::getline(std::ifstream(task.path() / "wchan"), wchan);
    std::string comm = stat.substr(0, stat.rfind(')') + 3);  // "tid (name) S"
    out += "  " + comm + " waiting in " + (wchan.empty() || wchan == "0" ? "-" : wchan) + "\n";
  }
  return out;
}

void Process::signal(int signo) {
  ::kill(pid_, signo);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited_) {
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    read_some(std::chrono::milliseconds(20));  // drain stderr so the child never blocks
  }
  while (read_some(std::chrono::milliseconds(0))) {
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return 128 + WTERMSIG(status_);
}

RunResult run(const std::vector<std::string>& argv) {
  auto args = c_args(argv);  // before the fork: see Process::Process
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  RunResult r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, 60000) <= 0) {
      // A tool that hangs fails its test in a minute instead of holding ctest to its
      // own timeout; the code says it was killed.
      ::kill(pid, SIGKILL);
      for (auto& f : fds) {
        if (f.fd >= 0) ::close(f.fd);
      }
      r.err += "\n(no output for 60 s: killed)";
      break;
    }
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      const ssize_t n = ::read(f.fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(f.fd);
        f.fd = -1;
        --open;
      } else {
        (f.fd == out[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

TempDir::TempDir(const std::string& tag) {
  std::string templ = "/tmp/loaxa-" + tag + "-XXXXXX";
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

bool bindable(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

}  // namespace

// Below the kernel's ephemeral range (32768-60999 on Debian): a port that bind(0)
// hands out is one the kernel also gives to outgoing connections, so another test's
// HTTP client could take it between the choice and the server's bind (CI saw
// "Address already in use" that way). The ports are handed out in turn across every
// test process from a counter kept under flock(), so two tests running side by side
// never get the same one; one something already holds is skipped.
int free_port() {
  constexpr std::uint32_t kFirst = 20000, kCount = 12000;
  const int fd = ::open("/tmp/loaxa-test-ports", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    throw std::runtime_error("free_port: /tmp/loaxa-test-ports: " +
                             std::string(std::strerror(errno)));
  ::fchmod(fd, 0666);  // whoever runs the next test (root or not) uses the same counter
  ::flock(fd, LOCK_EX);
  std::uint32_t n = 0;
  if (::pread(fd, &n, sizeof n, 0) != static_cast<ssize_t>(sizeof n)) n = 0;
  int port = 0;
  for (std::uint32_t tries = 0; tries < kCount && port == 0; ++tries) {
    n = (n + 1) % kCount;
    if (bindable(static_cast<int>(kFirst + n))) port = static_cast<int>(kFirst + n);
  }
  const bool saved = ::pwrite(fd, &n, sizeof n, 0) == static_cast<ssize_t>(sizeof n);
  ::flock(fd, LOCK_UN);
  ::close(fd);
  if (port == 0 || !saved) throw std::runtime_error("free_port: no free port from 20000");
  return port;
}

namespace {

void write_wav(const std::filesystem::path& file, std::uint32_t n,
               const std::function<std::int16_t(std::uint32_t)>& sample) {
  const std::uint32_t rate = 48000;
  std::ofstream out(file, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  out.write("RIFF", 4);
  u32(36 + n * 2);
  out.write("WAVEfmt ", 8);
  u32(16);
  u16(1);
  u16(1);
  u32(rate);
  u32(rate * 2);
  u16(2);
  u16(16);
  out.write("data", 4);
  u32(n * 2);
  for (std::uint32_t i = 0; i < n; ++i) u16(static_cast<std::uint16_t>(sample(i)));
}

}  // namespace

void write_tone_wav(const std::filesystem::path& file, double seconds, double hz,
                    double amplitude) {
  const auto n = static_cast<std::uint32_t>(std::lround(seconds * 48000));
  write_wav(file, n, [&](std::uint32_t i) {
    const double v = amplitude * std::sin(2 * M_PI * hz * i / 48000);
    return static_cast<std::int16_t>(std::lround(v * 32767));
  });
}

void write_level_wav(const std::filesystem::path& file, std::uint32_t samples, std::int16_t value) {
  write_wav(file, samples, [value](std::uint32_t) { return value; });
}

}  // namespace loaxa::test
