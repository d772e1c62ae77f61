#pragma once
// Ed25519 keys (libsodium) for signing province manifests.

#include <filesystem>
#include <string>

namespace loaxa::sync {

// Writes PREFIX.key (secret, mode 0600) and PREFIX.pub (one line: base64 of the
// 32-byte public key, as [sync] public_keys takes it). Returns the public key.
// Throws std::runtime_error, never overwriting an existing key.
std::string generate_keypair(const std::filesystem::path& prefix);

std::string base64_encode(const unsigned char* data, std::size_t size);

}  // namespace loaxa::sync
