#pragma once
// A child process for integration tests: started with its stderr on a pipe that the
// test reads line by line, waiting for an expected line with a timeout (never a
// fixed sleep).

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace loaxa::test {

class Process {
 public:
  explicit Process(std::vector<std::string> argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits for a stderr line containing `needle`; returns it, or nullopt on timeout/EOF.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  void signal(int signo);
  // Waits for exit; returns the exit code (128+signal when killed), nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }  // all stderr read so far
  // What a child that has said nothing is doing: its program (the test binary itself
  // if it never reached execv) and each thread's state and kernel wait channel.
  std::string describe() const;
  pid_t pid() const { return pid_; }

 private:
  bool read_some(std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  std::string output_;
  bool exited_ = false;
  int status_ = 0;
};

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};
// Runs to completion, capturing stdout and stderr.
RunResult run(const std::vector<std::string>& argv);

// A fresh directory under /tmp, removed at destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A free TCP port on 127.0.0.1, never one the kernel gives to outgoing connections.
int free_port();

// Writes a mono 16-bit 48 kHz WAV of a sine tone.
void write_tone_wav(const std::filesystem::path& file, double seconds, double hz,
                    double amplitude = 0.5);
// A 48 kHz mono WAV whose every sample is `value`: a gap or an added sample between
// two such files shows as a sample of another value.
void write_level_wav(const std::filesystem::path& file, std::uint32_t samples, std::int16_t value);

}  // namespace loaxa::test
