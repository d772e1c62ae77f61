#pragma once
// loaxa-hub's config (/etc/loaxa/hub.toml): the province, its database, the API and the
// alerts. Read by the same rules as loaxad's (common/toml_reader.hpp): every problem at
// once with FILE:LINE, unknown keys refused with the nearest known one.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/toml_reader.hpp"

namespace loaxa::hub {

// What a caller may do on the hub: `admin` (the province: everything), `district`
// (bound to one district: sees and reports its boxes only), `viewer` (reads all).
enum class HubRole { viewer, district, admin };
HubRole parse_hub_role(std::string_view text);  // throws std::invalid_argument
const char* to_string(HubRole role);

struct HubToken {
  std::string name;
  HubRole role = HubRole::viewer;
  std::string district;  // district role: the district's id
  std::string sha256;    // of the token, lowercase hex
};

struct HubConfig {
  std::filesystem::path file;
  std::string id = "so-noi-vu";
  std::string name = "Sở Nội vụ";
  std::string timezone = "Asia/Ho_Chi_Minh";
  std::string database = "postgresql:///loaxa_hub";  // [database] url
  std::vector<std::string> listen{"127.0.0.1:8090"};
  std::vector<HubToken> tokens;
  std::string tls_cert, tls_key;
  // [alerts]
  std::chrono::milliseconds status_interval{30'000};  // what the boxes are told to use
  std::chrono::milliseconds offline_after{90'000};    // 3 status intervals
  std::int64_t disk_min_bytes = 200LL * 1024 * 1024;
  std::chrono::milliseconds push_silence{86'400'000};  // airtime not pushed for this long
  std::vector<std::string> alert_command;              // argv; the alert as JSON on stdin
  // [publish] dir: the signed tree (`loaxa publish --out DIR`) the hub serves to boxes at
  // /manifest.json (with long-poll), /manifest.json.sig and /media/. Empty: none.
  std::filesystem::path publish_dir;
  // [publish] key: the province's secret key (`loaxa keygen`), mode 0600, never sent
  // anywhere. Set: staff may issue and withdraw emergencies from the hub (issue.hpp),
  // which signs the folder's manifest again with them. Empty: the hub only serves.
  std::filesystem::path publish_key;
};

struct HubConfigResult {
  std::optional<HubConfig> config;
  std::vector<ConfigProblem> problems;
};

HubConfigResult parse_hub_config(std::string_view text, const std::filesystem::path& file);
HubConfigResult load_hub_config(const std::filesystem::path& file);

}  // namespace loaxa::hub
