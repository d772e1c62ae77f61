// Playlists made on the hub: a morning bulletin of a chime, the news and a chime again,
// from the served manifest's media and the hub's library. Kept in the database, signed
// into the manifest only while a published bulletin plays them. See issue.hpp.

#include <algorithm>
#include <boost/json.hpp>

#include "common/errors.hpp"
#include "common/id.hpp"
#include "hub/issue.hpp"

namespace loaxa::hub {

namespace json = boost::json;

json::object Issuer::playlist_entry(const HubPlaylist& p) {
  json::array items;
  for (const auto& i : p.items) items.emplace_back(i);
  return json::object{{"id", p.id}, {"title", p.title}, {"items", std::move(items)}};
}

std::vector<std::string> Issuer::media_of(const json::object& entry) const {
  if (const auto* m = entry.if_contains("media"); m && m->is_string()) {
    return {std::string(m->as_string())};
  }
  if (const auto* p = entry.if_contains("playlist"); p && p->is_string()) {
    for (const auto& x : playlists_) {
      if (x.id == p->as_string()) return x.items;
    }
  }
  return {};
}

std::set<std::string> Issuer::playlists_in_use(bool drafts_too) const {
  std::set<std::string> out;
  for (const auto& b : bulletins_) {
    if (b.state != "published" && !(drafts_too && b.state == "draft")) continue;
    if (const auto* p = b.entry.if_contains("playlist"); p && p->is_string()) {
      out.insert(std::string(p->as_string()));
    }
  }
  return out;
}

HubPlaylist Issuer::put_playlist(HubPlaylist p, const Caller& caller, const std::string& served) {
  if (!caller.admin && caller.scope.district.empty()) {
    store_.audit(caller.who, caller.remote, "playlist.refused",
                 p.id + ": a viewer may not make playlists");
    throw Forbidden("a viewer may not make playlists; a province or district officer may");
  }
  p.id = checked_id(std::move(p.id), "danh-sach-");
  auto it = std::find_if(playlists_.begin(), playlists_.end(),
                         [&](const HubPlaylist& x) { return x.id == p.id; });
  if (it != playlists_.end()) {
    check_owner("playlist \"" + p.id + "\"", it->district, caller, "change", "playlist.refused");
  }
  if (playlists_in_use(false).count(p.id)) {
    throw Refused("playlist \"" + p.id +
                  "\" is played by a published bulletin; withdraw it first, or make another");
  }
  const auto m = sync::parse_manifest(served);
  for (const auto& x : m.playlists) {
    if (x.id == p.id && it == playlists_.end()) {
      throw Refused("\"" + p.id + "\" is a playlist of province.toml; choose another id");
    }
  }
  while (!p.title.empty() && p.title.back() == ' ') p.title.pop_back();
  if (p.title.empty() || p.title.size() > 500) {
    throw std::invalid_argument("title: the playlist's name (1 to 500 bytes) is required");
  }
  if (p.items.empty() || p.items.size() > 100) {
    throw std::invalid_argument("items: from 1 to 100 media ids, in the order they play");
  }
  const auto ours = sync::parse_manifest(with_library(served));
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    if (!ours.find_media(p.items[i])) {
      throw std::invalid_argument("items[" + std::to_string(i) + "]: \"" + p.items[i] +
                                  "\" is neither a media of the manifest served nor of the "
                                  "hub's library");
    }
  }
  p.by = caller.who;
  p.district = caller.admin ? "" : caller.scope.district;
  json::array items;
  for (const auto& i : p.items) items.emplace_back(i);
  const auto r = store_.db().exec(
      "INSERT INTO hub_playlist (id, title, items, created_by, district) VALUES ($1, $2, "
      "$3::jsonb, $4, $5) ON CONFLICT (id) DO UPDATE SET title = $2, items = $3::jsonb, "
      "created_by = $4, district = $5, created_at = now() "
      "RETURNING to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
      {pg::text(p.id), pg::text(p.title), pg::text(json::serialize(items)), pg::text(p.by),
       pg::text(p.district)});
  p.created_at = r.str(0, 0);
  if (it != playlists_.end()) {
    *it = p;
  } else {
    playlists_.push_back(p);
  }
  store_.audit(caller.who, caller.remote, "playlist.put",
               p.id + " (" + std::to_string(p.items.size()) + " mục): " + p.title);
  return p;
}

void Issuer::remove_playlist(const std::string& id, const Caller& caller) {
  auto it = std::find_if(playlists_.begin(), playlists_.end(),
                         [&](const HubPlaylist& x) { return x.id == id; });
  if (it == playlists_.end()) throw NotFound("no playlist \"" + id + "\" on this hub");
  check_owner("playlist \"" + id + "\"", it->district, caller, "remove", "playlist.refused");
  if (playlists_in_use(true).count(id)) {
    throw Refused("playlist \"" + id +
                  "\" is played by a bulletin (draft or published); withdraw that first");
  }
  store_.db().exec("DELETE FROM hub_playlist WHERE id = $1", {pg::text(id)});
  store_.audit(caller.who, caller.remote, "playlist.remove", id + " (" + it->title + ")");
  playlists_.erase(it);
}

}  // namespace loaxa::hub
