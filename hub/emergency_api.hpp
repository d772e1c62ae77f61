#pragma once
// The hub's emergency and bulletin routes (docs/hub.md, "Emergencies and receipts" and "Issuing
// emergencies from the hub"), in the route table of api.cpp.

#include "hub/api.hpp"

namespace loaxa::hub {

// GET /api/v1/publish: what the caller may issue with (media, districts).
api::Response publish_options(HubContext& hub, const api::Request& r);
// GET /api/v1/emergencies
api::Response list_emergencies(HubContext& hub, const api::Request& r);
// GET /api/v1/emergencies/{id}/receipts
api::Response emergency_receipts(HubContext& hub, const api::Request& r);
// POST /api/v1/emergencies
api::Response issue_emergency(HubContext& hub, const api::Request& r);
// DELETE /api/v1/emergencies/{id}
api::Response withdraw_emergency(HubContext& hub, const api::Request& r);

// GET /api/v1/bulletins, GET /api/v1/bulletins/{id}: drafts and published bulletins with
// the boxes each reaches and what their operators decided.
api::Response list_bulletins(HubContext& hub, const api::Request& r);
api::Response get_bulletin(HubContext& hub, const api::Request& r);
// POST /api/v1/bulletins: a draft (201, with its preview).
api::Response draft_bulletin(HubContext& hub, const api::Request& r);
// POST /api/v1/bulletins/{id}/publish: signs it into the manifest.
api::Response publish_bulletin(HubContext& hub, const api::Request& r);
// DELETE /api/v1/bulletins/{id}: discards a draft, withdraws a published one.
api::Response withdraw_bulletin(HubContext& hub, const api::Request& r);

// GET /api/v1/media: the hub's media library.
api::Response list_library(HubContext& hub, const api::Request& r);
// PUT /api/v1/media?filename=NAME[&id=&title=&topic=]: the body (streamed to a file) is
// examined off the event loop and goes into the library (201), or is refused with the
// reason (422 unplayable). An upload route (add_hub_routes).
api::Response upload_media(HubContext& hub, const api::Request& r);
// DELETE /api/v1/media/{id}: an upload nothing plays any more.
api::Response remove_library_media(HubContext& hub, const api::Request& r);

// GET /api/v1/playlists: the hub's playlists; PUT /api/v1/playlists/{id} {title, items}
// (201 made, 200 replaced); DELETE /api/v1/playlists/{id}.
api::Response list_playlists(HubContext& hub, const api::Request& r);
api::Response put_playlist(HubContext& hub, const api::Request& r);
api::Response remove_playlist(HubContext& hub, const api::Request& r);

// GET /api/v1/holidays: the days off in force (the hub's and province.toml's);
// POST /api/v1/holidays {day, name} and DELETE /api/v1/holidays/{day}: the admin's.
api::Response list_holidays(HubContext& hub, const api::Request& r);
api::Response add_holiday(HubContext& hub, const api::Request& r);
api::Response remove_holiday(HubContext& hub, const api::Request& r);

}  // namespace loaxa::hub
