#include "hub/csv.hpp"

#include <stdexcept>

namespace loaxa::hub {

std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string cell;
  int line = 1;
  row.line = 1;
  bool quoted = false, after_quote = false, any = false;
  auto end_cell = [&] {
    row.cells.push_back(std::move(cell));
    cell.clear();
    after_quote = false;
  };
  auto end_row = [&] {
    end_cell();
    if (!(row.cells.size() == 1 && row.cells[0].empty())) rows.push_back(std::move(row));
    row = CsvRow{};
    row.line = line;
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == ',') {
      end_cell();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      ++line;
      end_row();
    } else if (c == '"' && cell.empty() && !after_quote) {
      quoted = true;
    } else if (after_quote) {
      throw std::invalid_argument(file + ":" + std::to_string(line) +
                                  ": text after a closing quote (write \"\" for a quote inside "
                                  "a quoted field)");
    } else {
      cell += c;
    }
    any = true;
  }
  if (quoted) {
    throw std::invalid_argument(file + ":" + std::to_string(row.line) +
                                ": a quoted field is never closed");
  }
  if (any || !cell.empty() || !row.cells.empty()) end_row();
  return rows;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace loaxa::hub
