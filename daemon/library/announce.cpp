#include "daemon/library/announce.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "common/log.hpp"
#include "common/sha256.hpp"

extern char** environ;

namespace loaxa {

namespace fs = std::filesystem;

namespace {

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0) return false;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// Runs argv (PATH lookup, no shell) and waits up to `timeout`; "" on success, else why.
std::string run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (rc != 0)
    return argv[0] + ": cannot be started (" + std::generic_category().message(rc) +
           "); is it installed?";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return argv[0] + " did not finish within " + std::to_string(timeout.count() / 1000) + " s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the child's exit
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return argv[0] + " failed (" +
         (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                            : "signal " + std::to_string(WTERMSIG(status))) +
         ")";
}

}  // namespace

Announcement announce(store::Store& store, const Config& config, const std::string& text,
                      const std::string& voice_in, const std::string& topic) {
  const std::string voice = voice_in.empty() ? config.tts.voice : voice_in;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw std::invalid_argument("text: write what is to be read out");
  }
  if (text.size() > 5000) throw std::invalid_argument("text: at most 5000 bytes");
  if (!valid_utf8(text)) throw std::invalid_argument("text: not valid UTF-8");
  if (voice.empty() || voice.size() > 32 || !std::all_of(voice.begin(), voice.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '+';
      })) {
    throw std::invalid_argument("voice: a voice name such as \"vi\" (espeak-ng --voices=vi)");
  }
  const std::string hash = sha256_hex(voice + "\x1f" + text);
  const std::string id = "thong-bao-" + hash.substr(0, 12);
  Announcement out;
  if (auto m = store.catalog().find_media(id)) {
    out.cached = true;
    out.ingest.ok = true;
    out.ingest.media = *m;
    return out;
  }
  const fs::path dir = config.box.state_dir / "tts";
  fs::create_directories(dir);
  const fs::path wav = dir / (hash + ".wav");
  std::vector<std::string> argv;
  for (const auto& a : config.tts.command) {
    argv.push_back(replace_all(replace_all(replace_all(a, "{voice}", voice), "{out}", wav.string()),
                               "{text}", text));
  }
  const std::string why = run(argv, config.tts.timeout);
  std::error_code ec;
  if (!why.empty() || !fs::exists(wav) || fs::file_size(wav, ec) < 100) {
    fs::remove(wav, ec);
    out.ingest.error = "text to speech failed: " + (why.empty() ? "no audio written" : why);
    return out;
  }
  out.ingest = ingest_file(store, config.box.state_dir / "media", wav, id, "local");
  fs::remove(wav, ec);
  if (!out.ingest.ok) return out;
  auto& m = out.ingest.media;
  // The title is the text's beginning, cut on a character boundary.
  std::size_t cut = std::min<std::size_t>(text.size(), 80);
  while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  m.title = text.substr(0, cut);
  m.topic = topic;
  store.catalog().upsert_media(m);
  log::info("announce", "spoke " + std::to_string(text.size()) + " bytes as " + id);
  return out;
}

}  // namespace loaxa
