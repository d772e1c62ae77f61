#include "cli/library.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/http_client.hpp"
#include "cli/playlist_file.hpp"
#include "cli/table.hpp"
#include "common/id.hpp"
#include "scheduler/local_time.hpp"

namespace loaxa::cli {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::map<std::string, std::string> kHelp = {
    {"media add",
     "Usage: loaxa media add FILE... [--title T] [--topic K] [--audience A]\n"
     "\n"
     "Uploads each file to the box: it is probed, hashed and its loudness measured; a file\n"
     "that cannot play is refused with the reason. Prints the new media ids. --topic is a\n"
     "report topic key (see [topics] in the config; default keys: overview, policy,\n"
     "institutions, indices, models, results, rights). --audience names who it is for,\n"
     "comma-separated (e.g. nguoi-dan,doanh-nghiep).\n"},
    {"media list",
     "Usage: loaxa media list [--format table|json]\n"
     "\n"
     "The library: id, title, topic, kind, duration, loudness, where it came from.\n"},
    {"media rm",
     "Usage: loaxa media rm ID\n"
     "\n"
     "Deletes an uploaded media file. Refused while a playlist or schedule names it, while\n"
     "it is on air, or when it came from the config or the province.\n"},
    {"playlist import",
     "Usage: loaxa playlist import (FILE.m3u|FILE.m3u8|FILE.pls|FILE.xspf|FOLDER) [--name N]\n"
     "                             [--title T]\n"
     "\n"
     "Reads a playlist as a USB stick holds it (paths relative to it; '\\' or '/' between\n"
     "folders; names matched in any Unicode form and, when only one file fits, any letter\n"
     "case), or a folder (its sound, video and picture files in name order), uploads every\n"
     "file and makes playlist N (default: the file's name as an id). Nothing is uploaded\n"
     "when an entry is missing or is a URL: every such entry is named with its line.\n"},
    {"playlist list",
     "Usage: loaxa playlist list [--format table|json]\n"
     "\n"
     "Every playlist (config, province, made on the box) with its items.\n"},
    {"playlist show",
     "Usage: loaxa playlist show ID\n"
     "\n"
     "The items of playlist ID, in order.\n"},
    {"schedule add",
     "Usage: loaxa schedule add --channel C (--playlist P | --media M | --stream URL)\n"
     "                          --start LOCAL_DATETIME [--rrule RRULE] [--until DATE]\n"
     "                          [--priority N] [--max-duration DUR] [--id ID]\n"
     "\n"
     "Adds a schedule kept on the box. Example, every weekday at 06:00 for the quarter:\n"
     "  loaxa schedule add --channel loudspeaker --playlist ban-tin-sang \\\n"
     "    --start 2022-07-01T06:00:00 --rrule FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR --until 2022-09-30\n"
     "Prints the new schedule id. A stream needs --max-duration (its window, e.g. 30m).\n"},
    {"announce",
     "Usage: loaxa announce TEXT [--voice V] [--topic K]\n"
     "\n"
     "Turns TEXT into speech with the box's [tts] command (espeak-ng, Vietnamese voice by\n"
     "default), adds it to the library and prints its media id, ready for `loaxa play` or\n"
     "`loaxa schedule add --media`. The same text and voice give the same id (cached).\n"},
    {"schedule list",
     "Usage: loaxa schedule list [--format table|json]\n"
     "\n"
     "Every schedule (config, province, made on the box) with its rule and priority.\n"},
    {"schedule rm",
     "Usage: loaxa schedule rm ID\n"
     "\n"
     "Deletes a schedule made on the box (config and province ones are changed there).\n"},
};

std::string str(const json::value& v) {
  return cell(v, 1);
}

std::string format_of(const Args& a) {
  std::string f = option(a, "format", "table");
  if (f != "table" && f != "json") throw BadInput("--format must be table or json");
  return f;
}

// Uploads one file; its media id, or nullopt after saying why.
std::optional<std::string> upload(const Endpoint& ep, const std::string& file,
                                  const std::string& title, const std::string& topic,
                                  const std::string& audience = "") {
  std::string q = "/api/v1/media?filename=" + url_escape(fs::path(file).filename().string());
  if (!title.empty()) q += "&title=" + url_escape(title);
  if (!topic.empty()) q += "&topic=" + url_escape(topic);
  if (!audience.empty()) q += "&audience=" + url_escape(audience);
  const auto r = http_put_file(ep.url, q, ep.token, file);
  if (r.status >= 400) {
    std::cerr << "loaxa: " << file << ": " << error_message(r) << "\n";
    return std::nullopt;
  }
  return str(json::parse(r.body).at("id"));
}

// A playlist item: a media id, or {"media": id, "duration": "20s"} (a slide with its
// own duration), shown as "id (20s)".
std::string item_text(const json::value& v) {
  if (const auto* o = v.if_object(); o && o->contains("media")) {
    return str(o->at("media")) +
           (o->contains("duration") ? " (" + str(o->at("duration")) + ")" : "");
  }
  return str(v);
}

int list(const Args& a, const Endpoint& ep, const std::string& what) {
  allow_options(a, {"format"});
  const std::string format = format_of(a);
  const auto r = http_get(ep.url, "/api/v1/" + what, ep.token);
  if (r.status >= 400) return report_failure(r);
  if (format == "json") {
    std::cout << r.body;
    return 0;
  }
  const json::value v = json::parse(r.body);
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : v.as_array()) {
    const auto& o = e.as_object();
    if (what == "media") {
      rows.push_back({str(o.at("id")), str(o.at("title")), str(o.at("topic")), str(o.at("kind")),
                      str(o.at("duration_s")), str(o.at("loudness_lufs")), str(o.at("origin"))});
    } else if (what == "playlists") {
      std::string items;
      for (const auto& i : o.at("items").as_array())
        items += (items.empty() ? "" : ", ") + item_text(i);
      rows.push_back({str(o.at("id")), str(o.at("title")), items, str(o.at("origin"))});
    } else {
      rows.push_back({str(o.at("id")), str(o.at("channel")), str(o.at("content")),
                      str(o.at("start")), str(o.at("rrule")), str(o.at("until")),
                      str(o.at("priority")), str(o.at("origin"))});
    }
  }
  if (what == "media") {
    std::cout << render_table({"MÃ/ID", "TIÊU ĐỀ/TITLE", "CHỦ ĐỀ/TOPIC", "LOẠI/KIND",
                               "GIÂY/SECONDS", "LUFS", "NGUỒN/ORIGIN"},
                              rows);
  } else if (what == "playlists") {
    std::cout << render_table({"MÃ/ID", "TIÊU ĐỀ/TITLE", "CÁC MỤC/ITEMS", "NGUỒN/ORIGIN"}, rows);
  } else {
    std::cout << render_table({"MÃ/ID", "KÊNH/CHANNEL", "NỘI DUNG/CONTENT", "BẮT ĐẦU/START",
                               "LẶP/RRULE", "ĐẾN/UNTIL", "ƯU TIÊN/PRIORITY", "NGUỒN/ORIGIN"},
                              rows);
  }
  return 0;
}

