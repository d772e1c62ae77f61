#pragma once
// Where each open airtime row has got to, kept between the fsynced checkpoints: a small
// file overwritten in place about every half second, never fsynced. The kernel keeps
// what was written when the process dies (a crash, SIGKILL, the watchdog), so the next
// start closes an interrupted row within a second of what really aired; a power cut
// falls back to the database's checkpoint. The kernel coalesces the writes: one page
// reaches the SD card per writeback interval while something plays, nothing when idle.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace loaxa::store {

class PositionFile {
 public:
  explicit PositionFile(std::filesystem::path file);
  ~PositionFile();
  PositionFile(const PositionFile&) = delete;
  PositionFile& operator=(const PositionFile&) = delete;

  // Row id -> position (ms) as last written; empty when there is no file.
  std::map<std::string, std::int64_t> read() const;
  // Replaces what is kept (an empty map: nothing plays). Errors are ignored: the
  // database's checkpoint still holds.
  void write(const std::map<std::string, std::int64_t>& positions);

 private:
  std::filesystem::path file_;
  int fd_ = -1;
  std::size_t written_ = 0;  // bytes of the last write (a shorter one pads over them)
};

}  // namespace loaxa::store
