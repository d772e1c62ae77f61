#pragma once
// Amplifier control of one channel: its on_air_command before a block sounds, its
// off_air_command once the channel has been silent for amp_hold. Commands are argv
// arrays run directly (never through a shell); a command that fails or hangs is
// logged and never holds playout up.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace loaxa {

class Amplifier {
 public:
  Amplifier(std::string channel, std::vector<std::string> on_command,
            std::vector<std::string> off_command);
  ~Amplifier();

  bool is_on() const { return on_; }
  // Runs the on command unless the amplifier is already on.
  void switch_on(const std::string& why);
  // Runs the off command if it is on.
  void switch_off();
  // Reaps finished commands (logging failures) and kills ones running over 30 s.
  void reap();

 private:
  void run(const std::vector<std::string>& argv, const char* what);

  struct Child {
    pid_t pid;
    std::string what;
    std::chrono::steady_clock::time_point started;
  };
  std::string channel_;
  std::vector<std::string> on_command_, off_command_;
  bool on_ = false;
  std::vector<Child> children_;
};

}  // namespace loaxa
