#include "common/password_worker.hpp"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>

#include "common/log.hpp"
#include "common/password.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): posix_spawn's environment

namespace loaxa {
namespace {

// A request is two length-prefixed strings (the hash, then the password), each length
// four bytes little-endian; the answer one byte, '1' or '0'. Nothing longer than this
// is a request.
constexpr std::uint32_t kMaxField = 4096;

bool write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_field(int fd, const std::string& s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  const std::array<unsigned char, 4> len{
      static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
      static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  return write_all(fd, len.data(), len.size()) && write_all(fd, s.data(), s.size());
}

bool read_field(int fd, std::string& s) {
  std::array<unsigned char, 4> len{};
  if (!read_all(fd, len.data(), len.size())) return false;
  const std::uint32_t n =
      len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<std::uint32_t>(len[3]) << 24);
  if (n > kMaxField) return false;
  s.resize(n);
  return read_all(fd, s.data(), n);
}

// What an empty hash (an unknown name) is checked against, made once per process.
const std::string& dummy_hash() {
  static const std::string hash = hash_password("loaxa-dummy-password");
  return hash;
}

}  // namespace

PasswordWorker::PasswordWorker(std::filesystem::path program) : program_(std::move(program)) {}

PasswordWorker::~PasswordWorker() {
  const std::lock_guard lock(mutex_);
  stop();
}

pid_t PasswordWorker::child() const {
  const std::lock_guard lock(mutex_);
  return pid_;
}

bool PasswordWorker::start() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the copies: the child keeps fds 0 and 1 only.
  posix_spawn_file_actions_adddup2(&actions, fds[1], 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const std::string path = program_.string();
  std::array<char*, 3> argv{
      const_cast<char*>("loaxad"),             // NOLINT(cppcoreguidelines-pro-type-const-cast)
      const_cast<char*>("--password-worker"),  // NOLINT(cppcoreguidelines-pro-type-const-cast)
      nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return false;
  }
  fd_ = fds[0];
  pid_ = pid;
  return true;
}

void PasswordWorker::stop() {
  if (fd_ >= 0) ::close(fd_);  // the child reads EOF and exits
  fd_ = -1;
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

bool PasswordWorker::ask(const std::string& hash, const std::string& password, bool& ok) {
  if (fd_ < 0 && !start()) return false;
  char answer = 0;
  if (write_field(fd_, hash) && write_field(fd_, password) && read_all(fd_, &answer, 1)) {
    ok = answer == '1';
    return true;
  }
  // It died (or was killed): reap it; the next ask starts another.
  ::kill(pid_, SIGKILL);
  stop();
  return false;
}

bool PasswordWorker::verify(const std::string& hash, const std::string& password) {
  if (hash.size() > kMaxField || password.size() > kMaxField) return false;
  const std::lock_guard lock(mutex_);
  bool ok = false;
  if (ask(hash, password, ok) || ask(hash, password, ok)) return ok;
  log::warning("api", "the password worker cannot run (" + program_.string() +
                          " --password-worker); checking here, playout may stutter");
  return verify_password(hash.empty() ? dummy_hash() : hash, password);
}

int serve_password_requests() {
  // Gone with the daemon, whatever killed it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  sched_param param{};
  if (::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &param) != 0) {
    (void)::setpriority(PRIO_PROCESS, 0, 19);
  }
  (void)dummy_hash();  // made before the first request, so it costs no request time
  std::string hash;
  std::string password;
  while (read_field(0, hash) && read_field(0, password)) {
    const char answer = verify_password(hash.empty() ? dummy_hash() : hash, password) ? '1' : '0';
    if (!write_all(1, &answer, 1)) return 1;
  }
  return 0;
}

}  // namespace loaxa
