#pragma once
// Airtime rows as CSV (RFC 4180, UTF-8) and JSON, columns in SPEC.md's order.

#include <boost/json/object.hpp>
#include <string>

#include "daemon/store/airtime_log.hpp"

namespace loaxa::store {

std::string csv_field(const std::string& value);
std::string airtime_csv_header();           // with CRLF
std::string to_csv(const AirtimeRow& row);  // with CRLF
boost::json::object to_json(const AirtimeRow& row);

}  // namespace loaxa::store
