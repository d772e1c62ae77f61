#include "common/password.hpp"

#include <sodium.h>

#include <stdexcept>

namespace loaxa {

std::string hash_password(const std::string& password) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("out of memory hashing a password");
  }
  return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
  if (sodium_init() < 0 || hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace loaxa
