#pragma once
// The hub's emergency routes (docs/hub.md, "Emergencies and receipts" and "Issuing
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

}  // namespace loaxa::hub
