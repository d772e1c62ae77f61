#pragma once
// Ed25519 keys (libsodium) for signing province manifests.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loaxa::sync {

// Writes PREFIX.key (secret, mode 0600) and PREFIX.pub (one line: base64 of the
// 32-byte public key, as [sync] public_keys takes it). Returns the public key.
// Throws std::runtime_error, never overwriting an existing key.
std::string generate_keypair(const std::filesystem::path& prefix);

std::string base64_encode(const unsigned char* data, std::size_t size);
// Exactly `size` bytes from base64 (whitespace ignored), or nullopt.
std::optional<std::vector<unsigned char>> base64_decode(std::string_view text, std::size_t size);

// The detached Ed25519 signature of `bytes` by the secret key in `key_file` (as
// `keygen` writes it), base64 and a newline, as manifest.json.sig holds it.
// Throws std::runtime_error when the key file is unreadable or not a key.
std::string sign_with_key_file(std::string_view bytes, const std::filesystem::path& key_file);

// Writes `bytes` as DIR/manifest.json with its signature by `key_file` beside it
// (manifest.json.sig), each durably. The .sig goes first: a box that reads the new
// signature with the old manifest refuses once and takes the pair at its next poll. A
// rewrite within the same second still moves the file's time forward (web servers make
// ETag and Last-Modified from it). Throws std::runtime_error.
void write_signed_manifest(const std::filesystem::path& dir, const std::string& bytes,
                           const std::filesystem::path& key_file);

// The public half (base64, as `.pub` holds it) of a secret key file `keygen` wrote: what
// a box's enrolment on the hub needs. Throws std::runtime_error as sign_with_key_file.
std::string public_key_of_key_file(const std::filesystem::path& key_file);

// Whether `signature_b64` is the Ed25519 signature of `bytes` by `public_key_b64`; false
// for text that is not base64 of the right length.
bool verify_signature(std::string_view bytes, std::string_view signature_b64,
                      std::string_view public_key_b64);

}  // namespace loaxa::sync
