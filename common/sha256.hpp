#pragma once
// SHA-256 (libsodium) as lowercase hex: for the airtime hash chain and media store.

#include <filesystem>
#include <string>
#include <string_view>

namespace loaxa {

std::string sha256_hex(std::string_view data);
// Hashes a file in chunks. Throws std::runtime_error when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

// SHA-256 fed piece by piece (a download hashed as it arrives).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  // Feeds a file's bytes (e.g. the part of a download already on disk).
  void update_file(const std::filesystem::path& path);
  std::string hex();  // once

 private:
  void* ctx_;
};

// A fresh UUIDv7 (RFC 9562): time-ordered, globally unique, for airtime row ids.
std::string uuid_v7();

}  // namespace loaxa
