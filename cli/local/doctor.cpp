#include "cli/local/doctor.hpp"

#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "daemon/config/config.hpp"
#include "daemon/playout/clock.hpp"
#include "sync/http_fetch.hpp"

namespace loaxa::cli {

namespace fs = std::filesystem;

const char* const kDoctorHelp =
    "Usage: loaxa doctor [--config FILE]\n"
    "\n"
    "Checks the box and says in words what to fix: the config (default\n"
    "/etc/loaxa/loaxa.toml or $LOAXA_CONFIG), the state folder and free disk, the\n"
    "database, sound devices for the loudspeaker channels, the clock, the province server\n"
    "and its keys, the text-to-speech program. Exit 0 when all is well, 1 otherwise.\n";

namespace {

struct Report {
  int failed = 0;
  void ok(const std::string& what) { std::cout << "[ OK ] " << what << "\n"; }
  void bad(const std::string& what, const std::string& fix) {
    ++failed;
    std::cout << "[LỖI] " << what << "\n       → " << fix << "\n";
  }
};

bool on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    const auto colon = std::min(dirs.find(':', at), dirs.size());
    if (::access((dirs.substr(at, colon - at) + "/" + program).c_str(), X_OK) == 0) return true;
    at = colon + 1;
  }
  return false;
}

}  // namespace

namespace {

// State folder, disk, database.
void check_state(Report& r, const Config& c) {
  std::error_code ec;
  fs::create_directories(c.box.state_dir, ec);
  if (::access(c.box.state_dir.c_str(), W_OK) != 0) {
    r.bad("thư mục dữ liệu / state_dir " + c.box.state_dir.string() + " is not writable",
          "chown loaxa: " + c.box.state_dir.string() + " (the service user must write there)");
  } else {
    struct statvfs fsinfo {};
    if (::statvfs(c.box.state_dir.c_str(), &fsinfo) == 0) {
      const double free_mb =
          static_cast<double>(fsinfo.f_bavail) * static_cast<double>(fsinfo.f_frsize) / (1 << 20);
      if (free_mb < 500) {
        r.bad("ổ đĩa / disk: only " + std::to_string(static_cast<int>(free_mb)) + " MB free in " +
                  c.box.state_dir.string(),
              "free space (old media, archives) or use a larger SD card; under ~200 MB province "
              "media are refused");
      } else {
        r.ok("ổ đĩa / disk: " + std::to_string(static_cast<int>(free_mb)) + " MB free");
      }
    }
    const auto db = c.box.state_dir / "loaxa.db";
    if (!fs::exists(db)) {
      r.ok("cơ sở dữ liệu / database: not created yet (loaxad makes it at first start)");
    } else {
      sqlite3* h = nullptr;
      std::string verdict = "cannot open";
      if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
          verdict = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
      }
      sqlite3_close(h);
      if (verdict == "ok") {
        r.ok("cơ sở dữ liệu / database " + db.string());
      } else {
        r.bad("cơ sở dữ liệu / database " + db.string() + ": " + verdict,
              "stop loaxad, copy the file aside, and restore the last backup; `loaxa "
              "verify-log` tells whether the airtime chain is intact");
      }
    }
  }
}

// Sound devices for channels that play to ALSA.
void check_sound(Report& r, const Config& c) {
  std::error_code ec;
  for (const auto& [name, ch] : c.channels) {
    if (ch.kind != player::ChannelKind::audio) continue;
    const bool alsa = ch.sink.find("alsasink") != std::string::npos ||
                      ch.sink.find("autoaudiosink") != std::string::npos;
    if (!alsa) {
      r.ok("kênh / channel " + name + ": sink \"" + ch.sink + "\"");
      continue;
    }
    bool playback = false;
    for (const auto& e : fs::directory_iterator("/dev/snd", ec)) {
      const std::string n = e.path().filename().string();
      playback = playback || (n.starts_with("pcmC") && n.ends_with("p"));
    }
    if (playback) {
      r.ok("kênh / channel " + name + ": a sound card is present");
    } else {
      r.bad("kênh / channel " + name + ": no sound card for playback (/dev/snd)",
            "plug in the USB sound card or amplifier interface; `aplay -l` lists cards; the "
            "service user needs the audio group");
    }
  }
}

// Province server and keys.
void check_province(Report& r, const Config& c) {
  if (c.sync) {
    r.ok("khóa tỉnh / province keys: " + std::to_string(c.sync->public_keys.size()));
    boost::asio::io_context io;
    sync::HttpRequest req;
    req.url = c.sync->url;
    req.ca_file = c.sync->ca_file;
    req.timeout = std::chrono::seconds(10);
    req.body_limit = 1;
    std::optional<sync::HttpResponse> got;
    auto call = sync::async_http(io, req, [&](sync::HttpResponse resp) { got = std::move(resp); });
    io.run();
    if (got && got->error.empty() && got->status < 400) {
      r.ok("máy chủ tỉnh / province server " + c.sync->url + " answers (HTTP " +
           std::to_string(got->status) + ")");
    } else {
      r.bad("máy chủ tỉnh / province server " + c.sync->url + ": " +
                (got ? got->describe() : std::string("no answer")),
            "check the network (4G modem, cable), the URL in [sync] url, and for https the "
            "[sync] ca_file; the box plays on from what it has meanwhile");
    }
  } else {
    r.ok("đồng bộ / sync: not configured (local content only)");
  }
}

}  // namespace

int cmd_doctor(const Args& a) {
  only_options(a, {"config"});
  const char* env = std::getenv("LOAXA_CONFIG");
  const fs::path file = option(a, "config", env ? env : "/etc/loaxa/loaxa.toml");
  Report r;
  const auto loaded = load_config(file);
  if (!loaded.config) {
    for (const auto& p : loaded.problems) std::cout << "       " << p.to_string() << "\n";
    r.bad("cấu hình / config " + file.string() + " has problems (above)",
          "fix each line named above, then `loaxad --config " + file.string() + " --check`");
    return 1;
  }
  const Config& c = *loaded.config;
  r.ok("cấu hình / config " + file.string());

  check_state(r, c);
  check_sound(r, c);

  // Clock.
  if (system_clock_synchronized()) {
    r.ok("đồng hồ / clock synchronised");
  } else {
    r.bad("đồng hồ / clock not synchronised",
          "enable NTP (`timedatectl set-ntp true`) and let the box reach a time server; until "
          "then airtime rows say clock_synced=false");
  }

  check_province(r, c);

  // Text to speech.
  if (!c.tts.command.empty() && on_path(c.tts.command[0])) {
    r.ok("đọc văn bản / text to speech: " + c.tts.command[0]);
  } else {
    r.bad("đọc văn bản / text to speech: " +
              (c.tts.command.empty() ? std::string("no command") : c.tts.command[0]) +
              " is not installed",
          "apt-get install espeak-ng (or set [tts] command)");
  }

  std::cout << (r.failed == 0 ? "Hộp hoạt động tốt / all is well\n"
                              : std::to_string(r.failed) + " việc cần sửa / thing(s) to fix\n");
  return r.failed == 0 ? 0 : 1;
}

}  // namespace loaxa::cli
