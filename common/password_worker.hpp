#pragma once
// Password checks in a process of their own. Argon2id maps 64 MiB for every check and
// unmaps it after; inside the daemon that holds the address space's lock, and any
// playout thread that faults in a page or maps memory meanwhile waits for it (measured
// here: 25-35 ms stalls in a sibling thread, a late block start on air). A child process
// has its own address space, so its hashing can only take a spare core, and it runs at
// the lowest priority, so not even that from playout.
//
// The child is this program run again with --password-worker: it answers requests on
// its standard input and output (a socket pair) until the parent closes it. It is
// started at the first check, started again if it dies, and when it cannot be started
// at all the check runs here (with a warning), so a login never fails for it.

#include <sys/types.h>

#include <filesystem>
#include <mutex>
#include <string>

namespace loaxa {

class PasswordWorker {
 public:
  // `program`: the executable that serves --password-worker (normally /proc/self/exe).
  explicit PasswordWorker(std::filesystem::path program);
  ~PasswordWorker();
  PasswordWorker(const PasswordWorker&) = delete;
  PasswordWorker& operator=(const PasswordWorker&) = delete;

  // Blocks for the check (~0.1 s): call it off the event loop. An empty `hash` checks
  // against a dummy hash, so an unknown name costs what a known one does. Thread-safe.
  bool verify(const std::string& hash, const std::string& password);

  // The child's pid, or -1 when none runs (tests).
  pid_t child() const;

 private:
  bool start();
  void stop();
  bool ask(const std::string& hash, const std::string& password, bool& ok);

  std::filesystem::path program_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  pid_t pid_ = -1;
};

// The child's side: lowers its own priority, then answers on fds 0 and 1 until EOF.
// Returns the exit status.
int serve_password_requests();

}  // namespace loaxa
