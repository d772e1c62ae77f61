// Bulletins from the hub: a schedule entry of the manifest drafted by a province or
// district officer, previewed (which boxes it reaches), then signed. See issue.hpp.

#include <algorithm>
#include <boost/json.hpp>

#include "common/errors.hpp"
#include "common/id.hpp"
#include "hub/issue.hpp"
#include "hub/receipts.hpp"

namespace loaxa::hub {

namespace json = boost::json;

Issuer::Bulletin* Issuer::find_bulletin(const std::string& id) {
  for (auto& b : bulletins_) {
    if (b.id == id && b.state != "withdrawn") return &b;
  }
  return nullptr;
}

std::string Issuer::draft_bulletin(BulletinDraft d, const Caller& caller,
                                   const std::string& served) {
  if (config_.publish_key.empty()) {
    throw Refused("this hub has no [publish] key: bulletins are published with `loaxa publish`");
  }
  check_reach(d.targets, caller, "prepare a bulletin", "bulletin.refused");
  if (d.targets.every_box() && d.confirm != kProvinceWide) {
    throw std::invalid_argument(std::string("confirm: a bulletin for every box of the province "
                                            "needs confirm = \"") +
                                kProvinceWide + "\", typed by the officer");
  }
  const std::string with_ours = with_library(served);
  const auto m = sync::parse_manifest(with_ours);
  if (d.media.empty() == d.playlist.empty()) {
    throw std::invalid_argument("media or playlist: name what airs, one or the other");
  }
  std::string content_title;
  if (!d.media.empty()) {
    const auto* media = m.find_media(d.media);
    if (!media) {
      throw std::invalid_argument("media: \"" + d.media +
                                  "\" is neither a media of the manifest served nor of the hub's "
                                  "library (GET /api/v1/publish lists them)");
    }
    content_title = media->title;
  } else {
    const auto it =
        std::find_if(m.playlists.begin(), m.playlists.end(),
                     [&](const sync::ManifestPlaylist& p) { return p.id == d.playlist; });
    if (it == m.playlists.end()) {
      throw std::invalid_argument("playlist: \"" + d.playlist +
                                  "\" is neither a playlist of the manifest served nor of the "
                                  "hub (GET /api/v1/publish lists them)");
    }
    content_title = it->title;
  }
  if (d.level != "normal" && d.level != "priority") {
    throw std::invalid_argument("level: \"normal\" (the commune decides) or \"priority\" (airs)");
  }
  if (!valid_id(d.channel)) {
    throw std::invalid_argument("channel: \"" + d.channel + "\" is not a channel name");
  }
  try {
    d.start = scheduler::format_local_datetime(scheduler::parse_local_datetime(d.start));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("start: ") + e.what());
  }
  check_districts(d.targets);
  d.id = checked_id(std::move(d.id), "ban-tin-");
  for (const auto& s : m.schedules) {
    if (s.id == d.id && !find_bulletin(d.id)) {
      throw std::invalid_argument("id: \"" + d.id +
                                  "\" is a schedule of province.toml; choose another id");
    }
  }
  if (find_bulletin(d.id)) {
    throw std::invalid_argument("id: \"" + d.id + "\" is taken; withdraw it first");
  }
  if (d.title.empty()) d.title = content_title;
  if (d.title.size() > 500) throw std::invalid_argument("title: at most 500 bytes");

