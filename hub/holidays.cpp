// Days off set on the hub: the province's admin adds Tết or National Day once, and every
// box skips the schedules that ask for it. See issue.hpp.

#include <algorithm>
#include <boost/json.hpp>

#include "common/errors.hpp"
#include "hub/issue.hpp"

namespace loaxa::hub {

namespace json = boost::json;

std::int64_t Issuer::add_holiday(const std::string& day, const std::string& name,
                                 const Caller& caller, const std::string& served) {
  if (!caller.admin) {
    store_.audit(caller.who, caller.remote, "holiday.refused", day + ": only the province");
    throw Forbidden("days off are the province's: only its admin may set them");
  }
  std::string canonical;
  try {
    canonical = date::format("%F", scheduler::parse_date(day));
  } catch (const std::exception&) {
    throw std::invalid_argument("day: \"" + day + "\" is not a date such as 2027-09-02");
  }
  if (name.empty() || name.size() > 200) {
    throw std::invalid_argument("name: what the day is (1 to 200 bytes), e.g. \"Quốc khánh\"");
  }
  for (const auto& d : sync::parse_manifest(served).holidays) {
    if (d == canonical) throw Refused(canonical + " is already a day off in the manifest served");
  }
  auto& db = store_.db();
  pg::Transaction tx(db);
  db.exec(
      "INSERT INTO hub_holiday (day, name, added_by) VALUES ($1::date, $2, $3) ON CONFLICT "
      "(day) DO UPDATE SET name = $2, added_by = $3, added_at = now(), removed_at = NULL",
      {pg::text(canonical), pg::text(name), pg::text(caller.who)});
  const auto before = holidays_;
  std::erase_if(holidays_, [&](const HubHoliday& h) { return h.day == canonical; });
  holidays_.push_back({canonical, name, caller.who, false});
  std::sort(holidays_.begin(), holidays_.end(),
            [](const HubHoliday& a, const HubHoliday& b) { return a.day < b.day; });
  std::int64_t sequence = 0;
  try {
    sequence = write(served);
  } catch (...) {
    holidays_ = before;
    throw;
  }
  tx.commit();
  store_.audit(caller.who, caller.remote, "holiday.add", canonical + ": " + name);
  return sequence;
}

std::int64_t Issuer::remove_holiday(const std::string& day, const Caller& caller,
                                    const std::string& served) {
  if (!caller.admin) {
    store_.audit(caller.who, caller.remote, "holiday.refused", day + ": only the province");
    throw Forbidden("days off are the province's: only its admin may remove them");
  }
  auto it = std::find_if(holidays_.begin(), holidays_.end(),
                         [&](const HubHoliday& h) { return h.day == day && !h.removed; });
  if (it == holidays_.end()) {
    throw NotFound("no day off " + day +
                   " was set on this hub (those of province.toml are removed there)");
  }
  auto& db = store_.db();
  pg::Transaction tx(db);
  db.exec("UPDATE hub_holiday SET removed_at = now() WHERE day = $1::date", {pg::text(day)});
  it->removed = true;
  std::int64_t sequence = 0;
  try {
    sequence = write(served);
  } catch (...) {
    it->removed = false;
    throw;
  }
  tx.commit();
  store_.audit(caller.who, caller.remote, "holiday.remove", day + ": " + it->name);
  return sequence;
}

}  // namespace loaxa::hub
