#include "sync/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "common/durable.hpp"

namespace loaxa::sync {
namespace {

void write_new_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    throw std::runtime_error("cannot create " + path.string() +
                             (err == EEXIST ? ": it exists already (keys are never overwritten; "
                                              "choose another --out)"
                                            : ": " + std::generic_category().message(err)));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::vector<char> out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL));
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  return out.data();
}

std::optional<std::vector<unsigned char>> base64_decode(std::string_view text, std::size_t size) {
  std::vector<unsigned char> out(size + 8);
  std::size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), " \t\r\n", &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != size) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

namespace {

std::vector<unsigned char> read_secret_key(const std::filesystem::path& key_file) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  std::ifstream in(key_file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + key_file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto sk = base64_decode(text, crypto_sign_SECRETKEYBYTES);
  sodium_memzero(text.data(), text.size());
  if (!sk) {
    throw std::runtime_error(key_file.string() +
                             " is not a secret key written by `loaxa keygen` (base64 of 64 bytes)");
  }
  return std::move(*sk);
}

}  // namespace

std::string public_key_of_key_file(const std::filesystem::path& key_file) {
  auto sk = read_secret_key(key_file);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(pk, sk.data());
  sodium_memzero(sk.data(), sk.size());
  return base64_encode(pk, sizeof pk);
}

bool verify_signature(std::string_view bytes, std::string_view signature_b64,
                      std::string_view public_key_b64) {
  if (sodium_init() < 0) return false;
  const auto sig = base64_decode(signature_b64, crypto_sign_BYTES);
  const auto pk = base64_decode(public_key_b64, crypto_sign_PUBLICKEYBYTES);
  if (!sig || !pk) return false;
  return crypto_sign_verify_detached(sig->data(),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     bytes.size(), pk->data()) == 0;
}

std::string sign_with_key_file(std::string_view bytes, const std::filesystem::path& key_file) {
  auto sk = read_secret_key(key_file);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size(), sk.data());
  sodium_memzero(sk.data(), sk.size());
  return base64_encode(sig, sizeof sig) + "\n";
}

std::string generate_keypair(const std::filesystem::path& prefix) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::string pub = base64_encode(pk, sizeof pk);
  std::string sec = base64_encode(sk, sizeof sk) + "\n";
  sodium_memzero(sk, sizeof sk);
  write_new_file(prefix.string() + ".key", sec, 0600);
  sodium_memzero(sec.data(), sec.size());
  write_new_file(prefix.string() + ".pub", pub + "\n", 0644);
  return pub;
}

void write_signed_manifest(const std::filesystem::path& dir, const std::string& bytes,
                           const std::filesystem::path& key_file) {
  namespace fs = std::filesystem;
  const std::string signature = sign_with_key_file(bytes, key_file);
  write_durably(dir / "manifest.json.sig", [&](std::ostream& o) { o << signature; });
  std::error_code ec;
  const auto old_mtime = fs::last_write_time(dir / "manifest.json", ec);
  write_durably(dir / "manifest.json", [&](std::ostream& o) { o << bytes; });
  if (!ec && fs::last_write_time(dir / "manifest.json") <= old_mtime + std::chrono::seconds(1)) {
    fs::last_write_time(dir / "manifest.json", old_mtime + std::chrono::seconds(1));
  }
}

}  // namespace loaxa::sync
