#include "common/durable.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace loaxa {

namespace fs = std::filesystem;

void fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw std::system_error(err, std::generic_category(), "fsync " + path.string());
}

namespace {

void publish(const fs::path& tmp, const fs::path& to) {
  fsync_path(tmp);
  fs::rename(tmp, to);
  fsync_path(to.parent_path().empty() ? fs::path(".") : to.parent_path());
}

}  // namespace

void write_durably(const fs::path& to, const std::function<void(std::ostream&)>& fill) {
  const fs::path tmp = to.string() + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      const int err = errno;
      throw std::runtime_error("cannot create " + tmp.string() + ": " +
                               std::generic_category().message(err));
    }
    fill(out);
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string() + " (disk full?)");
  }
  publish(tmp, to);
}

void copy_durably(const fs::path& from, const fs::path& to) {
  const fs::path tmp = to.string() + ".part";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
  publish(tmp, to);
}

}  // namespace loaxa
