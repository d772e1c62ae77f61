// loaxa: the command-line client. Online verbs talk to loaxad's HTTP API; offline
// verbs work on files.

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

#include "cli/args.hpp"
#include "cli/control.hpp"
#include "cli/http_client.hpp"
#include "cli/library.hpp"
#include "cli/local/doctor.hpp"
#include "cli/local/publish.hpp"
#include "cli/occurrences.hpp"
#include "cli/preview.hpp"
#include "cli/report.hpp"
#include "cli/table.hpp"
#include "cli/verify_log.hpp"
#include "common/password.hpp"
#include "store/access.hpp"
#include "sync/keys.hpp"

namespace {

namespace json = boost::json;
using loaxa::cli::Args;
using loaxa::cli::BadInput;
using loaxa::cli::only_options;
using loaxa::cli::option;
using loaxa::cli::render_table;

constexpr const char* kUsage =
    "Usage: loaxa [--url URL] [--token TOKEN] VERB [OPTIONS]\n"
    "\n"
    "Verbs:\n"
    "  status                 channels, what plays now, the next items, disk use\n"
    "  airtime                the airtime log (--from T --to T --channel C --format ...)\n"
    "  report --period P      airtime per topic, channel, day, schedule or media (xlsx too)\n"
    "  schedule preview       the planned timeline with statuses and reasons\n"
    "  occurrences            offline: the dates of an RFC 5545 recurrence rule\n"
    "  verify-log DB          offline: check the airtime log's hash chain\n"
    "  sync now | status      poll the province at once / show the sync state\n"
    "  inbox [accept|reject ID]  the province's normal bulletins awaiting a decision\n"
    "  media add|list|rm      the library: upload files (probed, loudness measured)\n"
    "  playlist import|list|show  playlists; import an M3U, PLS, XSPF or folder from a USB stick\n"
    "  schedule add|list|rm   schedules kept on the box (RFC 5545 rules)\n"
    "  announce TEXT          text to speech, added to the library\n"
    "  play --channel C (MEDIA|PLAYLIST|URL|--live)   play now, above the schedule\n"
    "  stop --channel C       fade out what plays on a channel\n"
    "  emergency start|stop   an emergency bulletin on every loudspeaker, or stop it\n"
    "  token create|list|revoke  API tokens (admin)\n"
    "  audit                  who did what (admin)\n"
    "  doctor [--config FILE] offline: check the box and say what to fix\n"
    "  passwd                 offline: hash a password for [api] users (web UI login)\n"
    "  keygen --out PREFIX    make an Ed25519 key pair (province manifests, a box's pushes)\n"
    "  publish SRC --out OUT --key PREFIX.key\n"
    "                         offline: build and sign a province manifest and media tree\n"
    "\n"
    "Online verbs reach loaxad at --url (default $LOAXA_URL or http://127.0.0.1:8080).\n"
    "Every verb has --help. Exit codes: 0 success, 1 failure, 2 bad input.\n";

const std::map<std::string, std::string> kVerbHelp = {
    {"status",
     "Usage: loaxa status [--format table|json]\n"
     "\n"
     "Shows the box, each channel with what plays now and its next 5 blocks, sync state\n"
     "and disk use, from the running loaxad.\n"},
    {"airtime", loaxa::cli::kAirtimeHelp},
    {"report", loaxa::cli::kReportHelp},
    {"occurrences", loaxa::cli::kOccurrencesHelp},
    {"schedule preview", loaxa::cli::kPreviewHelp},
    {"verify-log", loaxa::cli::kVerifyLogHelp},
    {"publish",
     "Usage: loaxa publish SRC_DIR --out OUT_DIR --key PREFIX.key\n"
     "\n"
     "Reads SRC_DIR/province.toml ([publisher] id, name, targets, holidays; [[media]] file,\n"
     "id, title, topic, audience; [[playlist]]; [[schedule]]; [[emergency]]: see\n"
     "docs/manifest.md), probes and hashes every media file, copies it to\n"
     "OUT_DIR/media/<sha256>.<ext>, and writes OUT_DIR/manifest.json and its Ed25519\n"
     "signature OUT_DIR/manifest.json.sig. The sequence is the time of publishing in Unix\n"
     "seconds (above the one already in OUT_DIR), so it grows even if OUT_DIR is lost.\n"
     "Serve OUT_DIR with any static web server; boxes poll OUT_DIR/manifest.json.\n"
     "The manifest is checked as boxes check it before anything is written.\n"},
    {"inbox",
     "Usage: loaxa inbox [--format table|json]\n"
     "\n"
     "The province's `normal` bulletins (Circular 39/2020: thông thường) for this box's\n"
     "channels: each waiting for the operator, accepted or rejected. Accepted ones air as\n"
     "scheduled; `priority` and `emergency` content never waits here.\n"},
    {"inbox accept",
     "Usage: loaxa inbox accept ID [--start LOCAL_DATETIME] [--rrule RRULE]\n"
     "\n"
     "Accepts bulletin ID: it airs as the province scheduled it, or from --start\n"
     "(2022-07-01T06:00:00) and/or with --rrule (RFC 5545) as the commune decides.\n"},
    {"inbox reject",
     "Usage: loaxa inbox reject ID\n"
     "\n"
     "Rejects bulletin ID: it does not air on this box (the decision holds for later\n"
     "manifests that keep the ID).\n"},
    {"sync status",
     "Usage: loaxa sync status [--format table|json]\n"
     "\n"
     "Province sync: the applied manifest sequence and when it was applied, the last\n"
     "attempt and success, the last error in words, how far the box clock is from the\n"
     "province server's, and the media still downloading with their progress.\n"},
    {"sync now",
     "Usage: loaxa sync now [--format table|json]\n"
     "\n"
     "Asks loaxad to poll the province at once (instead of at the next interval) and\n"
     "shows the sync status.\n"},
    {"doctor", loaxa::cli::kDoctorHelp},
    {"passwd",
     "Usage: loaxa passwd < PASSWORD\n"
     "\n"
     "Offline: reads a password (asked twice, unechoed, on a terminal) and prints its\n"
     "Argon2id hash for [api] users in the config:\n"
     "  users = [ { name = \"van-hoa-xa\", role = \"operator\", password = \"$argon2id$...\" } ]\n"
     "The person then logs in to the web UI with the name and the password.\n"},
    {"keygen",
     "Usage: loaxa keygen --out PREFIX\n"
     "       loaxa keygen --show-public KEYFILE\n"
     "\n"
     "Writes PREFIX.key (secret, mode 0600) and PREFIX.pub (base64 of the 32-byte Ed25519\n"
     "public key). Never overwrites a key. The province's key signs manifests (its .pub goes\n"
     "to [sync] public_keys on every box); a box's key ([box] key) signs what it pushes to\n"
     "the hub, which knows it from `loaxa-hub box add ... --key PUB`.\n"
     "--show-public prints the public half of an existing secret key file.\n"},
};

std::string base_url(const Args& a) {
  const char* env = std::getenv("LOAXA_URL");
  return option(a, "url", env ? env : "http://127.0.0.1:8080");
}

std::string token(const Args& a) {
  const char* env = std::getenv("LOAXA_TOKEN");
  return option(a, "token", env ? env : "");
}

using loaxa::cli::error_message;

loaxa::cli::HttpResult get(const Args& a, const std::string& target,
                           const loaxa::cli::BodySink& sink = nullptr) {
  auto r = loaxa::cli::http_get(base_url(a), target, token(a), sink);
  if (r.status >= 400) {
    const std::string message = error_message(r);
    if (r.status == 400) throw BadInput(message);
    throw std::runtime_error("loaxad answered " + std::to_string(r.status) + ": " + message);
  }
  return r;
}

std::string str(const json::value& v) {
  return loaxa::cli::cell(v);
}

void print_sync(const json::value& v) {
  if (!v.is_object()) {
    std::cout << "Đồng bộ / sync: " << str(v) << "\n";
    return;
  }
  const auto& o = v.as_object();
  auto f = [&](const char* k) { return o.contains(k) ? str(o.at(k)) : std::string(); };
  std::cout << "Đồng bộ / sync: " << f("url") << "  [" << f("state") << "]\n";
  std::cout << "  bản đang áp dụng / applied sequence: " << f("applied_sequence")
            << (f("applied_at").empty() ? "" : " (" + f("applied_at") + ")") << "\n";
  std::cout << "  lần thử cuối / last attempt: " << f("last_attempt")
            << "   thành công cuối / last success: " << f("last_success") << "\n";
  if (!f("last_error").empty()) std::cout << "  lỗi / error: " << f("last_error") << "\n";
  if (o.contains("clock_skew_s")) {
    const auto skew = o.at("clock_skew_s").to_number<std::int64_t>();
    std::cout << "  đồng hồ / clock: " << (std::abs(skew) > 60 ? "LỆCH / OFF by " : "khớp / ok, ")
              << skew << " s so với máy chủ tỉnh / against the province server\n";
  }
  if (o.contains("pending") && !o.at("pending").as_array().empty()) {
    std::cout << "  đang tải bản " << f("pending_sequence") << " / downloading:\n";
    for (const auto& d : o.at("pending").as_array()) {
      std::cout << "    " << str(d.at("media")) << "  " << str(d.at("have")) << " / "
                << str(d.at("size")) << " bytes\n";
    }
  }
}

int cmd_sync(const Args& a) {
  only_options(a, {"format"});
  const std::string format = option(a, "format", "table");
  if (format != "table" && format != "json") throw BadInput("--format must be table or json");
  loaxa::cli::HttpResult r;
  if (a.verb == "sync now") {
    r = loaxa::cli::http_post(base_url(a), "/api/v1/sync", token(a));
  } else {
    r = get(a, "/api/v1/sync");
  }
  if (r.status >= 400) {
    std::cerr << "loaxa: " << error_message(r) << "\n";
    return 1;
  }
  if (format == "json") {
    std::cout << r.body;
  } else {
    if (a.verb == "sync now") std::cout << "Đã yêu cầu đồng bộ ngay / a poll was started\n";
    print_sync(json::parse(r.body));
  }
  return 0;
}

int print_error(const loaxa::cli::HttpResult& r) {
  std::cerr << "loaxa: " << error_message(r) << "\n";
  return r.status == 400 || r.status == 404 ? 2 : 1;
}

int cmd_inbox(const Args& a) {
  if (a.verb == "inbox") {
    only_options(a, {"format"});
    const auto r = get(a, "/api/v1/inbox");
    if (option(a, "format") == "json") {
      std::cout << r.body;
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    const auto entries = json::parse(r.body);
    for (const auto& e : entries.as_array()) {
      rows.push_back({str(e.at("id")), str(e.at("state")), str(e.at("channel")), str(e.at("title")),
                      str(e.at("start")), str(e.at("rrule"))});
    }
    if (rows.empty()) {
      std::cout << "Không có bản tin nào chờ / the inbox is empty\n";
      return 0;
    }
    std::cout << loaxa::cli::render_table({"MÃ/ID", "TRẠNG THÁI/STATE", "KÊNH/CHANNEL",
                                           "TIÊU ĐỀ/TITLE", "BẮT ĐẦU/START", "LẶP/RRULE"},
                                          rows);
    return 0;
  }
  if (a.positional.size() != 1) throw BadInput("loaxa " + a.verb + " needs one bulletin ID");
  const bool accept = a.verb == "inbox accept";
  for (const auto& [k, v] : a.options) {
    if (k == "url" || k == "token") continue;
    if (!accept || (k != "start" && k != "rrule"))
      throw BadInput("loaxa " + a.verb + " does not take --" + k);
  }
  json::object body;
  if (a.options.count("start")) body["start"] = a.options.at("start");
  if (a.options.count("rrule")) body["rrule"] = a.options.at("rrule");
  const auto r = loaxa::cli::http_post(
      base_url(a),
      "/api/v1/inbox/" + loaxa::cli::url_escape(a.positional[0]) + (accept ? "/accept" : "/reject"),
      token(a), body.empty() ? "" : json::serialize(body));
  if (r.status >= 400) return print_error(r);
  const auto e = json::parse(r.body);
  std::cout << (accept ? "Đã nhận / accepted: " : "Đã từ chối / rejected: ") << str(e.at("id"))
            << " (" << str(e.at("title")) << ")\n";
  return 0;
}

int cmd_status(const Args& a) {
  only_options(a, {"format"});
  const std::string format = option(a, "format", "table");
  if (format != "table" && format != "json") throw BadInput("--format must be table or json");
  const auto r = get(a, "/api/v1/status");
  if (format == "json") {
    std::cout << r.body;
    return 0;
  }
  const auto s = json::parse(r.body).as_object();
  const auto& box = s.at("box").as_object();
  std::cout << "Hộp / box: " << str(box.at("id")) << "  " << str(box.at("name")) << "  ("
            << str(box.at("timezone")) << ")\n";
  std::cout << "Giờ / now: " << str(s.at("now")) << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : s.at("channels").as_array()) {
    const auto& ch = c.as_object();
    std::string now = "—";
    if (!ch.at("now_playing").is_null()) {
      const auto& np = ch.at("now_playing").as_object();
      now = str(np.at("title")) + " (" + str(np.at("media_id")) + ")";
    }
    std::string next;
    for (const auto& n : ch.at("next").as_array()) {
      if (!next.empty()) next += "; ";
      next += str(n.at("start")).substr(11, 8) + " " + str(n.at("schedule_id"));
    }
    rows.push_back({str(ch.at("name")), str(ch.at("kind")), str(ch.at("state")), now,
                    next.empty() ? "—" : next});
  }
  std::cout << render_table(
      {"KÊNH/CHANNEL", "LOẠI/KIND", "TRẠNG THÁI/STATE", "ĐANG PHÁT/NOW", "TIẾP THEO/NEXT"}, rows);
  const auto& disk = s.at("disk").as_object();
  const auto free_b = disk.at("free_bytes").to_number<double>();
  const auto total_b = disk.at("total_bytes").to_number<double>();
  char buf[160];
  std::snprintf(buf, sizeof buf, "\nĐĩa / disk: %.1f GiB trống / free of %.1f GiB (%s)\n",
                free_b / (1 << 30), total_b / (1 << 30), str(disk.at("state_dir")).c_str());
  std::cout << buf;
  print_sync(s.at("sync"));
  return 0;
}

int cmd_keygen(const Args& a) {
  only_options(a, {"out", "show-public"});
  if (const std::string key = option(a, "show-public"); !key.empty()) {
    std::cout << loaxa::sync::public_key_of_key_file(key) << "\n";
    return 0;
  }
  const std::string out = option(a, "out");
  if (out.empty()) throw BadInput("loaxa keygen needs --out PREFIX (e.g. --out province)");
  const std::string pub = loaxa::sync::generate_keypair(out);
  std::cout << "wrote " << out << ".key (secret, keep it off the boxes) and " << out
            << ".pub\npublic key: " << pub << "\n";
  return 0;
}

int cmd_passwd(const Args& a) {
  only_options(a, {});
  const std::string first = loaxa::read_secret("Mật khẩu mới / new password: ");
  if (first.size() < 6) throw BadInput("a password needs at least 6 characters");
  if (::isatty(0) && loaxa::read_secret("Nhập lại / again: ") != first) {
    throw BadInput("the two passwords differ");
  }
  std::cout << loaxa::store::hash_password(first) << "\n";
  return 0;
}

int cmd_publish(const Args& a) {
  if (a.positional.size() != 1) {
    throw BadInput("loaxa publish needs one SRC_DIR (the folder with province.toml)");
  }
  for (const auto& [k, v] : a.options) {
    if (k != "out" && k != "key") throw BadInput("loaxa publish does not take --" + k);
  }
  const std::string out = option(a, "out"), key = option(a, "key");
  if (out.empty() || key.empty())
    throw BadInput("loaxa publish needs --out OUT_DIR and --key PREFIX.key");
  const auto r = loaxa::publish(a.positional[0], out, key);
  if (!r.problems.empty()) {
    for (const auto& p : r.problems) std::cerr << p.to_string() << "\n";
    std::cerr << "nothing was published\n";
    return 2;
  }
  std::cout << "published sequence " << r.sequence << ": " << r.manifest.string() << " (" << r.media
            << " media, " << r.copied << " copied)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = loaxa::cli::parse_args(argc, argv);
    if (a.verb.empty()) {
      std::cout << kUsage;
      return a.help ? 0 : 2;
    }
    if (a.help) {
      for (const auto* table :
           {&kVerbHelp, &loaxa::cli::control_help(), &loaxa::cli::library_help()}) {
        if (auto it = table->find(a.verb); it != table->end()) {
          std::cout << it->second;
          return 0;
        }
      }
      throw BadInput("unknown verb '" + a.verb + "'; see loaxa --help");
    }
    if (loaxa::cli::is_library_verb(a.verb)) {
      return loaxa::cli::cmd_library(a, loaxa::cli::Endpoint{base_url(a), token(a)});
    }
    if (loaxa::cli::is_control_verb(a.verb)) {
      return loaxa::cli::cmd_control(a, loaxa::cli::Endpoint{base_url(a), token(a)});
    }
    if (a.verb == "status") return cmd_status(a);
    if (a.verb == "publish") return cmd_publish(a);
    if (a.verb == "sync now" || a.verb == "sync status") return cmd_sync(a);
    if (a.verb == "inbox" || a.verb == "inbox accept" || a.verb == "inbox reject")
      return cmd_inbox(a);
    const loaxa::cli::Getter getter = [&](const std::string& t, const loaxa::cli::BodySink& s) {
      return get(a, t, s);
    };
    if (a.verb == "airtime") return loaxa::cli::cmd_airtime(a, getter);
    if (a.verb == "report") return loaxa::cli::cmd_report(a, getter);
    if (a.verb == "keygen") return cmd_keygen(a);
    if (a.verb == "passwd") return cmd_passwd(a);
    if (a.verb == "doctor") return loaxa::cli::cmd_doctor(a);
    if (a.verb == "occurrences") return loaxa::cli::cmd_occurrences(a);
    if (a.verb == "verify-log") return loaxa::cli::cmd_verify_log(a);
    if (a.verb == "schedule preview") {
      return loaxa::cli::cmd_schedule_preview(a, [&](const std::string& t) { return get(a, t); });
    }
    throw BadInput("unknown verb '" + a.verb + "'; see loaxa --help");
  } catch (const BadInput& e) {
    std::cerr << "loaxa: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "loaxa: " << e.what() << "\n";
    return 1;
  }
}
