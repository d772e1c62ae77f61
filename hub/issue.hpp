#pragma once
// Emergencies issued from the hub (docs/hub.md, "Issuing emergencies from the hub"): a
// province or district officer writes the words, picks a sound of the served manifest,
// the districts (a district officer: its own only) and how long it holds; the hub adds
// it to the manifest in `[publish] dir`, signs it with the province's key (`[publish]
// key`) and serves it at once to the long-polling boxes. Withdrawing takes it out the
// same way. Every issue, withdrawal and refusal is audited.
//
// The folder stays the one source: `loaxa publish` may write a new manifest into it at
// any time, and the hub's emergencies still in force are merged into whatever it
// writes before a box is answered (in memory, so this holds with the database away).
//
// Bulletins (docs/hub.md, "Bulletins from the hub") go the same way as schedule entries
// of the manifest, with one step more: each is a draft first, whose preview says which
// boxes it reaches, and is signed only when published.

#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/config.hpp"
#include "hub/store.hpp"
#include "scheduler/local_time.hpp"
#include "sync/manifest.hpp"

namespace loaxa::hub {

// Who asks, as the API knows them.
struct Caller {
  std::string who;     // name, for the audit
  std::string remote;  // address, for the audit
  bool admin = false;
  Scope scope;  // a district officer's district
};

struct EmergencyDraft {
  std::string id;  // empty: "khan-cap-YYYYMMDD-HHMMSS" in the hub's zone
  std::string text;
  std::string media;  // a media id of the served manifest
  std::vector<std::string> channels{"*"};
  sync::ManifestTargets targets;  // empty: the whole province (admin, with `confirm`)
  int valid_minutes = 60;
  int repeat = 1;
  std::string confirm;  // "TOÀN TỈNH" for a province-wide emergency
};

// Targets in words, for the audit ("huyện dong-xoai, bp-*"; "cả tỉnh": every box).
std::string describe(const sync::ManifestTargets& t);

// The words an admin types to send an emergency to every box of the province.
inline constexpr const char* kProvinceWide = "TOÀN TỈNH";

struct BulletinDraft {
  std::string id;        // empty: "ban-tin-YYYYMMDD-HHMMSS" in the hub's zone
  std::string title;     // empty: the media's
  std::string media;     // a media id of the served manifest or the library, or
  std::string playlist;  // a playlist of the served manifest or the hub's
  std::string channel = "loudspeaker";
  std::string level = "normal";   // normal: the commune decides; priority: airs
  std::string start;              // local YYYY-MM-DDTHH:MM:SS, in each box's zone
  std::string rrule;              // optional RFC 5545 RRULE
  std::string until;              // optional last day, YYYY-MM-DD
  sync::ManifestTargets targets;  // empty: the whole province (admin, with `confirm`)
  std::string confirm;
};

// What the hub learns of an uploaded file (docs/hub.md, "The hub's media library"):
// probed and loudness-measured by the same player code `loaxa publish` and the box's
// ingest use. The examiner lives in hub/media/ (GStreamer), outside the hub's library.
struct MediaFacts {
  bool playable = false;
  std::string error;  // why it cannot play
  std::string kind;   // audio | video | image
  std::string title;  // the file's TITLE tag
  std::optional<std::int64_t> duration_ms;
  std::optional<double> lufs, peak_db;  // audio only
};
using MediaExaminer = std::function<MediaFacts(const std::filesystem::path& file)>;

// A file uploaded to the hub, kept content-addressed in the publish folder's media/ and
// put into the manifest only while a published bulletin or an emergency in force plays it.
struct LibraryMedia {
  std::string id, title, topic, kind, sha256, ext;
  std::int64_t size = 0;
  std::optional<std::int64_t> duration_ms;
  std::optional<double> lufs, peak_db;
  std::string by, district, uploaded_at;
  std::string store_name() const { return sha256 + ext; }
};

// A playlist made on the hub: media of the served manifest or of the library, in order.
// Like an upload, it is signed into the manifest only while a published bulletin plays it.
struct HubPlaylist {
  std::string id, title;
  std::vector<std::string> items;  // media ids
  std::string by, district, created_at;
};

// A day off set on the hub (the province's: Tết, 30/4, 2/9…): schedules that ask
// (`skip_holidays`) do not air on it. Kept after removal, so the merge knows the day was
// the hub's to take out of the manifest.
struct HubHoliday {
  std::string day;  // YYYY-MM-DD
  std::string name, by;
  bool removed = false;
};

class Issuer {
 public:
  // Loads the hub's emergencies from the database.
  Issuer(Store& store, const HubConfig& config, const scheduler::Zone& zone);