int remove(const Args& a, const Endpoint& ep, const std::string& what) {
  allow_options(a, {});
  if (a.positional.size() != 1) throw BadInput("loaxa " + a.verb + " needs one ID");
  const auto r =
      http_delete(ep.url, "/api/v1/" + what + "/" + url_escape(a.positional[0]), ep.token);
  if (r.status >= 400) return report_failure(r);
  std::cout << "Đã xoá / deleted: " << a.positional[0] << "\n";
  return 0;
}

}  // namespace

const std::map<std::string, std::string>& library_help() {
  return kHelp;
}

bool is_library_verb(const std::string& verb) {
  return kHelp.count(verb) > 0;
}

namespace {

// loaxa media add
int add_media(const Args& a, const Endpoint& ep) {
  allow_options(a, {"title", "topic", "audience"});
  if (a.positional.empty()) throw BadInput("loaxa media add needs at least one FILE");
  int failed = 0;
  for (const auto& f : a.positional) {
    if (!fs::is_regular_file(f)) {
      std::cerr << "loaxa: " << f << ": no such file\n";
      ++failed;
      continue;
    }
    if (auto id = upload(ep, f, option(a, "title"), option(a, "topic"), option(a, "audience"))) {
      std::cout << *id << "\n";
    } else {
      ++failed;
    }
  }
  return failed == 0 ? 0 : 2;
}

// loaxa announce
int announce_text(const Args& a, const Endpoint& ep) {
  allow_options(a, {"voice", "topic"});
  if (a.positional.size() != 1) throw BadInput("loaxa announce needs one TEXT (in quotes)");
  json::object body{{"text", a.positional[0]}};
  if (a.options.count("voice")) body["voice"] = a.options.at("voice");
  if (a.options.count("topic")) body["topic"] = a.options.at("topic");
  const auto r = http_post(ep.url, "/api/v1/announcements", ep.token, json::serialize(body));
  if (r.status >= 400) return report_failure(r);
  std::cout << str(json::parse(r.body).at("id")) << "\n";
  return 0;
}

// loaxa playlist show
int show_playlist(const Args& a, const Endpoint& ep) {
  allow_options(a, {});
  if (a.positional.size() != 1) throw BadInput("loaxa playlist show needs one ID");
  const auto r = http_get(ep.url, "/api/v1/playlists", ep.token);
  if (r.status >= 400) return report_failure(r);
  const json::value v = json::parse(r.body);
  for (const auto& p : v.as_array()) {
    if (str(p.at("id")) != a.positional[0]) continue;
    std::cout << str(p.at("id")) << "  " << str(p.at("title")) << "\n";
    int i = 0;
    for (const auto& item : p.at("items").as_array())
      std::cout << "  " << ++i << ". " << item_text(item) << "\n";
    return 0;
  }
  std::cerr << "loaxa: no playlist \"" << a.positional[0] << "\"\n";
  return 2;
}

// loaxa playlist import
int import_playlist(const Args& a, const Endpoint& ep) {
  allow_options(a, {"name", "title"});
  if (a.positional.size() != 1) {
    throw BadInput(
        "loaxa playlist import needs one playlist file (.m3u, .m3u8, .pls, .xspf) "
        "or folder");
  }
  const auto entries = read_playlist(a.positional[0]);
  fs::path source = fs::path(a.positional[0]).lexically_normal();
  if (!source.has_filename()) source = source.parent_path();
  const std::string name = option(a, "name", id_from_filename(source.string()));
  json::array items;
  for (const auto& e : entries) {
    const auto id = upload(ep, e.path, "", "");
    if (!id) {
      std::cerr << "loaxa: " << a.positional[0] << ":" << e.line << ": not imported\n";
      return 2;
    }
    items.push_back(json::string(*id));
  }
  json::object body{
      {"id", name}, {"title", option(a, "title", source.stem().string())}, {"items", items}};
  const auto r = http_post(ep.url, "/api/v1/playlists", ep.token, json::serialize(body));
  if (r.status >= 400) return report_failure(r);
  std::cout << name << " (" << items.size() << " mục / items)\n";
  return 0;
}

// loaxa schedule add
int add_schedule(const Args& a, const Endpoint& ep) {
  allow_options(a, {"channel", "playlist", "media", "stream", "start", "rrule", "until", "priority",
                    "max-duration", "id"});
  if (!a.positional.empty()) throw BadInput("loaxa schedule add takes options only");
  json::object body;
  int contents = 0;
  for (const char* k : {"playlist", "media", "stream"}) {
    if (a.options.count(k)) {
      body["content"] = a.options.at(k);
      ++contents;
    }
  }
  if (contents != 1) throw BadInput("give exactly one of --playlist P, --media M, --stream URL");
  if (option(a, "channel").empty() || option(a, "start").empty()) {
    throw BadInput("loaxa schedule add needs --channel C and --start LOCAL_DATETIME");
  }
  body["channel"] = option(a, "channel");
  body["start"] = option(a, "start");
  for (const char* k : {"rrule", "until", "id"}) {
    if (a.options.count(k)) body[k] = a.options.at(k);
  }
  if (a.options.count("priority")) {
    try {
      body["priority"] = std::stoi(a.options.at("priority"));
    } catch (const std::exception&) {
      throw BadInput("--priority needs a number from 0 to 100");
    }
  }
  if (a.options.count("max-duration")) {
    try {
      body["max_duration_s"] =
          static_cast<double>(scheduler::parse_duration(a.options.at("max-duration")).count()) /
          1000.0;
    } catch (const std::exception&) {
      throw BadInput("--max-duration needs a duration such as 30m or 1h30m");
    }
  }
  const auto r = http_post(ep.url, "/api/v1/schedules", ep.token, json::serialize(body));
  if (r.status >= 400) return report_failure(r);
  std::cout << str(json::parse(r.body).at("id")) << "\n";
  return 0;
}

}  // namespace

int cmd_library(const Args& a, const Endpoint& ep) {
  using Verb = int (*)(const Args& a, const Endpoint& ep);
  static const std::map<std::string, Verb> kVerbs = {
      {"media list", [](const Args& a, const Endpoint& ep) { return list(a, ep, "media"); }},
      {"media rm", [](const Args& a, const Endpoint& ep) { return remove(a, ep, "media"); }},
      {"playlist list", [](const Args& a, const Endpoint& ep) { return list(a, ep, "playlists"); }},
      {"schedule list", [](const Args& a, const Endpoint& ep) { return list(a, ep, "schedules"); }},
      {"schedule rm", [](const Args& a, const Endpoint& ep) { return remove(a, ep, "schedules"); }},
      {"media add", add_media},
      {"announce", announce_text},
      {"playlist show", show_playlist},
      {"playlist import", import_playlist},
  };
  if (auto it = kVerbs.find(a.verb); it != kVerbs.end()) return it->second(a, ep);
  return add_schedule(a, ep);
}

}  // namespace loaxa::cli
