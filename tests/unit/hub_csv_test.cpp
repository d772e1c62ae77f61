// The commune list's CSV (RFC 4180 as spreadsheets write it).

#include <gtest/gtest.h>

#include "hub/csv.hpp"

namespace loaxa::hub {

TEST(HubCsv, QuotesCommasLineBreaksAndABomAsSpreadsheetsWriteThem) {
  const auto rows = parse_csv(
      "\xEF\xBB\xBFid,name\r\nbp-a,\"Đài xã Tân Phú, cụm 1\"\r\nbp-b,\"Nói \"\"to\"\"\nhai "
      "dòng\"\r\n\r\n",
      "xa.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].cells, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(rows[1].cells[1], "Đài xã Tân Phú, cụm 1");
  EXPECT_EQ(rows[2].cells[1], "Nói \"to\"\nhai dòng");
  EXPECT_EQ(rows[2].line, 3);
  EXPECT_EQ(csv_cell("Đài xã Tân Phú, cụm 1"), "\"Đài xã Tân Phú, cụm 1\"");
  EXPECT_EQ(csv_cell("Tân Phú"), "Tân Phú");
}

TEST(HubCsv, AQuoteLeftOpenOrTextAfterAClosingQuoteNamesTheLine) {
  try {
    parse_csv("id,name\nbp-a,\"never closed\n", "xa.csv");
    FAIL() << "accepted an open quote";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "xa.csv:2: a quoted field is never closed");
  }
  try {
    parse_csv("id,name\nbp-a,ok\nbp-b,\"x\"y\n", "xa.csv");
    FAIL() << "accepted text after a closing quote";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("xa.csv:3: text after a closing quote"),
              std::string::npos);
  }
}

}  // namespace loaxa::hub
