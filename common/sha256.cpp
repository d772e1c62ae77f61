#include "common/sha256.hpp"

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>

// libsodium, not OpenSSL: the daemon links libcrypto for TLS, but its first digest or
// random byte (every airtime row hashes and draws a UUID) initialises OpenSSL's
// providers and random generator, 2 MiB of a small box's memory that a box with no
// TLS never needs (measured: libcrypto's resident pages 1.4 → 3.4 MiB).
namespace loaxa {
namespace {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

std::string to_hex(const std::array<unsigned char, crypto_hash_sha256_BYTES>& md) {
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> out{};
  sodium_bin2hex(out.data(), out.size(), md.data(), md.size());
  return std::string(out.data(), crypto_hash_sha256_BYTES * 2);
}

}  // namespace

Sha256::Sha256() : ctx_(new crypto_hash_sha256_state) {
  init();
  crypto_hash_sha256_init(static_cast<crypto_hash_sha256_state*>(ctx_));
}

Sha256::~Sha256() {
  delete static_cast<crypto_hash_sha256_state*>(ctx_);
}

void Sha256::update(std::string_view data) {
  crypto_hash_sha256_update(static_cast<crypto_hash_sha256_state*>(ctx_),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

void Sha256::update_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::array<char, 65536> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    update(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw std::runtime_error("read error in " + path.string());
}

std::string Sha256::hex() {
  auto* state = static_cast<crypto_hash_sha256_state*>(ctx_);
  std::array<unsigned char, crypto_hash_sha256_BYTES> md{};
  crypto_hash_sha256_final(state, md.data());
  crypto_hash_sha256_init(state);  // stays usable, as a fresh hash
  return to_hex(md);
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

std::string sha256_file_hex(const std::filesystem::path& path) {
  Sha256 h;
  h.update_file(path);
  return h.hex();
}

std::string uuid_v7() {
  std::array<unsigned char, 16> b{};
  init();
  randombytes_buf(b.data(), b.size());
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x70);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

}  // namespace loaxa
