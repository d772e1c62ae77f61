#pragma once
// Aligned text tables for people; widths count characters, not bytes, so Vietnamese
// with diacritics lines up.

#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace loaxa::cli {

std::size_t display_width(const std::string& utf8);
// A JSON value as a table cell: strings as they are, null empty, numbers with
// `decimals` places, anything else as JSON.
std::string cell(const boost::json::value& v, int decimals = 3);
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace loaxa::cli
