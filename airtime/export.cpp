#include "airtime/export.hpp"

#include <charconv>
#include <cstdio>

namespace loaxa::airtime {

void append_csv_field(std::string& out, std::string_view v) {
  bool quote = false;
  for (char c : v) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string csv_field(std::string_view v) {
  std::string out;
  append_csv_field(out, v);
  return out;
}

std::string airtime_csv_header() {
  std::string out;
  for (const auto& c : airtime_columns()) out += (out.empty() ? "" : ",") + c;
  return out + "\r\n";
}

namespace {

void append_seconds(std::string& out, const std::optional<double>& s) {
  if (!s) return;
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *s, std::chars_format::fixed, 3);
  if (ec == std::errc()) out.append(buf, end);
}

}  // namespace

// The columns of airtime_fields(), written straight onto out (an export of a million
// rows spends its time here).
void append_csv(std::string& out, const AirtimeRow& r) {
  for (const std::string_view f :
       {std::string_view(r.id), std::string_view(r.box_id), std::string_view(r.channel),
        std::string_view(r.media_id), std::string_view(r.title), std::string_view(r.topic),
        std::string_view(r.playlist_id), std::string_view(r.schedule_id), row_source(r.source),
        std::string_view(r.planned_start), std::string_view(r.actual_start),
        std::string_view(r.actual_end)}) {
    append_csv_field(out, f);
    out += ',';
  }
  append_seconds(out, r.duration_s);
  for (const std::string_view f : {row_status(r.status), std::string_view(r.error),
                                   std::string_view(r.prev_hash), std::string_view(r.hash)}) {
    out += ',';
    append_csv_field(out, f);
  }
  out += ',';
  if (r.clock_synced) out += *r.clock_synced ? "true" : "false";
  out += ',';
  append_seconds(out, r.planned_s);
  for (const auto* db : {&r.rms_db, &r.peak_db}) {
    out += ',';
    if (*db) {
      char buf[32];
      const auto [end, ec] =
          std::to_chars(buf, buf + sizeof buf, **db, std::chars_format::fixed, 1);
      if (ec == std::errc()) out.append(buf, end);
    }
  }
  out += ',';
  append_seconds(out, r.silence_s);
  for (const auto* n : {&r.frames_rendered, &r.frames_dropped}) {
    out += ',';
    if (*n) out += std::to_string(**n);
  }
  out += "\r\n";
}

std::string to_csv(const AirtimeRow& r) {
  std::string out;
  append_csv(out, r);
  return out;
}

boost::json::object to_json(const AirtimeRow& r) {
  boost::json::object o;
  o["id"] = r.id;
  o["box_id"] = r.box_id;
  o["channel"] = r.channel;
  o["media_id"] = r.media_id;
  o["title"] = r.title;
  o["topic"] = r.topic;
  o["playlist_id"] = r.playlist_id;
  o["schedule_id"] = r.schedule_id;
  o["source"] = row_source(r.source);
  o["planned_start"] = r.planned_start;
  o["actual_start"] = r.actual_start;
  o["actual_end"] = r.actual_end;
  if (r.duration_s) {
    o["duration_s"] = *r.duration_s;
  } else {
    o["duration_s"] = nullptr;
  }
  o["status"] = row_status(r.status);
  o["error"] = r.error;
  o["prev_hash"] = r.prev_hash;
  o["hash"] = r.hash;
  if (r.clock_synced) {
    o["clock_synced"] = *r.clock_synced;
  } else {
    o["clock_synced"] = nullptr;
  }
  if (r.planned_s) {
    o["planned_s"] = *r.planned_s;
  } else {
    o["planned_s"] = nullptr;
  }
  for (const auto& [key, v] : {std::pair{"rms_db", r.rms_db}, std::pair{"peak_db", r.peak_db},
                               std::pair{"silence_s", r.silence_s}}) {
    if (v) {
      o[key] = *v;
    } else {
      o[key] = nullptr;
    }
  }
  for (const auto& [key, v] : {std::pair{"frames_rendered", r.frames_rendered},
                               std::pair{"frames_dropped", r.frames_dropped}}) {
    if (v) {
      o[key] = *v;
    } else {
      o[key] = nullptr;
    }
  }
  return o;
}

}  // namespace loaxa::airtime
