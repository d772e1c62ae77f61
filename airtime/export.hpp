#pragma once
// Airtime rows as CSV (RFC 4180, UTF-8) and JSON, columns in docs/api.md's order.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "airtime/row.hpp"

namespace loaxa::airtime {

std::string csv_field(std::string_view value);
void append_csv_field(std::string& out, std::string_view value);
std::string airtime_csv_header();                          // with CRLF
std::string to_csv(const AirtimeRow& row);                 // with CRLF
void append_csv(std::string& out, const AirtimeRow& row);  // the same, onto out: no copies
boost::json::object to_json(const AirtimeRow& row);

}  // namespace loaxa::airtime
