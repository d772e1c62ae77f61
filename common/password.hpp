#pragma once
// Passwords and tokens of people who log in (the box's and the hub's web UIs): Argon2id through
// libsodium's crypto_pwhash_str with its interactive limits, and the check.

#include <string>

namespace loaxa {

// Throws std::runtime_error when libsodium cannot initialise or memory runs out.
std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);
// A fresh random bearer token: 32 bytes as base64url (43 characters). Only its SHA-256 is
// ever stored. Throws std::runtime_error when there is no randomness.
std::string random_token();
// A line from standard input, not echoed (with `prompt` on stderr) when it is a terminal:
// a password typed on the server.
std::string read_secret(const char* prompt);

}  // namespace loaxa