  json::object entry{
      {"id", d.id},
      {"channel", d.channel},
      {d.media.empty() ? "playlist" : "media", d.media.empty() ? d.playlist : d.media},
      {"level", d.level},
      {"start", d.start}};
  if (!d.rrule.empty()) entry["rrule"] = d.rrule;
  if (!d.until.empty()) entry["until"] = d.until;
  if (!d.targets.every_box()) entry["targets"] = targets_json(d.targets);
  // Checked as every box will check it: the served manifest with this entry in it.
  json::value candidate = json::parse(with_ours);
  auto& schedules = candidate.as_object()["schedules"];
  if (!schedules.is_array()) schedules = json::array();
  schedules.as_array().push_back(entry);
  try {
    sync::parse_manifest(json::serialize(candidate));
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("the bulletin as a box would read it: ") + e.what());
  }

  store_.db().exec(
      "INSERT INTO issued_bulletin (id, title, entry, state, created_by) VALUES ($1, $2, "
      "$3::jsonb, 'draft', $4) ON CONFLICT (id) DO UPDATE SET title = $2, entry = $3::jsonb, "
      "state = 'draft', created_by = $4, created_at = now(), published_by = NULL, "
      "published_at = NULL, withdrawn_by = NULL, withdrawn_at = NULL",
      {pg::text(d.id), pg::text(d.title), pg::text(json::serialize(entry)), pg::text(caller.who)});
  std::erase_if(bulletins_, [&](const Bulletin& b) { return b.id == d.id; });
  bulletins_.push_back(
      Bulletin{d.id, d.title, "draft", caller.who, std::move(entry), d.targets, "", ""});
  store_.audit(
      caller.who, caller.remote, "bulletin.draft",
      d.id + " → " + describe(d.targets) + ", " + d.level + ", " + d.start + ": " + d.title);
  return d.id;
}

std::int64_t Issuer::publish_bulletin(const std::string& id, const Caller& caller,
                                      const std::string& served) {
  Bulletin* b = find_bulletin(id);
  if (!b) throw NotFound("no bulletin \"" + id + "\" is drafted on this hub");
  check_reach(b->targets, caller, "publish a bulletin", "bulletin.refused");
  if (b->state == "published") throw Refused("\"" + id + "\" is already published");
  // What it plays may have left the manifest since the draft (a new `loaxa publish`).
  const auto m = sync::parse_manifest(with_library(served));
  const auto* pl = b->entry.if_contains("playlist");
  const bool there =
      pl ? std::any_of(m.playlists.begin(), m.playlists.end(),
                       [&](const sync::ManifestPlaylist& p) { return p.id == pl->as_string(); })
         : m.find_media(std::string(b->entry.at("media").as_string())) != nullptr;
  if (!there) {
    throw Refused("the media of \"" + id +
                  "\" is no longer in the manifest served nor in the hub's library; draft the "
                  "bulletin again");
  }
  const std::int64_t sequence = move_bulletin(*b, "published", caller, served);
  b->published_at = store_.db()
                        .exec(
                            "SELECT to_char(published_at AT TIME ZONE 'UTC', "
                            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM issued_bulletin WHERE id = $1",
                            {pg::text(id)})
                        .str(0, 0);
  store_.audit(caller.who, caller.remote, "bulletin.publish",
               id + " → " + describe(b->targets) + " (manifest " + std::to_string(sequence) +
                   "): " + b->title);
  return sequence;
}

std::int64_t Issuer::withdraw_bulletin(const std::string& id, const Caller& caller,
                                       const std::string& served) {
  Bulletin* b = find_bulletin(id);
  if (!b) throw NotFound("no bulletin \"" + id + "\" of this hub is drafted or published");
  check_reach(b->targets, caller, "withdraw a bulletin", "bulletin.refused");
  auto& db = store_.db();
  if (b->state == "draft") {
    db.exec("DELETE FROM issued_bulletin WHERE id = $1", {pg::text(id)});
    store_.audit(caller.who, caller.remote, "bulletin.discard", id + " → " + describe(b->targets));
    std::erase_if(bulletins_, [&](const Bulletin& x) { return x.id == id; });
    return 0;
  }
  const std::int64_t sequence = move_bulletin(*b, "withdrawn", caller, served);
  store_.audit(caller.who, caller.remote, "bulletin.withdraw", id + " → " + describe(b->targets));
  return sequence;
}

std::int64_t Issuer::move_bulletin(Bulletin& b, const std::string& state, const Caller& caller,
                                   const std::string& served) {
  auto& db = store_.db();
  pg::Transaction tx(db);
  // `state` is "published" or "withdrawn" (its columns' prefix), never a request's word.
  db.exec("UPDATE issued_bulletin SET state = $3, " + state + "_by = $2, " + state +
              "_at = now() WHERE id = $1",
          {pg::text(b.id), pg::text(caller.who), pg::text(state)});
  const std::string before = b.state;
  b.state = state;
  std::int64_t sequence = 0;
  try {
    sequence = write(served);
  } catch (...) {
    b.state = before;  // not in the folder: not changed
    throw;
  }
  tx.commit();
  return sequence;
}

