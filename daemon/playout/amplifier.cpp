#include "daemon/playout/amplifier.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/log.hpp"

extern char** environ;

namespace loaxa {

Amplifier::Amplifier(std::string channel, std::vector<std::string> on_command,
                     std::vector<std::string> off_command)
    : channel_(std::move(channel)),
      on_command_(std::move(on_command)),
      off_command_(std::move(off_command)) {}

Amplifier::~Amplifier() {
  for (const auto& c : children_) ::waitpid(c.pid, nullptr, WNOHANG);
}

void Amplifier::switch_on(const std::string& why) {
  if (on_) return;
  on_ = true;
  log::info("amplifier", channel_ + ": on (" + why + ")");
  run(on_command_, "on_air_command");
}

void Amplifier::switch_off() {
  if (!on_) return;
  on_ = false;
  log::info("amplifier", channel_ + ": off (silent for amp_hold)");
  run(off_command_, "off_air_command");
}

void Amplifier::run(const std::vector<std::string>& argv, const char* what) {
  if (argv.empty()) return;
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (rc != 0) {
    log::error("amplifier", channel_ + ": " + what + " " + argv[0] +
                                " could not be started: " + std::generic_category().message(rc));
    return;
  }
  children_.push_back({pid, std::string(what) + " " + argv[0], std::chrono::steady_clock::now()});
}

void Amplifier::reap() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    const pid_t r = ::waitpid(it->pid, &status, WNOHANG);
    if (r == 0) {
      if (now - it->started > std::chrono::seconds(30)) {
        ::kill(it->pid, SIGKILL);
        log::error("amplifier", channel_ + ": " + it->what + " ran over 30 s and was killed");
      }
      ++it;
      continue;
    }
    if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      log::error("amplifier", channel_ + ": " + it->what + " exited with status " +
                                  std::to_string(WEXITSTATUS(status)));
    } else if (r > 0 && WIFSIGNALED(status)) {
      log::error("amplifier", channel_ + ": " + it->what + " was killed by signal " +
                                  std::to_string(WTERMSIG(status)));
    }
    it = children_.erase(it);
  }
}

}  // namespace loaxa
