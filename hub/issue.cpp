#include "hub/issue.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "common/errors.hpp"
#include "common/id.hpp"
#include "common/log.hpp"
#include "hub/receipts.hpp"
#include "hub/util.hpp"
#include "sync/keys.hpp"

namespace loaxa::hub {

namespace json = boost::json;
using scheduler::Instant;

std::string describe(const sync::ManifestTargets& t) {
  if (t.every_box()) return "cả tỉnh";
  std::string out;
  for (const auto& d : t.districts) out += (out.empty() ? "huyện " : ", huyện ") + d;
  for (const auto& b : t.boxes) out += (out.empty() ? "" : ", ") + b;
  return out;
}

Issuer::Issuer(Store& store, const HubConfig& config, const scheduler::Zone& zone)
    : store_(store), config_(config), zone_(zone) {
  const auto r = store_.db().exec(
      "SELECT id, text, media, channels::text, targets::text, repeat, "
      "(extract(epoch FROM valid_from) * 1000)::bigint, "
      "(extract(epoch FROM valid_until) * 1000)::bigint, issued_by, withdrawn_at IS NOT NULL "
      "FROM issued_emergency ORDER BY issued_at, id");
  for (int i = 0; i < r.rows(); ++i) {
    Issued e;
    e.id = r.str(i, 0);
    e.text = r.str(i, 1);
    e.media = r.str(i, 2);
    const json::value channels = json::parse(r.str(i, 3));
    for (const auto& c : channels.as_array()) e.channels.emplace_back(c.as_string());
    e.targets = targets_of(json::parse(r.str(i, 4)));
    e.repeat = static_cast<int>(r.int64(i, 5));
    e.valid_from_ms = r.int64(i, 6);
    e.valid_until_ms = r.int64(i, 7);
    e.by = r.str(i, 8);
    e.withdrawn = r.boolean(i, 9);
    issued_.push_back(std::move(e));
  }
  const auto b = store_.db().exec(
      "SELECT id, title, state, created_by, entry::text, "
      "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      "COALESCE(to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
      "FROM issued_bulletin ORDER BY created_at, id");
  for (int i = 0; i < b.rows(); ++i) {
    Bulletin x{
        b.str(i, 0), b.str(i, 1), b.str(i, 2), b.str(i, 3), json::parse(b.str(i, 4)).as_object(),
        {},          b.str(i, 5), b.str(i, 6)};
    if (const auto* t = x.entry.if_contains("targets")) x.targets = targets_of(*t);
    bulletins_.push_back(std::move(x));
  }
  const auto l = store_.db().exec(
      "SELECT id, title, topic, kind, sha256, ext, size, duration_ms, lufs, peak_db, "
      "uploaded_by, district, "
      "to_char(uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "FROM hub_media ORDER BY uploaded_at, id");
  for (int i = 0; i < l.rows(); ++i) {
    library_.push_back(LibraryMedia{l.str(i, 0), l.str(i, 1), l.str(i, 2), l.str(i, 3), l.str(i, 4),
                                    l.str(i, 5), l.int64(i, 6), l.opt_int64(i, 7), l.opt_real(i, 8),
                                    l.opt_real(i, 9), l.str(i, 10), l.str(i, 11), l.str(i, 12)});
  }
  const auto pl = store_.db().exec(
      "SELECT id, title, items::text, created_by, district, "
      "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "FROM hub_playlist ORDER BY created_at, id");
  for (int i = 0; i < pl.rows(); ++i) {
    HubPlaylist p{pl.str(i, 0), pl.str(i, 1), {}, pl.str(i, 3), pl.str(i, 4), pl.str(i, 5)};
    const json::value items = json::parse(pl.str(i, 2));
    for (const auto& x : items.as_array()) p.items.emplace_back(x.as_string());
    playlists_.push_back(std::move(p));
  }
  const auto hd = store_.db().exec(
      "SELECT to_char(day, 'YYYY-MM-DD'), name, added_by, removed_at IS NOT NULL FROM "
      "hub_holiday ORDER BY day");
  for (int i = 0; i < hd.rows(); ++i) {
    holidays_.push_back({hd.str(i, 0), hd.str(i, 1), hd.str(i, 2), hd.boolean(i, 3)});
  }
}

json::object Issuer::entry(const Issued& e) const {
  json::array channels;
  for (const auto& c : e.channels) channels.emplace_back(c);
  json::object o{
      {"id", e.id},
      {"media", e.media},
      {"text", e.text},
      {"channels", std::move(channels)},
      {"repeat", e.repeat},
      {"valid_from", zone_.format_iso(Instant{std::chrono::milliseconds(e.valid_from_ms)}, false)},
      {"valid_until",
       zone_.format_iso(Instant{std::chrono::milliseconds(e.valid_until_ms)}, false)}};
  if (!e.targets.every_box()) o["targets"] = targets_json(e.targets);
  return o;
}

std::optional<std::int64_t> Issuer::merge(const std::string& served) {
  json::value v = json::parse(served);
  auto& m = v.as_object();
  // `key` of the manifest without the entries whose id is in `ours`, then `add`.
  auto replace = [&](const char* key, const std::set<std::string>& ours,
                     std::vector<json::object> add) {
    json::array base;
    if (const auto* list = m.if_contains(key); list && list->is_array()) base = list->as_array();
    json::array out;
    for (const auto& x : base) {
      const auto* id = x.is_object() ? x.as_object().if_contains("id") : nullptr;
      if (id && id->is_string() && ours.count(std::string(id->as_string()))) continue;
      out.push_back(x);
    }
    for (auto& o : add) out.emplace_back(std::move(o));
    if (out == base) return false;
    m[key] = std::move(out);
    return true;
  };
  const std::int64_t now = now_ms();
  std::set<std::string> ours, our_bulletins;
  std::vector<json::object> emergencies, schedules;
  for (const auto& e : issued_) {
    ours.insert(e.id);
    if (!e.withdrawn && e.valid_until_ms > now) emergencies.push_back(entry(e));
  }
  for (const auto& b : bulletins_) {
    if (b.state == "draft") continue;  // never signed: a schedule of province.toml may share its id
    our_bulletins.insert(b.id);
    if (b.state == "published") schedules.push_back(b.entry);
  }
  // The library's media go in while something of the hub's plays them, and only then:
  // every box downloads every media of the manifest.
  std::set<std::string> our_media;
  std::vector<json::object> media;
  const auto in_use = media_in_use(false);
  for (const auto& x : library_) {
    our_media.insert(x.id);
    if (in_use.count(x.id)) media.push_back(media_entry(x));
  }
  bool changed = replace("media", our_media, std::move(media));
  std::set<std::string> our_playlists;
  std::vector<json::object> playlists;
  const auto lists_in_use = playlists_in_use(false);
  for (const auto& p : playlists_) {
    our_playlists.insert(p.id);
    if (lists_in_use.count(p.id)) playlists.push_back(playlist_entry(p));
  }
  changed = replace("playlists", our_playlists, std::move(playlists)) || changed;
  // Days off: the manifest's, without every day the hub ever set, with those in force.
  if (!holidays_.empty()) {
    std::set<std::string> days;
    if (const auto* list = m.if_contains("holidays"); list && list->is_array()) {
      for (const auto& d : list->as_array()) {
        if (d.is_string()) days.insert(std::string(d.as_string()));
      }
    }
    const auto before = days;
    for (const auto& h : holidays_) {
      if (h.removed) {
        days.erase(h.day);
      } else {
        days.insert(h.day);
      }
    }
    if (days != before) {
      json::array out;
      for (const auto& d : days) out.emplace_back(d);
      m["holidays"] = std::move(out);
      changed = true;
    }
  }
  changed = replace("emergencies", ours, std::move(emergencies)) || changed;
  if (!replace("schedules", our_bulletins, std::move(schedules)) && !changed) return std::nullopt;
  const std::int64_t seconds = now / 1000;
  const auto* seq = m.if_contains("sequence");
  const std::int64_t previous = seq && seq->is_int64() ? seq->as_int64() : 0;
  const std::int64_t sequence = std::max(seconds, previous + 1);
  m["sequence"] = sequence;
  m["generated_at"] = scheduler::format_utc(seconds);
  const std::string bytes = json::serialize(m) + "\n";
  // What every box will check, checked here first.
  sync::parse_manifest(bytes);
  sync::write_signed_manifest(config_.publish_dir, bytes, config_.publish_key);
  written_.insert(sequence);
  while (written_.size() > 64) written_.erase(written_.begin());
  auto count = [&](const char* key) {
    const auto* list = m.if_contains(key);
    return std::to_string(list && list->is_array() ? list->as_array().size() : 0);
  };
  log::notice("issue", "manifest " + std::to_string(sequence) +
                           " signed with the hub's emergencies in force and bulletins (" +
                           count("emergencies") + " emergencies, " + count("schedules") +
                           " schedules in it)");
  return sequence;
}

std::int64_t Issuer::write(const std::string& served) {
  if (auto sequence = merge(served)) return *sequence;
  return json::parse(served).as_object().at("sequence").to_number<std::int64_t>();
}

void Issuer::check_reach(const sync::ManifestTargets& targets, const Caller& caller,
                         const std::string& what, const char* refused) {
  std::string why;
  if (!caller.admin && caller.scope.district.empty()) {
    why = "a viewer may not " + what;
  } else if (!caller.admin) {
    const std::string& own = caller.scope.district;
    if (targets.every_box()) {
      why = "only the province may " + what + " for every box; choose your district (" + own + ")";
    }
    for (const auto& d : targets.districts) {
      if (why.empty() && d != own) {
        why = "district \"" + d + "\" is not yours (" + own + "): you may " + what +
              " for your own district only";
      }
    }
    for (const auto& b : targets.boxes) {
      const auto box = store_.box(b);
      if (why.empty() && (!box || box->district_id != own)) {
        why = "box \"" + b + "\" is not an enrolled box of your district (" + own + ")";
      }
    }
  }
  if (why.empty()) return;
  store_.audit(caller.who, caller.remote, refused, what + " → " + describe(targets) + ": " + why);
  throw Forbidden(why);
}

std::pair<std::string, std::int64_t> Issuer::issue(EmergencyDraft d, const Caller& caller,
                                                   const std::string& served) {
  if (config_.publish_key.empty()) {
    throw Refused("this hub has no [publish] key: emergencies are published with `loaxa publish`");
  }
  check_reach(d.targets, caller, "issue an emergency");
  if (d.targets.every_box() && d.confirm != kProvinceWide) {
    throw std::invalid_argument(std::string("confirm: an emergency for every box of the province "
                                            "needs confirm = \"") +
                                kProvinceWide + "\", typed by the officer");
  }
  const auto m = sync::parse_manifest(with_library(served));
  while (!d.text.empty() && (d.text.back() == ' ' || d.text.back() == '\n')) d.text.pop_back();
  if (d.text.empty() || d.text.size() > 2000) {
    throw std::invalid_argument("text: the words of the emergency (1 to 2,000 bytes) are required");
  }
  if (!m.find_media(d.media)) {
    throw std::invalid_argument("media: \"" + d.media +
                                "\" is neither a media of the manifest served nor of the hub's "
                                "library (GET /api/v1/publish lists them)");
  }
  if (d.valid_minutes < 1 || d.valid_minutes > 1440) {
    throw std::invalid_argument("valid_minutes: from 1 to 1440 (a day)");
  }
  if (d.repeat < 1 || d.repeat > 20) throw std::invalid_argument("repeat: from 1 to 20");
  if (d.channels.empty()) throw std::invalid_argument("channels: name at least one, or \"*\"");
  for (const auto& c : d.channels) {
    if (c != "*" && !valid_id(c)) {
      throw std::invalid_argument("channels: \"" + c + "\" is not a channel name");
    }
  }
  check_districts(d.targets);
  const std::int64_t now = now_ms();
  d.id = checked_id(std::move(d.id), "khan-cap-");
  for (const auto& e : m.emergencies) {
    if (e.id == d.id && !issued_by(d.id)) {
      throw std::invalid_argument("id: \"" + d.id +
                                  "\" is an emergency of province.toml; choose another id");
    }
  }
  for (const auto& e : issued_) {
    if (e.id == d.id && !e.withdrawn) {
      throw std::invalid_argument("id: \"" + d.id + "\" is in force; withdraw it first");
    }
  }
  Issued e{d.id,       d.text,     d.media,
           caller.who, d.channels, d.targets,
           d.repeat,   now,        now + d.valid_minutes * 60'000LL,
           false};
  auto& db = store_.db();
  pg::Transaction tx(db);
  json::array channels;
  for (const auto& c : e.channels) channels.emplace_back(c);
  db.exec("DELETE FROM issued_emergency WHERE id = $1", {pg::text(e.id)});
  db.exec(
      "INSERT INTO issued_emergency (id, text, media, channels, targets, repeat, valid_from, "
      "valid_until, issued_by) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, "
      "to_timestamp($7::bigint / 1000.0), to_timestamp($8::bigint / 1000.0), $9)",
      {pg::text(e.id), pg::text(e.text), pg::text(e.media), pg::text(json::serialize(channels)),
       pg::text(json::serialize(targets_json(e.targets))), pg::num(e.repeat),
       pg::num(e.valid_from_ms), pg::num(e.valid_until_ms), pg::text(e.by)});
  const auto before = issued_;
  std::erase_if(issued_, [&](const Issued& x) { return x.id == e.id; });
  issued_.push_back(e);
  std::int64_t sequence = 0;
  try {
    sequence = write(served);
  } catch (...) {
    issued_ = before;  // not in the folder: not issued
    throw;
  }
  tx.commit();
  store_.audit(caller.who, caller.remote, "emergency.issue",
               e.id + " → " + describe(e.targets) + ", " + std::to_string(d.valid_minutes) +
                   " phút: " + e.text);
  return {e.id, sequence};
}

std::int64_t Issuer::withdraw(const std::string& id, const Caller& caller,
                              const std::string& served) {
  auto it = std::find_if(issued_.begin(), issued_.end(),
                         [&](const Issued& e) { return e.id == id && !e.withdrawn; });
  if (it == issued_.end()) {
    for (const auto& e : sync::parse_manifest(served).emergencies) {
      if (e.id == id) {
        throw Refused("\"" + id +
                      "\" was published from province.toml: remove it there and run `loaxa "
                      "publish` again");
      }
    }
    throw NotFound("no emergency \"" + id + "\" issued from this hub is in force");
  }
  check_reach(it->targets, caller, "withdraw an emergency");
  auto& db = store_.db();
  pg::Transaction tx(db);
  db.exec("UPDATE issued_emergency SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1",
          {pg::text(id), pg::text(caller.who)});
  it->withdrawn = true;
  std::int64_t sequence = 0;
  try {
    sequence = write(served);
  } catch (...) {
    it->withdrawn = false;
    throw;
  }
  tx.commit();
  store_.audit(caller.who, caller.remote, "emergency.withdraw", id + " → " + describe(it->targets));
  return sequence;
}

std::string Issuer::checked_id(std::string id, const char* prefix) const {
  if (id.empty()) {
    const auto local = std::chrono::floor<std::chrono::seconds>(
        zone_.to_local_seconds(Instant{std::chrono::milliseconds(now_ms())}));
    id = prefix + date::format("%Y%m%d-%H%M%S", local);
  }
  if (!valid_id(id)) {
    throw std::invalid_argument("id: \"" + id + "\" is not an id (lowercase letters, digits, -)");
  }
  return id;
}

void Issuer::check_districts(const sync::ManifestTargets& targets) {
  for (const auto& dist : targets.districts) {
    if (store_.db().exec("SELECT 1 FROM district WHERE id = $1", {pg::text(dist)}).rows() == 0) {
      throw std::invalid_argument("targets.districts: no box is enrolled in district \"" + dist +
                                  "\"");
    }
  }
}

std::optional<std::string> Issuer::issued_by(const std::string& id) const {
  for (const auto& e : issued_) {
    if (e.id == id) return e.by;
  }
  return std::nullopt;
}

}  // namespace loaxa::hub