json::object Issuer::describe_bulletin(const Bulletin& b, const Scope& scope) {
  json::object out{{"id", b.id},
                   {"title", b.title},
                   {"state", b.state},
                   {"by", b.by},
                   {"created_at", b.created_at},
                   {"published_at", b.published_at},
                   {"entry", b.entry},
                   {"targets", targets_shown(b.targets, store_.db())},
                   {"describe", describe(b.targets)}};
  const bool priority = b.entry.at("level") == "priority";
  json::array boxes;
  json::object summary{{"boxes", 0},   {"accepted", 0}, {"rejected", 0},
                       {"waiting", 0}, {"airs", 0},     {"unknown", 0}};
  for (const auto& box : store_.boxes(scope)) {
    if (!b.targets.match(box.id, box.district_id)) continue;
    json::object o{{"box", box.id},
                   {"name", box.name},
                   {"district", box.district},
                   {"commune", box.commune},
                   {"decision", priority ? "airs" : "unknown"},
                   {"decided_at", ""},
                   {"decided_by", ""},
                   {"start", b.entry.at("start")}};
    // What the box's operator decided, as its latest status says (the box's inbox).
    const json::value* inbox = box.status ? box.status->if_contains("inbox") : nullptr;
    if (inbox && inbox->is_array() && b.state == "published") {
      bool listed = false;
      for (const auto& e : inbox->as_array()) {
        if (!e.is_object() || e.as_object().if_contains("id") == nullptr ||
            e.at("id") != b.id.c_str()) {
          continue;
        }
        const auto& x = e.as_object();
        listed = true;
        if (const auto* st = x.if_contains("state"); st && st->is_string()) o["decision"] = *st;
        for (const char* k : {"decided_at", "decided_by", "start"}) {
          if (const auto* v = x.if_contains(k); v && v->is_string()) o[k] = *v;
        }
      }
      // A box that lists its inbox and not this normal bulletin has not applied it yet.
      if (!listed && !priority) o["decision"] = "waiting_for_box";
    }
    // The commune's own schedule it chose to air first where the two meet (TT39).
    o["commune_first"] = "";
    const json::value* orders = box.status ? box.status->if_contains("clash_orders") : nullptr;
    if (orders && orders->is_array()) {
      for (const auto& x : orders->as_array()) {
        const auto* p = x.is_object() ? x.as_object().if_contains("province") : nullptr;
        const auto* f = x.is_object() ? x.as_object().if_contains("first") : nullptr;
        const auto* l = x.is_object() ? x.as_object().if_contains("local") : nullptr;
        if (p && f && l && l->is_string() && *p == b.id.c_str() && *f == "local") {
          o["commune_first"] = *l;
        }
      }
    }
    const std::string decision(o["decision"].as_string());
    summary["boxes"] = summary["boxes"].as_int64() + 1;
    const char* bucket = decision == "accepted"   ? "accepted"
                         : decision == "rejected" ? "rejected"
                         : decision == "waiting"  ? "waiting"
                         : decision == "airs"     ? "airs"
                                                  : "unknown";
    summary[bucket] = summary[bucket].as_int64() + 1;
    boxes.push_back(std::move(o));
  }
  out["summary"] = std::move(summary);
  out["boxes"] = std::move(boxes);
  return out;
}

json::array Issuer::bulletins(const Scope& scope) {
  json::array out;
  for (auto it = bulletins_.rbegin(); it != bulletins_.rend(); ++it) {
    // A district officer sees what names its district or reaches one of its boxes.
    json::object b = describe_bulletin(*it, scope);
    const auto& named = it->targets.districts;
    if (!scope.district.empty() && !it->targets.every_box() &&
        b.at("summary").at("boxes").as_int64() == 0 &&
        std::find(named.begin(), named.end(), scope.district) == named.end()) {
      continue;
    }
    out.push_back(std::move(b));
  }
  return out;
}

json::object Issuer::bulletin(const std::string& id, const Scope& scope) {
  for (const auto& b : bulletins_) {
    if (b.id == id) return describe_bulletin(b, scope);
  }
  throw NotFound("no bulletin \"" + id + "\" on this hub");
}

}  // namespace loaxa::hub
