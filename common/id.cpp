#include "common/id.hpp"

#include <cctype>
#include <string_view>
#include <utility>

namespace loaxa {

namespace fs = std::filesystem;

std::string id_from_name(std::string_view name) {
  // Vietnamese letters folded to ASCII so ids stay typeable on any keyboard.
  static const std::pair<const char*, const char*> folds[] = {
      {"à", "a"}, {"á", "a"}, {"ả", "a"}, {"ã", "a"}, {"ạ", "a"}, {"ă", "a"}, {"ằ", "a"},
      {"ắ", "a"}, {"ẳ", "a"}, {"ẵ", "a"}, {"ặ", "a"}, {"â", "a"}, {"ầ", "a"}, {"ấ", "a"},
      {"ẩ", "a"}, {"ẫ", "a"}, {"ậ", "a"}, {"è", "e"}, {"é", "e"}, {"ẻ", "e"}, {"ẽ", "e"},
      {"ẹ", "e"}, {"ê", "e"}, {"ề", "e"}, {"ế", "e"}, {"ể", "e"}, {"ễ", "e"}, {"ệ", "e"},
      {"ì", "i"}, {"í", "i"}, {"ỉ", "i"}, {"ĩ", "i"}, {"ị", "i"}, {"ò", "o"}, {"ó", "o"},
      {"ỏ", "o"}, {"õ", "o"}, {"ọ", "o"}, {"ô", "o"}, {"ồ", "o"}, {"ố", "o"}, {"ổ", "o"},
      {"ỗ", "o"}, {"ộ", "o"}, {"ơ", "o"}, {"ờ", "o"}, {"ớ", "o"}, {"ở", "o"}, {"ỡ", "o"},
      {"ợ", "o"}, {"ù", "u"}, {"ú", "u"}, {"ủ", "u"}, {"ũ", "u"}, {"ụ", "u"}, {"ư", "u"},
      {"ừ", "u"}, {"ứ", "u"}, {"ử", "u"}, {"ữ", "u"}, {"ự", "u"}, {"ỳ", "y"}, {"ý", "y"},
      {"ỷ", "y"}, {"ỹ", "y"}, {"ỵ", "y"}, {"đ", "d"}, {"Đ", "d"}};
  std::string stem(name);
  for (const auto& [from, to] : folds) {
    for (std::size_t pos; (pos = stem.find(from)) != std::string::npos;) {
      stem.replace(pos, std::string_view(from).size(), to);
    }
  }
  std::string id;
  for (char ch : stem) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) && c < 128) {
      id.push_back(static_cast<char>(std::tolower(c)));
    } else if (!id.empty() && id.back() != '-') {
      id.push_back('-');
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() > 64) id.resize(64);
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id;
}

std::string id_from_filename(const fs::path& file) {
  std::string id = id_from_name(file.stem().string());
  return id.empty() ? "media" : id;
}

}  // namespace loaxa
