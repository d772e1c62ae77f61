#pragma once
// RFC 4180 CSV as the province's spreadsheets export it (UTF-8, a BOM allowed, CRLF or
// LF, quoted fields with "" for a quote and line breaks inside): the commune list.

#include <string>
#include <string_view>
#include <vector>

namespace loaxa::hub {

struct CsvRow {
  int line = 0;  // where the record starts, 1-based
  std::vector<std::string> cells;
};

// Throws std::invalid_argument naming FILE:LINE for a quote left open or text after a
// closing quote.
std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file);
// A field quoted when it must be.
std::string csv_cell(const std::string& s);

}  // namespace loaxa::hub
