#pragma once
// Passwords of people who log in (the box's and the hub's web UIs): Argon2id through
// libsodium's crypto_pwhash_str with its interactive limits, and the check.

#include <string>

namespace loaxa {

// Throws std::runtime_error when libsodium cannot initialise or memory runs out.
std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);

}  // namespace loaxa
