#pragma once
// Who may use the API and what they did: tokens made on the box (stored as SHA-256,
// never in clear), login sessions, and the audit trail.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/password.hpp"
#include "store/sqlite/database.hpp"

namespace loaxa::store {

struct TokenRecord {
  std::string name;
  std::string role;  // admin | operator | viewer
  std::string created_at;
  std::string created_by;
  std::optional<std::int64_t> expires_ms;  // login sessions only
};

struct AuditRecord {
  std::int64_t id = 0;
  std::string at;  // UTC, ISO 8601
  std::string who;
  std::string remote;
  std::string action;  // e.g. emergency.start, media.delete, token.create
  std::string detail;
};

class Access {
 public:
  explicit Access(sqlite::Database& db) : db_(db) {}

  // A fresh random token (32 bytes, base64url) under `name`; only its hash is stored.
  // Throws std::invalid_argument when the name is taken or the role unknown.
  std::string create_token(const std::string& name, const std::string& role, const std::string& by,
                           std::optional<std::int64_t> expires_ms = std::nullopt);
  // False when there is no token of that name.
  bool revoke_token(const std::string& name);
  std::vector<TokenRecord> tokens();
  // The live token with this SHA-256 (lowercase hex), if any; expired sessions are not.
  std::optional<TokenRecord> find(const std::string& sha256_hex, std::int64_t now_ms);
  bool any_token();
  // Removes login sessions whose time is over.
  void drop_expired(std::int64_t now_ms);

  void audit(const std::string& who, const std::string& remote, const std::string& action,
             const std::string& detail);
  // Newest first, at most `limit`.
  std::vector<AuditRecord> audit_log(int limit);

 private:
  sqlite::Database& db_;
};

using loaxa::hash_password;  // common/password.hpp
using loaxa::random_token;
using loaxa::verify_password;

bool valid_role(const std::string& role);
// admin 3, operator 2, viewer 1, anything else 0.
int role_rank(const std::string& role);

}  // namespace loaxa::store
