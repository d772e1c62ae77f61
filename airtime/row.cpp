#include "airtime/row.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <ostream>
#include <stdexcept>

#include "common/sha256.hpp"

namespace loaxa::airtime {

namespace json = boost::json;

namespace {

std::string format_seconds(std::optional<double> s) {
  if (!s) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *s);
  return buf;
}

std::string format_db(std::optional<double> db) {
  if (!db) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", *db);
  return buf;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, RowStatus status) {
  return out << row_status(status);
}
std::ostream& operator<<(std::ostream& out, RowSource source) {
  return out << row_source(source);
}

const std::vector<std::string>& airtime_columns() {
  static const std::vector<std::string> cols = {
      "id",           "box_id",      "channel",         "media_id",      "title",
      "topic",        "playlist_id", "schedule_id",     "source",        "planned_start",
      "actual_start", "actual_end",  "duration_s",      "status",        "error",
      "prev_hash",    "hash",        "clock_synced",    "planned_s",     "rms_db",
      "peak_db",      "silence_s",   "frames_rendered", "frames_dropped"};
  return cols;
}

std::vector<std::string> airtime_fields(const AirtimeRow& r) {
  return {r.id,
          r.box_id,
          r.channel,
          r.media_id,
          r.title,
          r.topic,
          r.playlist_id,
          r.schedule_id,
          std::string(row_source(r.source)),
          r.planned_start,
          r.actual_start,
          r.actual_end,
          format_seconds(r.duration_s),
          std::string(row_status(r.status)),
          r.error,
          r.prev_hash,
          r.hash,
          r.clock_synced ? (*r.clock_synced ? "true" : "false") : "",
          format_seconds(r.planned_s),
          format_db(r.rms_db),
          format_db(r.peak_db),
          format_seconds(r.silence_s),
          r.frames_rendered ? std::to_string(*r.frames_rendered) : "",
          r.frames_dropped ? std::to_string(*r.frames_dropped) : ""};
}

std::string airtime_row_hash(const AirtimeRow& r) {
  auto fields = airtime_fields(r);
  fields.resize(16);  // docs/api.md's columns up to prev_hash: everything but the hash
  std::string canonical;
  for (const auto& f : fields) {
    canonical += f;
    canonical += '\x1f';
  }
  // Later columns join as name=value, only when set (rows closed before they existed).
  if (r.clock_synced)
    canonical += std::string("clock_synced=") + (*r.clock_synced ? "1" : "0") + '\x1f';
  if (r.planned_s) canonical += "planned_s=" + format_seconds(r.planned_s) + '\x1f';
  if (r.rms_db) canonical += "rms_db=" + format_db(r.rms_db) + '\x1f';
  if (r.peak_db) canonical += "peak_db=" + format_db(r.peak_db) + '\x1f';
  if (r.silence_s) canonical += "silence_s=" + format_seconds(r.silence_s) + '\x1f';
  if (r.frames_rendered)
    canonical += "frames_rendered=" + std::to_string(*r.frames_rendered) + '\x1f';
  if (r.frames_dropped) canonical += "frames_dropped=" + std::to_string(*r.frames_dropped) + '\x1f';
  return sha256_hex(canonical);
}

std::optional<ChainBreak> ChainWalker::feed(const AirtimeRow& r) {
  ++position_;
  if (r.prev_hash != previous_) {
    return ChainBreak{position_, r.id,
                      "prev_hash does not match the hash of the row closed before it "
                      "(a row was removed, inserted or reordered)"};
  }
  if (airtime_row_hash(r) != r.hash) {
    return ChainBreak{position_, r.id,
                      "hash does not match the row's fields (a field was changed)"};
  }
  previous_ = r.hash;
  return std::nullopt;
}

namespace {

const json::value& field(const json::object& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end()) throw std::invalid_argument(std::string("missing field \"") + name + "\"");
  return it->value();
}

std::string text(const json::object& o, const char* name) {
  const auto& v = field(o, name);
  if (!v.is_string()) throw std::invalid_argument(std::string("\"") + name + "\" must be a string");
  return std::string(v.get_string());
}

std::optional<double> number(const json::object& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_number()) {
    throw std::invalid_argument(std::string("\"") + name + "\" must be a number or null");
  }
  return it->value().to_number<double>();
}

}  // namespace

AirtimeRow airtime_from_json(std::string_view line) {
  json::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) throw std::invalid_argument("not JSON: " + ec.message());
  if (!v.is_object()) throw std::invalid_argument("a row must be a JSON object");
  const json::object& o = v.get_object();
  AirtimeRow r;
  r.id = text(o, "id");
  r.box_id = text(o, "box_id");
  r.channel = text(o, "channel");
  r.media_id = text(o, "media_id");
  r.title = text(o, "title");
  r.topic = text(o, "topic");
  r.playlist_id = text(o, "playlist_id");
  r.schedule_id = text(o, "schedule_id");
  r.source = row_source.at(text(o, "source"), "source");
  r.planned_start = text(o, "planned_start");
  r.actual_start = text(o, "actual_start");
  r.actual_end = text(o, "actual_end");
  r.duration_s = number(o, "duration_s");
  r.status = row_status.at(text(o, "status"), "status");
  r.error = text(o, "error");
  r.prev_hash = text(o, "prev_hash");
  r.hash = text(o, "hash");
  if (auto it = o.find("clock_synced"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_bool())
      throw std::invalid_argument("\"clock_synced\" must be true, false or null");
    r.clock_synced = it->value().get_bool();
  }
  r.planned_s = number(o, "planned_s");
  r.rms_db = number(o, "rms_db");
  r.peak_db = number(o, "peak_db");
  r.silence_s = number(o, "silence_s");
  for (const auto& [key, field] : {std::pair{"frames_rendered", &r.frames_rendered},
                                   std::pair{"frames_dropped", &r.frames_dropped}}) {
    if (auto n = number(o, key)) *field = static_cast<std::int64_t>(*n);
  }
  return r;
}

}  // namespace loaxa::airtime
