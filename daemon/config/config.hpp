#pragma once
// The box's configuration: TOML (toml++) parsed into plain structs with defaults.
// Every problem is collected as FILE:LINE: message; see load_config().

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/names.hpp"
#include "common/toml_reader.hpp"
#include "player/output.hpp"
#include "scheduler/planner.hpp"

namespace loaxa {

using std::chrono::milliseconds;

struct BoxConfig {
  std::string id;
  std::string name;
  // The district's id as the province names it ("dong-xoai"): province entries whose
  // targets name districts are for this box when they name this one. Empty: only
  // entries for every box or for this box's id reach it.
  std::string district;
  std::string timezone = "Asia/Ho_Chi_Minh";
  std::filesystem::path state_dir = "/var/lib/loaxa";
  // The box's Ed25519 secret key (`loaxa keygen`): it signs what the box pushes to the
  // province hub. Unset: pushes go unsigned (a receiver other than the hub).
  std::filesystem::path key;
  bool operator==(const BoxConfig&) const = default;
};

struct QuietRange {
  std::chrono::seconds from{0};
  std::chrono::seconds to{0};
  std::string text;  // as written, "21:30-05:00"
  bool operator==(const QuietRange&) const = default;
};

struct ChannelConfig {
  std::string name;
  player::ChannelKind kind = player::ChannelKind::audio;
  std::string sink;        // gst-launch description; default by kind
  std::string audio_sink;  // video channels: where a video's sound goes
  double volume = 1.0;
  std::vector<QuietRange> quiet_hours;
  std::optional<std::filesystem::path> chime;
  milliseconds image_duration{10'000};
  int width = 1280, height = 720, framerate = 25;   // kiosk screens
  std::optional<std::filesystem::path> idle_slide;  // kiosk: shown when nothing plays
  std::string ticker;  // kiosk: a standing line scrolled over the picture
  milliseconds fade{300};
  // Integrated loudness every play is brought to (EBU R128, LUFS), from each file's
  // measurement at ingest; at most max_gain dB up, and never past a -1 dBFS peak.
  double target_lufs = -16.0;
  double max_gain = 12.0;
  // Played when a relayed stream fails, stalls or sends dead air; the stream is tried
  // again after it, while its block lasts.
  std::optional<std::filesystem::path> fallback;
  // GStreamer description of the live input for `play --live` and `emergency start
  // --live` (e.g. "alsasrc device=hw:1"); empty: this channel has none.
  std::string live_source;
  milliseconds dead_air{10'000};
  // Loudspeakers: nothing to play this long and the output rests (no CPU on silence)
  // until the next item; zero: never.
  milliseconds rest_after{60'000};
  milliseconds connect_timeout{10'000};
  milliseconds stall_timeout{5'000};
  // Amplifier relays: argv arrays (never a shell), run amp_lead before a block and
  // amp_hold after the channel falls silent.
  std::vector<std::string> on_air_command;
  std::vector<std::string> off_air_command;
  milliseconds amp_lead{2'000};
  milliseconds amp_hold{60'000};
  // What a block on this channel does when a higher priority pre-empts it (or it
  // arrives while the channel is busy): resume | restart | drop.
  scheduler::OverlapPolicy resume_policy = scheduler::OverlapPolicy::resume;
  int line = 0;
  bool operator==(const ChannelConfig&) const = default;
};

struct SyncConfig {
  std::string url;
  std::vector<std::string> public_keys;
  milliseconds interval{60'000};
  // https: trust the CAs in this PEM file instead of the system store.
  std::string ca_file;
  // Province `normal` bulletins air as scheduled without the operator accepting them.
  bool auto_accept_normal = false;
  // Free space kept in state_dir: a manifest whose media would eat into it is refused.
  std::int64_t disk_reserve = std::int64_t{200} << 20;
  // Media downloads at once (soonest needed first).
  int parallel_downloads = 2;
  // While a channel is on air, downloads share at most this many bytes per second.
  std::optional<std::int64_t> max_rate_on_air;
  // Media no manifest refers to any more are removed after this long.
  milliseconds media_grace{24 * 3600 * 1000};
  // Long-poll: ask `url?wait=SEQUENCE` and let the server hold the answer (up to 60 s)
  // until a newer manifest is published (loaxa-hub does; a plain web server answers at
  // once and the box keeps to `interval`). Emergencies then arrive within a second.
  bool wait = false;
  bool operator==(const SyncConfig&) const = default;
};

struct TokenConfig {
  std::string name;
  std::string role;  // admin | operator | viewer
  std::string sha256;
  bool operator==(const TokenConfig&) const = default;
};

// A person who logs in with a name and password (the web UI on a phone): the password
// is kept only as an Argon2id hash (libsodium crypto_pwhash_str; `loaxa passwd`).
struct UserConfig {
  std::string name;
  std::string role;
  std::string password_hash;
  bool operator==(const UserConfig&) const = default;
};

struct ApiConfig {
  std::vector<std::string> listen{"127.0.0.1:8080"};
  std::vector<TokenConfig> tokens;
  std::vector<UserConfig> users;
  // HTTPS for the addresses other than loopback (office Wi-Fi): PEM files.
  std::string tls_cert;
  std::string tls_key;
  // Largest media upload (PUT /media), streamed to disk, never held in memory.
  std::int64_t max_upload = std::int64_t{200} << 20;
  bool operator==(const ApiConfig&) const = default;
};

// [airtime.push]: closed rows go as NDJSON batches in HTTP POSTs.
struct PushConfig {
  std::string url;  // http:// or https://
  milliseconds interval{60'000};
  int batch = 500;  // rows per POST
  // The box's status (what GET /api/v1/status shows) goes here every status_interval and
  // at once when a channel starts or stops. Default: beside a url ending in
  // /ingest/airtime, the same with /ingest/status (the hub's API); else none.
  std::string status_url;
  milliseconds status_interval{30'000};
  bool operator==(const PushConfig&) const = default;
};

struct AirtimeConfig {
  // How often a playing row's position is written (SD-card wear vs. what a crash loses).
  milliseconds checkpoint{30'000};
  // Unset: rows are kept forever. Set: closed rows older than this are archived to
  // state_dir/archive/*.ndjson (the chain continues) and then removed from the database.
  std::optional<milliseconds> retention;
  std::optional<PushConfig> push;
};

struct PlaylistConfig {
  std::string id;
  std::string title;
  // Each item is a media id, or a path (anything with '/' or '.') resolved against the
  // config file's folder and ingested at start.
  std::vector<std::string> items;
  // Position in `items` → how long the still image there shows (a slide of the
  // newsletter that needs longer); positions not here use the channel's image_duration.
  std::map<std::size_t, milliseconds> durations;
  int line = 0;
};

// What a schedule airs: a playlist, a media item, a file (the config's own), a stream
// URL, the channel's live input (manual plays), a kiosk's emergency notice (made by the
// box from an emergency's words).
enum class ContentKind : std::uint8_t { playlist, media, file, stream, live, notice };
inline constexpr Names<ContentKind, 6> content_kinds{
    {"playlist", "media", "file", "stream", "live", "notice"}};
// Where a schedule comes from: the config file, the province's manifest, the operator's
// API or CLI (kept in the database), a manual play (for its block only).
enum class Origin : std::uint8_t { config, province, local, manual };
inline constexpr Names<Origin, 4> origins{{"config", "province", "local", "manual"}};

struct ScheduleConfig {
  std::string id;  // generated ("config-N") when absent
  std::string channel;
  ContentKind content_kind = ContentKind::media;
  std::string content;  // id, absolute path or URL
  std::string start;    // local date-time as written
  std::optional<std::string> rrule;
  std::optional<std::string> until;
  std::vector<std::string> exdates;  // local date-times the rule skips (RFC 5545 EXDATE)
  std::vector<std::string> rdates;   // extra local date-times (RFC 5545 RDATE)
  int priority = 50;
  std::optional<milliseconds> max_duration;
  bool skip_holidays = false;  // not on the province's holidays (manifest `holidays`)
  Origin origin = Origin::config;
  bool emergency = false;  // province emergency: above every priority, quiet hours too
  int repeat = 1;          // the content plays this many times in the block
  int line = 0;
};

// [tts]: text to speech for announcements. argv, never a shell; {text}, {out} (the WAV
// to write) and {voice} are replaced in each argument.
struct TtsConfig {
  std::vector<std::string> command{"espeak-ng", "-v", "{voice}", "-w", "{out}", "{text}"};
  std::string voice = "vi";
  milliseconds timeout{60'000};
  bool operator==(const TtsConfig&) const = default;
};

struct Config {
  std::filesystem::path file;  // where it was read from
  BoxConfig box;
  std::map<std::string, ChannelConfig> channels;
  std::optional<SyncConfig> sync;
  std::optional<ApiConfig> api;
  std::vector<PlaylistConfig> playlists;
  std::vector<ScheduleConfig> schedules;
  milliseconds grace{120'000};  // [schedule_defaults] grace
  AirtimeConfig airtime;
  TtsConfig tts;
  // [topics]: report topic keys and their labels, in order (default: store::default_topics(), the
  // plan's seven).
  std::vector<std::pair<std::string, std::string>> topics;
};

struct ConfigResult {
  std::optional<Config> config;  // set only when there are no problems
  std::vector<ConfigProblem> problems;
};

// Reads and validates a config file: formats, keys, types, ranges and references
// between sections. Needs no media, state_dir, devices or network.
ConfigResult load_config(const std::filesystem::path& file);
ConfigResult parse_config(std::string_view text, const std::filesystem::path& file);

}  // namespace loaxa