  // Checks the draft against what the caller may do (Forbidden, audited), its fields
  // against `served` (std::invalid_argument naming the field), stores it and writes the
  // signed manifest. Returns the id and the new sequence.
  std::pair<std::string, std::int64_t> issue(EmergencyDraft draft, const Caller& caller,
                                             const std::string& served);
  // Takes a hub-issued emergency out. NotFound, Refused (not the hub's: it came from
  // province.toml), Forbidden (another district's). Returns the new sequence.
  std::int64_t withdraw(const std::string& id, const Caller& caller, const std::string& served);

  // `served` with the hub's emergencies in force merged in: when that differs from it,
  // signed and written to the folder, and the new sequence returned. Throws
  // std::runtime_error when the folder cannot be written.
  std::optional<std::int64_t> merge(const std::string& served);

  // Whether this hub wrote manifest `sequence` (its emergencies and bulletins merged).
  bool wrote(std::int64_t sequence) const { return written_.count(sequence) > 0; }

  // Who issued `id` from the hub, if it was.
  std::optional<std::string> issued_by(const std::string& id) const;

  // A bulletin drafted (checked as a box would check it, stored, audited; nothing
  // signed): its id. Forbidden beyond the caller's reach, std::invalid_argument naming
  // the field.
  std::string draft_bulletin(BulletinDraft draft, const Caller& caller, const std::string& served);
  // Signs a draft into the manifest; returns the new sequence.
  std::int64_t publish_bulletin(const std::string& id, const Caller& caller,
                                const std::string& served);
  // A draft is discarded; a published bulletin is taken out of the manifest (returns the
  // new sequence, 0 for a draft).
  std::int64_t withdraw_bulletin(const std::string& id, const Caller& caller,
                                 const std::string& served);
  // The hub's bulletins the scope may see, newest first, each with the boxes it reaches
  // and what each box's operator decided (from the box's latest status).
  boost::json::array bulletins(const Scope& scope);
  // One bulletin as in `bulletins`. NotFound.
  boost::json::object bulletin(const std::string& id, const Scope& scope);

  // The media library (library.cpp). `file` (examined into `facts`, its SHA-256 `sha`)
  // goes into the publish folder's media/ as `filename`'s upload: an id made from the
  // asked one or the file name, free in the library and the served manifest. Refused
  // for a viewer (Forbidden) and std::invalid_argument for an unplayable file, with the
  // reason. Audited.
  LibraryMedia add_media(const std::filesystem::path& file, const std::string& filename,
                         const MediaFacts& facts, const std::string& sha, std::string id,
                         std::string title, const std::string& topic, const Caller& caller,
                         const std::string& served);
  const std::vector<LibraryMedia>& library() const { return library_; }
  // Takes an upload out of the library: NotFound, Forbidden (another district's),
  // Refused while a draft, a published bulletin or an emergency in force plays it.
  void remove_media(const std::string& id, const Caller& caller);
  // Creates or replaces a hub playlist (playlists.cpp). Forbidden for a viewer or another
  // district's playlist, Refused while a published bulletin plays it or when the id is
  // province.toml's, std::invalid_argument naming the field. Audited.
  HubPlaylist put_playlist(HubPlaylist p, const Caller& caller, const std::string& served);
  // NotFound, Forbidden, Refused while a bulletin (draft or published) plays it.
  void remove_playlist(const std::string& id, const Caller& caller);
  const std::vector<HubPlaylist>& hub_playlists() const { return playlists_; }
  // The hub playlists (ids) that bulletins play (published; with `drafts_too`, drafts).
  std::set<std::string> playlists_in_use(bool drafts_too) const;

