// loaxa: the command-line client. Online verbs talk to loaxad's HTTP API; offline
// verbs work on files.

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

#include "daemon/cli/args.hpp"
#include "daemon/cli/http_client.hpp"
#include "daemon/cli/occurrences.hpp"
#include "daemon/cli/preview.hpp"
#include "daemon/cli/report.hpp"
#include "daemon/cli/table.hpp"
#include "daemon/cli/verify_log.hpp"
#include "daemon/sync/keys.hpp"

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
    "  keygen --out PREFIX    make an Ed25519 key pair for signing province manifests\n"
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
    {"keygen",
     "Usage: loaxa keygen --out PREFIX\n"
     "\n"
     "Writes PREFIX.key (secret, mode 0600) and PREFIX.pub (base64 of the 32-byte Ed25519\n"
     "public key, for [sync] public_keys on every box). Never overwrites a key.\n"},
};

std::string base_url(const Args& a) {
  const char* env = std::getenv("LOAXA_URL");
  return option(a, "url", env ? env : "http://127.0.0.1:8080");
}

std::string token(const Args& a) {
  const char* env = std::getenv("LOAXA_TOKEN");
  return option(a, "token", env ? env : "");
}

loaxa::cli::HttpResult get(const Args& a, const std::string& target,
                           const loaxa::cli::BodySink& sink = nullptr) {
  auto r = loaxa::cli::http_get(base_url(a), target, token(a), sink);
  if (r.status >= 400) {
    std::string message = r.body;
    try {
      message = json::value_to<std::string>(json::parse(r.body).at("error").at("message"));
    } catch (const std::exception&) {
    }
    if (r.status == 400) throw BadInput(message);
    throw std::runtime_error("loaxad answered " + std::to_string(r.status) + ": " + message);
  }
  return r;
}

std::string str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  if (v.is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v.as_double());
    return buf;
  }
  return json::serialize(v);
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
  std::cout << "Đồng bộ / sync: " << str(s.at("sync")) << "\n";
  return 0;
}

int cmd_keygen(const Args& a) {
  only_options(a, {"out"});
  const std::string out = option(a, "out");
  if (out.empty()) throw BadInput("loaxa keygen needs --out PREFIX (e.g. --out province)");
  const std::string pub = loaxa::sync::generate_keypair(out);
  std::cout << "wrote " << out << ".key (secret, keep it off the boxes) and " << out
            << ".pub\npublic key: " << pub << "\n";
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
      auto it = kVerbHelp.find(a.verb);
      if (it == kVerbHelp.end()) throw BadInput("unknown verb '" + a.verb + "'; see loaxa --help");
      std::cout << it->second;
      return 0;
    }
    if (a.verb == "status") return cmd_status(a);
    const loaxa::cli::Getter getter = [&](const std::string& t, const loaxa::cli::BodySink& s) {
      return get(a, t, s);
    };
    if (a.verb == "airtime") return loaxa::cli::cmd_airtime(a, getter);
    if (a.verb == "report") return loaxa::cli::cmd_report(a, getter);
    if (a.verb == "keygen") return cmd_keygen(a);
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
