// Playlists as real USB sticks hold them: made on Windows (backslashes, the PC's own
// absolute paths), names a Mac wrote in NFD, FAT sticks that ignore case, PLS, XSPF and
// plain folders. Every missing entry is named at once, with its line.

#include "cli/playlist_file.hpp"

#include <glib.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "cli/args.hpp"

namespace loaxa::cli {
namespace {

namespace fs = std::filesystem;

class PlaylistFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("loaxa-playlist-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path touch(const fs::path& rel) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << "RIFF";
    return dir_ / rel;
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  static std::string nfd(const std::string& s) {
    gchar* n = g_utf8_normalize(s.c_str(), -1, G_NORMALIZE_NFD);
    std::string out(n);
    g_free(n);
    return out;
  }
  static std::vector<std::string> names(const std::vector<PlaylistEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(fs::path(e.path).filename().string());
    return out;
  }
  fs::path dir_;
};

TEST_F(PlaylistFile, AWindowsM3u8WithBackslashesImports) {
  touch("Ban tin/tin-sang.wav");
  touch("nhac-hieu.wav");
  const auto list =
      write("Bản tin.m3u8", "\xEF\xBB\xBF#EXTM3U\r\nnhac-hieu.wav\r\nBan tin\\tin-sang.wav\r\n");
  const auto entries = read_playlist(list.string());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].path, (dir_ / "Ban tin" / "tin-sang.wav").string());
  EXPECT_EQ(entries[1].line, 3);
}

TEST_F(PlaylistFile, ThePcsOwnAbsolutePathIsFoundBesideThePlaylist) {
  touch("Ban tin/tin-sang.wav");
  const auto list = write("a.m3u", "C:\\Users\\Can bo\\Documents\\Ban tin\\tin-sang.wav\n");
  EXPECT_EQ(read_playlist(list.string())[0].path, (dir_ / "Ban tin" / "tin-sang.wav").string());
}

TEST_F(PlaylistFile, ANameTheMacWroteInNfdMatchesThePlaylistsNfc) {
  const std::string name = "Thông báo cải cách.wav";  // NFC, as this file is written
  ASSERT_NE(nfd(name), name);
  touch(nfd(name));
  const auto list = write("a.m3u8", name + "\n");
  const auto entries = read_playlist(list.string());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].path, (dir_ / nfd(name)).string());
  // And the other way round: an NFD playlist, an NFC file.
  touch("Tiếp nhận hồ sơ.wav");
  EXPECT_EQ(read_playlist(write("b.m3u8", nfd("Tiếp nhận hồ sơ.wav") + "\n").string())[0].path,
            (dir_ / "Tiếp nhận hồ sơ.wav").string());
}

TEST_F(PlaylistFile, LetterCaseIsIgnoredOnlyWhenExactlyOneFileFits) {
  touch("BAN TIN/Tin-Sang.WAV");
  EXPECT_EQ(read_playlist(write("a.m3u", "ban tin/tin-sang.wav\n").string())[0].path,
            (dir_ / "BAN TIN" / "Tin-Sang.WAV").string());
  touch("Hai.wav");
  touch("HAI.wav");
  EXPECT_THROW(read_playlist(write("b.m3u", "hai.WAV\n").string()), BadInput);
  // An exact name is never ambiguous.
  EXPECT_EQ(read_playlist(write("c.m3u", "HAI.wav\n").string())[0].path,
            (dir_ / "HAI.wav").string());
}

TEST_F(PlaylistFile, EveryMissingEntryIsNamedAtOnceWithItsLine) {
  touch("co.wav");
  const auto list = write("hong.m3u",
                          "#EXTM3U\nco.wav\nkhong-co-1.wav\nco.wav\nthu-muc\\khong-co-2.wav\n"
                          "http://dai.example/luong\n");
  try {
    read_playlist(list.string());
    FAIL() << "no error";
  } catch (const BadInput& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("hong.m3u:3: \"khong-co-1.wav\" does not exist"), std::string::npos) << m;
    EXPECT_NE(m.find("hong.m3u:5: \"thu-muc\\khong-co-2.wav\" does not exist"), std::string::npos)
        << m;
    EXPECT_NE(m.find("hong.m3u:6: \"http://dai.example/luong\" is a URL"), std::string::npos) << m;
    EXPECT_NE(m.find("3 entries cannot be imported"), std::string::npos) << m;
  }
}

TEST_F(PlaylistFile, PlsEntriesGoInTheirNumbersOrder) {
  touch("a.wav");
  touch("b.wav");
  const auto list = write("list.pls",
                          "[playlist]\r\nFile2=b.wav\r\nTitle2=B\r\nfile1=a.wav\r\n"
                          "NumberOfEntries=2\r\nVersion=2\r\n");
  const auto entries = read_playlist(list.string());
  EXPECT_EQ(names(entries), (std::vector<std::string>{"a.wav", "b.wav"}));
  EXPECT_EQ(entries[0].line, 4);
  EXPECT_THROW(read_playlist(write("bad.pls", "[playlist]\nFile1=khong.wav\n").string()), BadInput);
}

TEST_F(PlaylistFile, XspfLocationsAreUrisRelativeOrFile) {
  touch("Ban tin/tin sáng.wav");
  touch("nhac-hieu.wav");
  const auto list =
      write("list.xspf",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n"
            "  <trackList>\n"
            "    <track><location>nhac-hieu.wav</location></track>\n"
            "    <track><title>Tin</title>\n"
            "      <location>file:///C:/Users/x/Ban%20tin/tin%20s%C3%A1ng.wav</location>\n"
            "    </track>\n"
            "    <track><location>khong-co.wav</location></track>\n"
            "  </trackList>\n"
            "</playlist>\n");
  try {
    read_playlist(list.string());
    FAIL() << "no error";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("list.xspf:8: \"khong-co.wav\""), std::string::npos)
        << e.what();
  }
  touch("khong-co.wav");
  const auto entries = read_playlist(list.string());
  EXPECT_EQ(names(entries),
            (std::vector<std::string>{"nhac-hieu.wav", "tin sáng.wav", "khong-co.wav"}));
  EXPECT_EQ(entries[1].line, 6);

  try {
    read_playlist(write("hong.xspf", "<playlist>\n<trackList>\n<track>\n</playlist>\n").string());
    FAIL() << "no error";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("hong.xspf:4: not well-formed XSPF"), std::string::npos)
        << e.what();
  }
}

TEST_F(PlaylistFile, AFolderIsItsMediaFilesInNameOrder) {
  touch("usb/02 Tin chiều.ogg");
  touch("usb/01 Nhạc hiệu.wav");
  touch("usb/03 Bản tin.png");
  touch("usb/Thumbs.db");
  touch("usb/.an.wav");
  touch("usb/ghi-chu.txt");
  EXPECT_EQ(names(read_playlist((dir_ / "usb").string())),
            (std::vector<std::string>{"01 Nhạc hiệu.wav", "02 Tin chiều.ogg", "03 Bản tin.png"}));
  fs::create_directories(dir_ / "rong");
  EXPECT_THROW(read_playlist((dir_ / "rong").string()), BadInput);
}

}  // namespace
}  // namespace loaxa::cli
