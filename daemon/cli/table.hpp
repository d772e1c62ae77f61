#pragma once
// Aligned text tables for people; widths count characters, not bytes, so Vietnamese
// with diacritics lines up.

#include <string>
#include <vector>

namespace loaxa::cli {

std::size_t display_width(const std::string& utf8);
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace loaxa::cli
