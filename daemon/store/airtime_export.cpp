#include "daemon/store/airtime_export.hpp"

#include <cstdio>

namespace loaxa::store {

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string airtime_csv_header() {
  std::string out;
  for (const auto& c : airtime_columns()) out += (out.empty() ? "" : ",") + c;
  return out + "\r\n";
}

std::string to_csv(const AirtimeRow& r) {
  const auto fields = airtime_fields(r);
  std::string out;
  bool first = true;
  for (const auto& f : fields) {
    if (!first) out += ',';
    first = false;
    out += csv_field(f);
  }
  return out + "\r\n";
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
  o["source"] = r.source;
  o["planned_start"] = r.planned_start;
  o["actual_start"] = r.actual_start;
  o["actual_end"] = r.actual_end;
  if (r.duration_s) {
    o["duration_s"] = *r.duration_s;
  } else {
    o["duration_s"] = nullptr;
  }
  o["status"] = r.status;
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
  return o;
}

}  // namespace loaxa::store
