#include "store/positions.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace loaxa::store {

PositionFile::PositionFile(std::filesystem::path file) : file_(std::move(file)) {
  // Opened once, at start: the descriptor count stays flat from the first minute, and a
  // state_dir that cannot take the file is seen at start. What the last run left stays
  // for read(); the first write pads over all of it.
  fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  struct stat st {};
  if (fd_ >= 0 && ::fstat(fd_, &st) == 0) written_ = static_cast<std::size_t>(st.st_size);
}

PositionFile::~PositionFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::map<std::string, std::int64_t> PositionFile::read() const {
  std::map<std::string, std::int64_t> out;
  std::ifstream in(file_);
  std::string id;
  std::int64_t ms = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    if (fields >> id >> ms && ms >= 0) out[id] = ms;
  }
  return out;
}

void PositionFile::write(const std::map<std::string, std::int64_t>& positions) {
  if (positions.empty() && written_ == 0) return;  // nothing kept, nothing to clear
  if (fd_ < 0) return;
  std::string text;
  for (const auto& [id, ms] : positions) text += id + " " + std::to_string(ms) + "\n";
  // One pwrite at offset 0, padded with newlines over what a longer write left: a
  // process that dies at any moment leaves either the old lines or the new ones.
  const std::size_t length = text.size();
  if (text.size() < written_) text.append(written_ - text.size(), '\n');
  if (::pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size())) {
    written_ = length;
  }
}

}  // namespace loaxa::store
