#include "hub/ingest.hpp"

#include <boost/json/parse.hpp>
#include <cmath>
#include <map>

#include "airtime/row.hpp"
#include "common/errors.hpp"
#include "sync/keys.hpp"

namespace loaxa::hub {

namespace {

using scheduler::Instant;

std::int64_t ms_of(Instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// A row as the hub keeps it: the box's fields, and the instants reports count with
// (computed as the box's own store does, so totals agree to the millisecond).
struct Incoming {
  airtime::AirtimeRow row;
  std::string line;
  std::int64_t start_ms = 0, end_ms = 0;
  std::optional<std::int64_t> planned_ms;
};

Incoming parse_line(const std::string& box_id, std::string_view line, int number,
                    const scheduler::Zone& zone) {
  const std::string where = "line " + std::to_string(number) + " of the batch";
  Incoming in;
  in.line = std::string(line);
  try {
    in.row = airtime::airtime_from_json(line);
  } catch (const std::exception& e) {
    throw RowProblem(where + ": " + e.what());
  }
  const auto& r = in.row;
  if (r.box_id != box_id) {
    throw RowProblem(where + ": box_id \"" + r.box_id + "\" is not the sender \"" + box_id + "\"");
  }
  if (r.id.empty() || r.hash.empty()) throw RowProblem(where + ": id and hash must be set");
  if (r.status == airtime::RowStatus::playing) {
    throw RowProblem(where + ": row " + r.id + " is still playing (only closed rows are sent)");
  }
  const std::string& start = r.actual_start.empty() ? r.planned_start : r.actual_start;
  try {
    in.start_ms = ms_of(scheduler::parse_iso_instant(start, zone));
    if (r.planned_s && !r.planned_start.empty())
      in.planned_ms = ms_of(scheduler::parse_iso_instant(r.planned_start, zone));
  } catch (const std::exception& e) {
    throw RowProblem(where + ": " + (r.actual_start.empty() ? "planned_start" : "actual_start") +
                     " \"" + start + "\": " + e.what());
  }
  in.end_ms = in.start_ms + std::llround(r.duration_s.value_or(0.0) * 1000.0);
  return in;
}

std::string month_name(scheduler::LocalDays first) {
  const date::year_month_day ymd(first);
  char buf[32];
  std::snprintf(buf, sizeof buf, "airtime_%04d_%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return buf;
}

}  // namespace

Box Ingest::authenticate(const std::string& box_id, const std::string& signature,
                         const std::string& body) {
  if (box_id.empty() || signature.empty()) {
    throw Unauthenticated(
        "X-Loaxa-Box and X-Loaxa-Signature are required (a box signs what it "
        "sends with its [box] key)");
  }
  auto box = store_.box(box_id);
  if (!box) throw Unauthenticated("box \"" + box_id + "\" is not enrolled on this hub");
  if (!sync::verify_signature(body, signature, box->public_key)) {
    throw Unauthenticated("the signature is not box \"" + box_id +
                          "\"'s over this body (is [box] key the key enrolled?)");
  }
  return *box;
}

void Ingest::ensure_partition(std::int64_t start_ms) {
  const Instant t{std::chrono::milliseconds(start_ms)};
  const auto local = zone_.to_local_seconds(t);
  const date::year_month_day ymd(date::floor<date::days>(local));
  const scheduler::LocalDays first{date::year_month_day(ymd.year(), ymd.month(), date::day(1))};
  const std::string name = month_name(first);
  if (partitions_.count(name)) return;
  const date::year_month following = date::year_month(ymd.year(), ymd.month()) + date::months(1);
  const scheduler::LocalDays next{date::year_month_day(following / date::day(1))};
  const auto from = zone_.format_iso(zone_.to_instant(scheduler::LocalSeconds(first)), false);
  const auto to = zone_.format_iso(zone_.to_instant(scheduler::LocalSeconds(next)), false);
  // Bounds are instants written with the hub's offset: a local month, not a UTC one.
  store_.db().script("CREATE TABLE IF NOT EXISTS " + name +
                     " PARTITION OF airtime FOR VALUES FROM ('" + from + "') TO ('" + to + "')");
  partitions_.insert(name);
}

IngestResult Ingest::airtime(const Box& box, const std::string& body) {
  std::vector<Incoming> rows;
  std::size_t pos = 0;
  int number = 0;
  while (pos < body.size()) {
    std::size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) nl = body.size();
    std::string_view line(body.data() + pos, nl - pos);
    ++number;
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    rows.push_back(parse_line(box.id, line, number, zone_));
  }
  for (const auto& in : rows) ensure_partition(in.start_ms);

  IngestResult result;
  std::vector<std::tuple<std::string, std::string, std::string, boost::json::object>> found;
  pg::Transaction tx(store_.db());
  auto& db = store_.db();
  auto chain = db.exec("SELECT chain_hash, chain_rows FROM box WHERE id = $1 FOR UPDATE",
                       {pg::text(box.id)});
  if (chain.rows() == 0) throw Unauthenticated("box \"" + box.id + "\" was removed");
  std::string last = chain.str(0, 0);
  std::int64_t position = chain.int64(0, 1);
  std::int64_t breaks = 0;
  const std::int64_t recent = ms_of(std::chrono::system_clock::now()) - 7 * 86'400'000LL;
  // Which rows the hub holds already (a batch sent again), in one round trip.
  std::vector<pg::Param> ids;
  ids.reserve(rows.size());
  for (const auto& in : rows) ids.push_back(pg::text(in.row.id));
  std::set<std::string> held;
  const auto known = db.exec("SELECT id FROM airtime WHERE box_id = $1 AND id = ANY($2::text[])",
                             {pg::text(box.id), pg::array(ids)});
  for (int i = 0; i < known.rows(); ++i) held.insert(known.str(i, 0));
  std::map<std::string, std::string> followed;  // prev_hash -> row id, in this batch
  enum Col {
    kId,
    kStart,
    kEnd,
    kPlannedMs,
    kPlannedS,
    kChannel,
    kMedia,
    kTitle,
    kTopic,
    kSchedule,
    kSource,
    kStatus,
    kSynced,
    kPrev,
    kHash,
    kPos,
    kLine,
    kCols
  };
  std::vector<std::vector<pg::Param>> cols(kCols);
  for (const auto& in : rows) {
    const auto& r = in.row;
    if (!held.insert(r.id).second) {
      ++result.duplicates;
      continue;
    }
    ++result.stored;
    ++position;
    const pg::Param values[kCols] = {pg::text(r.id),
                                     pg::num(in.start_ms),
                                     pg::num(in.end_ms),
                                     pg::opt(in.planned_ms),
                                     pg::opt(r.planned_s),
                                     pg::text(r.channel),
                                     pg::text(r.media_id),
                                     pg::text(r.title),
                                     pg::text(r.topic),
                                     pg::text(r.schedule_id),
                                     pg::text(airtime::row_source(r.source)),
                                     pg::text(airtime::row_status(r.status)),
                                     pg::opt(r.clock_synced),
                                     pg::text(r.prev_hash),
                                     pg::text(r.hash),
                                     pg::num(position),
                                     pg::text(in.line)};
    for (int c = 0; c < kCols; ++c) cols[static_cast<std::size_t>(c)].push_back(values[c]);
    const boost::json::object row_ref{
        {"row", r.id}, {"actual_start", r.actual_start}, {"title", r.title}};
    if (airtime::airtime_row_hash(r) != r.hash) {
      ++breaks;
      found.emplace_back(
          "chain_edit", "chain_edit:" + r.id,
          "Dòng nhật ký " + r.id + " (" + r.title + ") đã bị sửa sau khi ghi: mã băm không khớp",
          row_ref);
    }
    if (r.prev_hash != last) {
      ++breaks;
      std::string other;
      if (auto it = followed.find(r.prev_hash); it != followed.end()) {
        other = it->second;
      } else {
        auto sibling = db.exec(
            "SELECT id FROM airtime WHERE box_id = $1 AND prev_hash = $2 AND id <> $3 LIMIT 1",
            {pg::text(box.id), pg::text(r.prev_hash), pg::text(r.id)});
        if (sibling.rows() > 0) other = sibling.str(0, 0);
      }
      if (!other.empty() && !r.prev_hash.empty()) {
        auto detail = row_ref;
        detail["other_row"] = other;
        found.emplace_back("chain_fork", "chain_fork:" + r.id,
                           "Chuỗi nhật ký bị rẽ nhánh: dòng " + r.id + " và dòng " + other +
                               " cùng nối vào một dòng trước",
                           detail);
      } else {
        auto detail = row_ref;
        detail["expected_prev_hash"] = last;
        detail["prev_hash"] = r.prev_hash;
        found.emplace_back(
            "chain_gap", "chain_gap:" + r.id,
            "Thiếu dòng nhật ký trước dòng " + r.id + " (" + r.actual_start + "): chuỗi băm bị đứt",
            detail);
      }
    }
    last = r.hash;
    followed.emplace(r.prev_hash, r.id);
    // A missed or failed block: one alert per box, kind and day, for the last week (a box
    // that catches up on a month of rows raises no alarm about last month; the reports
    // count every row).
    const bool missed = r.status == airtime::RowStatus::missed;
    if ((missed || r.status == airtime::RowStatus::failed) && in.start_ms > recent) {
      const auto day = date::floor<date::days>(
          zone_.to_local_seconds(Instant{std::chrono::milliseconds(in.start_ms)}));
      auto detail = row_ref;
      detail["schedule_id"] = r.schedule_id;
      detail["planned_start"] = r.planned_start;
      detail["error"] = r.error;
      found.emplace_back(missed ? "missed" : "failed",
                         std::string(missed ? "missed:" : "failed:") + date::format("%F", day),
                         std::string(missed ? "Lỡ phát" : "Phát lỗi") + " \"" + r.title +
                             "\" (lịch " + r.schedule_id + ", " + r.planned_start + ")" +
                             (r.error.empty() ? "" : ": " + r.error) +
                             "; các buổi khác cùng ngày xem trong nhật ký",
                         detail);
    }
  }
  if (result.stored > 0) {
    std::vector<pg::Param> params{pg::text(box.id)};
    for (const auto& c : cols) params.push_back(pg::array(c));
    db.exec(
        "INSERT INTO airtime(box_id, id, start_at, start_ms, end_ms, planned_ms, planned_s, "
        "channel, media_id, title, topic, schedule_id, source, status, clock_synced, prev_hash, "
        "hash, chain_pos, line) SELECT $1, u.id, to_timestamp(u.s / 1000.0), u.s, u.e, u.pm, "
        "u.ps, u.ch, u.m, u.ti, u.to, u.sc, u.so, u.st, u.cs, u.ph, u.h, u.pos, u.l FROM "
        "unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::float8[], $7::text[], "
        "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], "
        "$14::boolean[], $15::text[], $16::text[], $17::bigint[], $18::text[]) "
        "AS u(id, s, e, pm, ps, ch, m, ti, \"to\", sc, so, st, cs, ph, h, pos, l) "
        "ON CONFLICT DO NOTHING",
        params);
  }
  db.exec(
      "UPDATE box SET chain_hash = $2, chain_rows = $3, chain_breaks = chain_breaks + $4, "
      "last_push = now() WHERE id = $1",
      {pg::text(box.id), pg::text(last), pg::num(position), pg::num(breaks)});
  std::vector<Alert> opened;
  for (const auto& [kind, key, message, detail] : found) {
    if (auto a = store_.open_alert(box.id, kind, key, message, detail)) opened.push_back(*a);
  }
  tx.commit();
  if (on_alert_) {
    for (const auto& a : opened) on_alert_(a);
  }
  return result;
}

void Ingest::status(const Box& box, const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    throw std::invalid_argument("the status must be a JSON object (the box's GET /api/v1/status)");
  }
  store_.store_status(box.id, v.as_object());
}

}  // namespace loaxa::hub