  // Days off (holidays.cpp): the province's admin only (Forbidden, audited); a day
  // that is not a date is std::invalid_argument; adding one the manifest already has is
  // Refused. Each signs the manifest again; returns the new sequence.
  std::int64_t add_holiday(const std::string& day, const std::string& name, const Caller& caller,
                           const std::string& served);
  std::int64_t remove_holiday(const std::string& day, const Caller& caller,
                              const std::string& served);
  const std::vector<HubHoliday>& hub_holidays() const { return holidays_; }

  // `served` with every library media and hub playlist it lacks added: what drafts are
  // checked against.
  std::string with_library(const std::string& served) const;
  // The media (ids) that the hub's emergencies in force and published bulletins play,
  // and with `drafts_too` its drafts.
  std::set<std::string> media_in_use(bool drafts_too) const;

 private:
  struct Issued {
    std::string id, text, media, by;
    std::vector<std::string> channels;
    sync::ManifestTargets targets;
    int repeat = 1;
    std::int64_t valid_from_ms = 0, valid_until_ms = 0;
    bool withdrawn = false;
  };
  struct Bulletin {
    std::string id, title, state, by;  // state: draft | published | withdrawn
    boost::json::object entry;         // the manifest's schedule entry
    sync::ManifestTargets targets;
    std::string created_at, published_at;
  };
  boost::json::object entry(const Issued& e) const;
  static boost::json::object media_entry(const LibraryMedia& m);
  static boost::json::object playlist_entry(const HubPlaylist& p);
  // What a bulletin's entry plays: its media, or its playlist's items (a hub playlist's).
  std::vector<std::string> media_of(const boost::json::object& entry) const;
  boost::json::object describe_bulletin(const Bulletin& b, const Scope& scope);
  Bulletin* find_bulletin(const std::string& id);
  // Merges and returns the sequence served after it.
  std::int64_t write(const std::string& served);
  // Throws Forbidden unless the caller may send to `targets` (audited as refused).
  void check_reach(const sync::ManifestTargets& targets, const Caller& caller,
                   const std::string& what, const char* refused = "emergency.refused");
  void check_districts(const sync::ManifestTargets& targets);
  // Throws Forbidden (audited as `refused`) unless the caller is the province or the
  // district that made `what` ("media \"x\"", made by `owner`: a district id, "" for the
  // province) and may `verb` it ("remove", "change").
  void check_owner(const std::string& what, const std::string& owner, const Caller& caller,
                   const char* verb, const char* refused);
  // `id`, or one made of `prefix` and the hub's local time; std::invalid_argument when it
  // is not an id.
  std::string checked_id(std::string id, const char* prefix) const;
  // A bulletin to "published" or "withdrawn" in the database and the folder, or neither.
  std::int64_t move_bulletin(Bulletin& b, const std::string& state, const Caller& caller,
                             const std::string& served);

  Store& store_;
  const HubConfig& config_;
  const scheduler::Zone& zone_;
  std::vector<Issued> issued_;          // in issue order
  std::vector<Bulletin> bulletins_;     // in draft order
  std::vector<LibraryMedia> library_;   // in upload order
  std::vector<HubPlaylist> playlists_;  // in creation order
  std::vector<HubHoliday> holidays_;    // by day, removed ones too
  std::set<std::int64_t> written_;      // the latest sequences this hub signed
};

}  // namespace loaxa::hub
