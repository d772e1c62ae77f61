#pragma once
// SHA-256 (OpenSSL EVP) as lowercase hex: for the airtime hash chain and media store.

#include <filesystem>
#include <string>
#include <string_view>

namespace loaxa::store {

std::string sha256_hex(std::string_view data);
// Hashes a file in chunks. Throws std::runtime_error when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

// A fresh UUIDv7 (RFC 9562): time-ordered, globally unique, for airtime row ids.
std::string uuid_v7();

}  // namespace loaxa::store
