// loaxad: the commune loudspeaker daemon.

#include <cstring>
#include <iostream>
#include <string_view>

#include "common/log.hpp"
#include "daemon/app.hpp"
#include "daemon/config/config.hpp"

namespace {

constexpr const char* kUsage =
    "Usage: loaxad [--config FILE] [--check] [--render-to-files]\n"
    "\n"
    "Plays the schedule of a commune box on its loudspeaker and kiosk channels,\n"
    "logs every play, and serves the HTTP API.\n"
    "\n"
    "  --config FILE      config file (default /etc/loaxa/loaxa.toml)\n"
    "  --check            validate the config, print every problem as FILE:LINE: message,\n"
    "                     exit 0 when valid, 2 when not\n"
    "  --render-to-files  render every audio channel to STATE_DIR/out/CHANNEL.s16le\n"
    "                     (raw PCM S16LE 48 kHz mono) instead of its sink; for machines\n"
    "                     with no sound device\n"
    "  --version          print the version\n"
    "  --help             this text\n";

}  // namespace

int main(int argc, char** argv) {
  loaxa::DaemonOptions options;
  options.config_file = "/etc/loaxa/loaxa.toml";
  bool check = false;
  // The password checker the daemon starts for itself (common/password_worker.hpp).
  if (argc == 2 && std::string_view(argv[1]) == "--password-worker") {
    return loaxa::serve_password_requests();
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--version") {
      std::cout << "loaxad " << LOAXA_VERSION << "\n";
      return 0;
    } else if (arg == "--check" || arg == "-t") {
      check = true;
    } else if (arg == "--render-to-files") {
      options.render_to_files = true;
    } else if (arg == "--config" && i + 1 < argc) {
      options.config_file = argv[++i];
    } else if (arg.starts_with("--config=")) {
      options.config_file = arg.substr(9);
    } else {
      std::cerr << "loaxad: unknown argument '" << arg << "'; see loaxad --help\n";
      return 2;
    }
  }

  auto result = loaxa::load_config(options.config_file);
  if (!result.config) {
    for (const auto& p : result.problems) std::cerr << p.to_string() << "\n";
    if (!check) std::cerr << "loaxad: not started: fix the config above\n";
    return 2;
  }
  if (check) {
    std::cout << options.config_file.string() << ": configuration is valid\n";
    return 0;
  }
  try {
    loaxa::App app(std::move(*result.config), options);
    return app.run();
  } catch (const std::exception& e) {
    loaxa::log::error("loaxad", e.what());
    return 1;
  }
}
