#include "cli/table.hpp"

#include <gtest/gtest.h>

namespace loaxa::cli {
namespace {

TEST(Table, WidthCountsCharactersNotBytes) {
  EXPECT_EQ(display_width("Thông báo"), 9u);
  EXPECT_EQ(display_width("Nhạc hiệu"), 9u);
  // Decomposed form: combining marks take no column.
  EXPECT_EQ(display_width("a\xCC\x81"), 1u);
}

TEST(Table, ColumnsLineUpWithDiacritics) {
  const std::string t =
      render_table({"KÊNH", "TIÊU ĐỀ"}, {{"loa", "Bản tin sáng"}, {"kiosk", "x"}});
  EXPECT_EQ(t,
            "KÊNH   TIÊU ĐỀ\n"
            "loa    Bản tin sáng\n"
            "kiosk  x\n");
}

}  // namespace
}  // namespace loaxa::cli
