#include "hub/receipts.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "common/errors.hpp"
#include "hub/json_path.hpp"
#include "hub/util.hpp"

namespace loaxa::hub {

namespace json = boost::json;

namespace {

// A time column as Unix ms (written back in the hub's zone by iso_ms).
std::string ms(const std::string& column) {
  return "(extract(epoch FROM " + column + ") * 1000)::bigint";
}

}  // namespace

json::object targets_json(const sync::ManifestTargets& t) {
  json::array boxes, districts;
  for (const auto& b : t.boxes) boxes.emplace_back(b);
  for (const auto& d : t.districts) districts.emplace_back(d);
  return {{"boxes", std::move(boxes)}, {"districts", std::move(districts)}};
}

sync::ManifestTargets targets_of(const json::value& v) {
  sync::ManifestTargets t;
  if (!v.is_object()) return t;
  for (const char* key : {"boxes", "districts"}) {
    const auto* list = v.as_object().if_contains(key);
    if (!list || !list->is_array()) continue;
    for (const auto& s : list->as_array()) {
      if (!s.is_string()) continue;
      (std::string_view(key) == "boxes" ? t.boxes : t.districts).emplace_back(s.as_string());
    }
  }
  return t;
}

// The same for people: with `district_names`, the names of the enrolled districts
// ("Đồng Xoài"; an id no box has stays as it is), and `box_names`, each box by its
// commune ("Tân Phú"; a glob or an unknown id stays as it is).
json::object targets_shown(const sync::ManifestTargets& t, pg::Connection& db) {
  json::object out = targets_json(t);
  json::array names;
  for (const auto& d : t.districts) {
    const auto r = db.exec("SELECT name FROM district WHERE id = $1", {pg::text(d)});
    names.emplace_back(r.rows() ? r.str(0, 0) : d);
  }
  out["district_names"] = std::move(names);
  json::array boxes;
  for (const auto& b : t.boxes) {
    const auto r = db.exec("SELECT commune FROM box WHERE id = $1", {pg::text(b)});
    boxes.emplace_back(r.rows() ? r.str(0, 0) : b);
  }
  out["box_names"] = std::move(boxes);
  return out;
}

namespace {

// An emergency as the hub noted it.
struct Noted {
  std::string id, text, media;
  std::int64_t sequence = 0;
  std::string published_ms, valid_from_ms, valid_until_ms, withdrawn_ms;
  json::value channels;
  sync::ManifestTargets entry, manifest;  // both must match a box
  bool targets(const Box& b) const {
    return (entry.every_box() || entry.match(b.id, b.district_id)) &&
           (manifest.every_box() || manifest.match(b.id, b.district_id));
  }
};

const std::string kNoted =
    "SELECT id, sequence, text, media, channels::text, targets::text, manifest_targets::text, " +
    ms("published_at") + ", " + ms("valid_from") + ", " + ms("valid_until") + ", COALESCE(" +
    ms("withdrawn_at") + "::text, '') FROM emergency";

Noted noted_of(const pg::Result& r, int i) {
  Noted n;
  n.id = r.str(i, 0);
  n.sequence = r.int64(i, 1);
  n.text = r.str(i, 2);
  n.media = r.str(i, 3);
  n.channels = json::parse(r.str(i, 4));
  n.entry = targets_of(json::parse(r.str(i, 5)));
  n.manifest = targets_of(json::parse(r.str(i, 6)));
  n.published_ms = r.str(i, 7);
  n.valid_from_ms = r.str(i, 8);
  n.valid_until_ms = r.str(i, 9);
  n.withdrawn_ms = r.str(i, 10);
  return n;
}

// The channels the box's latest status says sound the emergency now (its row open:
// `since` is set at the first sample).
json::array airing_on(const Box& b, const std::string& id) {
  json::array out;
  if (!b.status) return out;
  const auto* channels = b.status->if_contains("channels");
  if (!channels || !channels->is_array()) return out;
  for (const auto& c : channels->as_array()) {
    if (!c.is_object()) continue;
    const auto* sched = find_at(&c.as_object(), {"now_playing", "schedule_id"});
    const auto* since = find_at(&c.as_object(), {"now_playing", "since"});
    const auto* name = c.as_object().if_contains("name");
    const bool sounding = since && since->is_string() && !since->as_string().empty();
    if (sched && sched->is_string() && sched->as_string() == id && sounding && name)
      out.push_back(*name);
  }
  return out;
}

}  // namespace

std::string Receipts::iso_ms(const std::string& epoch_ms) const {
  if (epoch_ms.empty()) return {};
  return zone_.format_iso(scheduler::Instant{std::chrono::milliseconds(std::stoll(epoch_ms))},
                          false);
}

void Receipts::on_manifest(const sync::Manifest& m) {
  auto& db = store_.db();
  pg::Transaction tx(db);
  std::vector<pg::Param> ids;
  const std::string whole = json::serialize(targets_json(m.targets));
  for (const auto& e : m.emergencies) {
    ids.push_back(pg::text(e.id));
    json::array channels;
    for (const auto& c : e.channels) channels.emplace_back(c);
    // Published again after a withdrawal: a new issue from this sequence.
    db.exec(
        "INSERT INTO emergency (id, sequence, text, media, channels, targets, manifest_targets, "
        "valid_from, valid_until) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, "
        "to_timestamp($8::bigint / 1000.0), to_timestamp($9::bigint / 1000.0)) "
        "ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, media = EXCLUDED.media, "
        "channels = EXCLUDED.channels, targets = EXCLUDED.targets, "
        "manifest_targets = EXCLUDED.manifest_targets, valid_from = EXCLUDED.valid_from, "
        "valid_until = EXCLUDED.valid_until, "
        "sequence = CASE WHEN emergency.withdrawn_at IS NULL THEN emergency.sequence "
        "ELSE EXCLUDED.sequence END, "
        "published_at = CASE WHEN emergency.withdrawn_at IS NULL THEN emergency.published_at "
        "ELSE now() END, withdrawn_at = NULL",
        {pg::text(e.id), pg::num(m.sequence), pg::text(e.text), pg::text(e.media),
         pg::text(json::serialize(channels)), pg::text(json::serialize(targets_json(e.targets))),
         pg::text(whole), pg::num(e.valid_from_ms), pg::num(e.valid_until_ms)});
  }
  // Gone from the manifest before its time ran out: withdrawn now.
  db.exec(
      "UPDATE emergency SET withdrawn_at = now() WHERE withdrawn_at IS NULL "
      "AND valid_until > now() AND NOT (id = ANY($1::text[]))",
      {pg::array(ids)});
  tx.commit();
}

void Receipts::on_status(const Box& box, const json::object& status) {
  const auto* held = find_at(&status, {"sync", "emergencies"});
  if (!held || !held->is_array()) return;
  std::vector<pg::Param> ids;
  for (const auto& v : held->as_array()) {
    if (v.is_string()) ids.push_back(pg::text(v.as_string()));
  }
  auto& db = store_.db();
  pg::Transaction tx(db);
  db.exec(
      "INSERT INTO emergency_receipt (emergency_id, box_id) SELECT e.id, $1 FROM emergency e "
      "WHERE e.id = ANY($2::text[]) ON CONFLICT DO NOTHING",
      {pg::text(box.id), pg::array(ids)});
  db.exec(
      "UPDATE emergency_receipt SET released_at = now() WHERE box_id = $1 AND released_at IS NULL "
      "AND NOT (emergency_id = ANY($2::text[]))",
      {pg::text(box.id), pg::array(ids)});
  tx.commit();
}

json::array Receipts::list(const Scope& scope) {
  auto& db = store_.db();
  const auto r = db.exec(kNoted + " ORDER BY published_at DESC, id LIMIT 200");
  const auto boxes = store_.boxes(scope);
  std::set<std::string> visible;
  for (const auto& b : boxes) visible.insert(b.id);
  // Receipts and plays per emergency, counted over the boxes the caller sees.
  std::map<std::string, std::set<std::string>> received, aired;
  const auto rec = db.exec("SELECT emergency_id, box_id FROM emergency_receipt");
  for (int i = 0; i < rec.rows(); ++i) received[rec.str(i, 0)].insert(rec.str(i, 1));
  const auto rows = db.exec(
      "SELECT DISTINCT a.schedule_id, a.box_id FROM airtime a JOIN emergency e ON e.id = "
      "a.schedule_id WHERE a.source = 'emergency' AND a.start_at >= e.valid_from - interval "
      "'5 minutes'");
  for (int i = 0; i < rows.rows(); ++i) aired[rows.str(i, 0)].insert(rows.str(i, 1));
  json::array out;
  for (int i = 0; i < r.rows(); ++i) {
    const Noted n = noted_of(r, i);
    std::int64_t targeted = 0, got = 0, sounded = 0;
    for (const auto& b : boxes) {
      if (!n.targets(b)) continue;
      ++targeted;
      got += received[n.id].count(b.id);
      sounded += aired[n.id].count(b.id);
    }
    out.push_back({{"id", n.id},
                   {"text", n.text},
                   {"sequence", n.sequence},
                   {"published_at", iso_ms(n.published_ms)},
                   {"valid_from", iso_ms(n.valid_from_ms)},
                   {"valid_until", iso_ms(n.valid_until_ms)},
                   {"withdrawn_at", iso_ms(n.withdrawn_ms)},
                   {"targets", targets_shown(n.entry, db)},
                   {"boxes", targeted},
                   {"received", got},
                   {"aired", sounded}});
  }
  return out;
}

json::object Receipts::receipts(const std::string& id, const Scope& scope) {
  auto& db = store_.db();
  const auto r = db.exec(kNoted + " WHERE id = $1", {pg::text(id)});
  if (r.rows() == 0) throw NotFound("no emergency \"" + id + "\" was published through this hub");
  const Noted n = noted_of(r, 0);
  std::map<std::string, std::pair<std::string, std::string>> got;  // box → received, released
  const auto rec =
      db.exec("SELECT box_id, " + ms("received_at") + ", COALESCE(" + ms("released_at") +
                  "::text, '') FROM emergency_receipt WHERE emergency_id = $1",
              {pg::text(id)});
  for (int i = 0; i < rec.rows(); ++i) got[rec.str(i, 0)] = {rec.str(i, 1), rec.str(i, 2)};
  struct Played {
    std::string first_ms, last_ms, channels, status;
    std::int64_t plays = 0;
  };
  std::map<std::string, Played> played;
  const auto rows = db.exec(
      "SELECT box_id, min(start_ms), max(end_ms), count(*), string_agg(DISTINCT channel, ','), "
      "(array_agg(status ORDER BY end_ms DESC))[1] FROM airtime WHERE schedule_id = $1 AND "
      "source = 'emergency' AND start_at >= to_timestamp($2::bigint / 1000.0) - interval "
      "'5 minutes' GROUP BY box_id",
      {pg::text(id), pg::text(n.valid_from_ms)});
  for (int i = 0; i < rows.rows(); ++i) {
    played[rows.str(i, 0)] = {rows.str(i, 1), rows.str(i, 2), rows.str(i, 4), rows.str(i, 5),
                              rows.int64(i, 3)};
  }
  const bool over = !n.withdrawn_ms.empty() || std::stoll(n.valid_until_ms) <= now_ms();
  json::array boxes;
  std::map<std::string, std::int64_t> counts{
      {"airing", 0}, {"aired", 0}, {"not_yet", 0}, {"offline", 0}, {"not_aired", 0}};
  for (const auto& b : store_.boxes(scope)) {
    if (!n.targets(b)) continue;
    const bool online = online_(b);
    json::array airing = online ? airing_on(b, id) : json::array();
    const auto p = played.find(b.id);
    const auto g = got.find(b.id);
    const char* state = !airing.empty()     ? "airing"
                        : p != played.end() ? "aired"
                        : !online           ? "offline"
                        : over              ? "not_aired"
                                            : "not_yet";
    ++counts[state];
    json::object o{{"box", b.id},
                   {"name", b.name},
                   {"district", b.district},
                   {"district_id", b.district_id},
                   {"commune", b.commune},
                   {"online", online},
                   {"state", state},
                   {"airing_on", std::move(airing)},
                   {"received_at", g != got.end() ? iso_ms(g->second.first) : ""},
                   {"released_at", g != got.end() ? iso_ms(g->second.second) : ""}};
    if (p != played.end()) {
      json::array channels;
      std::string_view list = p->second.channels;
      while (!list.empty()) {
        const auto comma = list.find(',');
        channels.emplace_back(list.substr(0, comma));
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
      }
      o["started_at"] = iso_ms(p->second.first_ms);
      o["ended_at"] = iso_ms(p->second.last_ms);
      o["status"] = p->second.status;
      o["plays"] = p->second.plays;
      o["channels"] = std::move(channels);
    }
    boxes.push_back(std::move(o));
  }
  json::object summary;
  for (const auto& [k, v] : counts) summary[k] = v;
  return {{"id", n.id},
          {"text", n.text},
          {"media", n.media},
          {"channels", n.channels},
          {"sequence", n.sequence},
          {"published_at", iso_ms(n.published_ms)},
          {"valid_from", iso_ms(n.valid_from_ms)},
          {"valid_until", iso_ms(n.valid_until_ms)},
          {"withdrawn_at", iso_ms(n.withdrawn_ms)},
          {"over", over},
          {"targets", targets_shown(n.entry, db)},
          {"summary", std::move(summary)},
          {"boxes", std::move(boxes)}};
}

}  // namespace loaxa::hub
