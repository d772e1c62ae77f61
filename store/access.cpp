#include "store/access.hpp"

#include <sodium.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "common/sha256.hpp"

namespace loaxa::store {

namespace {

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A row of SELECT name, role, created_at, created_by, expires_ms.
TokenRecord read_token(const sqlite::Statement& st) {
  TokenRecord t;
  t.name = st.text(0);
  t.role = st.text(1);
  t.created_at = st.text(2);
  t.created_by = st.text(3);
  if (!st.is_null(4)) t.expires_ms = st.int64(4);
  return t;
}

}  // namespace

void Access::drop_expired(std::int64_t now_ms) {
  db_.prepare("DELETE FROM api_token WHERE expires_ms IS NOT NULL AND expires_ms <= ?")
      .bind(1, now_ms)
      .run();
}

bool valid_role(const std::string& role) {
  return role_rank(role) > 0;
}

int role_rank(const std::string& role) {
  if (role == "admin") return 3;
  if (role == "operator") return 2;
  if (role == "viewer") return 1;
  return 0;
}

std::string Access::create_token(const std::string& name, const std::string& role,
                                 const std::string& by, std::optional<std::int64_t> expires_ms) {
  if (name.empty() || name.size() > 64) {
    throw std::invalid_argument("name: give 1 to 64 characters, e.g. \"huyen-noi-vu\"");
  }
  if (!valid_role(role)) {
    throw std::invalid_argument("role \"" + role + "\": use admin, operator or viewer");
  }
  {
    auto st = db_.prepare("SELECT 1 FROM api_token WHERE name = ?");
    st.bind(1, name);
    if (st.step()) {
      throw std::invalid_argument("a token named \"" + name +
                                  "\" exists; revoke it first or choose another name");
    }
  }
  std::string token = random_token();
  auto st = db_.prepare(
      "INSERT INTO api_token(name, role, sha256, created_at, created_by, expires_ms) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  st.bind(1, name).bind(2, role).bind(3, sha256_hex(token)).bind(4, utc_now()).bind(5, by);
  st.bind(6, expires_ms).run();
  return token;
}

bool Access::revoke_token(const std::string& name) {
  db_.prepare("DELETE FROM api_token WHERE name = ?").bind(1, name).run();
  return db_.changes() > 0;
}

std::vector<TokenRecord> Access::tokens() {
  std::vector<TokenRecord> out;
  auto st = db_.prepare(
      "SELECT name, role, created_at, created_by, expires_ms FROM api_token ORDER BY name");
  while (st.step()) out.push_back(read_token(st));
  return out;
}

std::optional<TokenRecord> Access::find(const std::string& sha256_hex, std::int64_t now_ms) {
  auto st = db_.prepare(
      "SELECT name, role, created_at, created_by, expires_ms FROM api_token WHERE sha256 = ?");
  st.bind(1, sha256_hex);
  if (!st.step()) return std::nullopt;
  TokenRecord t = read_token(st);
  if (t.expires_ms && *t.expires_ms <= now_ms) return std::nullopt;
  return t;
}

bool Access::any_token() {
  auto st = db_.prepare("SELECT 1 FROM api_token WHERE expires_ms IS NULL LIMIT 1");
  return st.step();
}

void Access::audit(const std::string& who, const std::string& remote, const std::string& action,
                   const std::string& detail) {
  db_.prepare("INSERT INTO audit(at, who, remote, action, detail) VALUES (?, ?, ?, ?, ?)")
      .bind(1, utc_now())
      .bind(2, who)
      .bind(3, remote)
      .bind(4, action)
      .bind(5, detail)
      .run();
}

std::vector<AuditRecord> Access::audit_log(int limit) {
  std::vector<AuditRecord> out;
  auto st =
      db_.prepare("SELECT id, at, who, remote, action, detail FROM audit ORDER BY id DESC LIMIT ?");
  st.bind(1, static_cast<std::int64_t>(limit));
  while (st.step()) {
    AuditRecord a;
    a.id = st.int64(0);
    a.at = st.text(1);
    a.who = st.text(2);
    a.remote = st.text(3);
    a.action = st.text(4);
    a.detail = st.text(5);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace loaxa::store
