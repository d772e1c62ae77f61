#include "hub/alerts.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "hub/json_path.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace loaxa::hub {

namespace {

std::string mib(std::int64_t bytes) {
  return std::to_string(bytes / (1024 * 1024)) + " MB";
}

}  // namespace

boost::json::object alert_json(const Alert& a) {
  return {{"id", a.id},       {"box", a.box_id},      {"kind", a.kind},    {"since", a.since},
          {"until", a.until}, {"message", a.message}, {"detail", a.detail}};
}

void Alerts::notify(const Alert& alert) {
  log::warning("alert", alert.box_id + ": " + alert.message);
  if (config_.alert_command.empty()) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  std::vector<char*> argv;
  argv.reserve(config_.alert_command.size() + 1);
  for (const auto& a : config_.alert_command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (rc != 0) {
    log::error("alert", "cannot run " + config_.alert_command[0] + ": " + std::strerror(rc));
    ::close(fds[1]);
    return;
  }
  const std::string json = boost::json::serialize(alert_json(alert)) + "\n";
  // A pipe holds 64 KiB: an alert is far smaller, so this never waits for the reader.
  if (::write(fds[1], json.data(), json.size()) != static_cast<ssize_t>(json.size())) {
    log::warning("alert", config_.alert_command[0] + " did not take the whole alert");
  }
  ::close(fds[1]);
}

void Alerts::set(const Box& box, bool on, const std::string& kind, const std::string& key,
                 const std::string& message, const boost::json::object& detail) {
  if (!on) {
    store_.close_alert(box.id, key);
    return;
  }
  if (auto a = store_.open_alert(box.id, kind, key, message, detail)) notify(*a);
}

void Alerts::check_status(const Box& box, const std::optional<boost::json::object>& before,
                          const boost::json::object& status) {
  store_.close_alert(box.id, "offline");
  const auto* synced = find_at(&status, {"clock", "synchronized"});
  const bool unsynced = synced && synced->is_bool() && !synced->as_bool();
  set(box, unsynced, "clock", "clock",
      "Đồng hồ của hộp " + box.name + " chưa được đồng bộ (NTP): giờ phát và nhật ký có thể sai");
  const std::int64_t free = number_at(status, {"disk", "free_bytes"}, -1);
  set(box, free >= 0 && free < config_.disk_min_bytes, "disk", "disk",
      "Ổ đĩa của hộp " + box.name + " chỉ còn " + mib(free) + " trống (ngưỡng " +
          mib(config_.disk_min_bytes) + ")",
      {{"free_bytes", free}});
  const auto* state = find_at(&status, {"sync", "state"});
  const auto* error = find_at(&status, {"sync", "last_error"});
  const bool failing = state && state->is_string() && state->as_string() == "error";
  set(box, failing, "sync", "sync",
      "Hộp " + box.name + " không đồng bộ được với tỉnh" +
          (error && error->is_string() && !error->as_string().empty()
               ? ": " + std::string(error->as_string())
               : std::string()));
  // Dead air: a channel's count of silences grew since the last status.
  const auto* channels = status.if_contains("channels");
  if (!channels || !channels->is_array()) return;
  for (const auto& c : channels->as_array()) {
    if (!c.is_object()) continue;
    const auto& ch = c.as_object();
    const auto* name = ch.if_contains("name");
    if (!name || !name->is_string()) continue;
    const std::string channel(name->as_string());
    const std::int64_t now = number_at(ch, {"dead_air_count"}, 0);
    std::int64_t was = 0;
    if (before) {
      if (const auto* bc = before->if_contains("channels"); bc && bc->is_array()) {
        for (const auto& b : bc->as_array()) {
          if (b.is_object() && b.as_object().if_contains("name") &&
              *b.as_object().if_contains("name") == *name) {
            was = number_at(b.as_object(), {"dead_air_count"}, 0);
          }
        }
      }
    }
    if (now > was) {
      set(box, true, "dead_air", "dead_air:" + channel,
          "Kênh " + channel + " của hộp " + box.name + " im lặng khi đang phát (" +
              std::to_string(now - was) + " lần)",
          {{"channel", channel}, {"count", now}});
    }
  }
}

void Alerts::sweep() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  auto& db = store_.db();
  // Offline: no status for offline_after (boxes that never sent one count from enrolment).
  const auto offline = db.exec(
      "SELECT b.id FROM box b WHERE COALESCE(b.last_status, b.enrolled_at) < "
      "now() - make_interval(secs => $1::double precision)",
      {pg::real(static_cast<double>(config_.offline_after.count()) / 1000.0)});
  for (int i = 0; i < offline.rows(); ++i) {
    if (auto box = store_.box(offline.str(i, 0))) {
      set(*box, true, "offline", "offline",
          "Hộp " + box->name + " (" + box->commune + ") mất kết nối: không gửi trạng thái từ " +
              (box->last_status_at.empty() ? std::string("khi đăng ký") : box->last_status_at));
    }
  }
  // Online but no airtime pushed for push_silence.
  const auto silent = db.exec(
      "SELECT b.id FROM box b WHERE b.last_status > now() - make_interval(secs => $1::double "
      "precision) AND COALESCE(b.last_push, b.enrolled_at) < now() - make_interval(secs => "
      "$2::double precision)",
      {pg::real(static_cast<double>(config_.offline_after.count()) / 1000.0),
       pg::real(static_cast<double>(config_.push_silence.count()) / 1000.0)});
  for (int i = 0; i < silent.rows(); ++i) {
    if (auto box = store_.box(silent.str(i, 0))) {
      set(*box, true, "not_pushed", "not_pushed",
          "Hộp " + box->name + " trực tuyến nhưng chưa gửi nhật ký phát sóng từ " +
              (box->last_push_at.empty() ? std::string("khi đăng ký") : box->last_push_at));
    }
  }
  db.exec(
      "UPDATE alert a SET until = now() FROM box b WHERE b.id = a.box_id AND a.kind = "
      "'not_pushed' AND a.until IS NULL AND b.last_push > a.since");
  // Events (a missed block, a silence) stay a day.
  db.exec(
      "UPDATE alert SET until = now() WHERE until IS NULL AND kind IN ('missed', 'failed', "
      "'dead_air') AND since < now() - interval '1 day'");
}

}  // namespace loaxa::hub
