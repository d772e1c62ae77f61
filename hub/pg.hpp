#pragma once
// A thin wrapper of libpq for the hub: one connection, statements with text parameters
// ($1, $2, ...), results read by row and column, transactions that roll back unless
// committed. A connection that drops (PostgreSQL restarting) is reset at the next call;
// a call that meets it down throws Unavailable (the caller answers 503 and the box
// sends again later).

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loaxa::hub::pg {

// A parameter as PostgreSQL's text form; nullopt is NULL.
using Param = std::optional<std::string>;
Param text(std::string_view s);
Param num(std::int64_t v);
Param real(double v);
Param boolean(bool v);
// A one-dimensional array in PostgreSQL's text form ({"a","b",NULL}), for statements
// that take a batch at once through unnest($n::text[]).
Param array(const std::vector<Param>& items);
template <class T>
Param opt(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  if constexpr (std::is_same_v<T, bool>)
    return boolean(*v);
  else if constexpr (std::is_floating_point_v<T>)
    return real(*v);
  else
    return num(*v);
}

class Result {
 public:
  explicit Result(PGresult* r) : r_(r, PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string str(int row, int col) const { return PQgetvalue(r_.get(), row, col); }
  std::int64_t int64(int row, int col) const;
  double real(int row, int col) const;
  bool boolean(int row, int col) const { return str(row, col) == "t"; }
  std::optional<std::int64_t> opt_int64(int row, int col) const;
  std::optional<double> opt_real(int row, int col) const;
  std::int64_t affected() const;

 private:
  std::shared_ptr<PGresult> r_;
};

class Connection {
 public:
  // Connects (libpq connection string or URI). Throws Unavailable naming the database
  // and libpq's reason.
  explicit Connection(std::string conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement. Throws Unavailable when the server cannot be reached (the
  // connection is reset before the next call), std::runtime_error with PostgreSQL's
  // message otherwise.
  Result exec(const std::string& sql, const std::vector<Param>& params = {});
  // Several statements, no parameters (migrations, partitions); fails as exec does.
  void script(const std::string& sql);
  bool in_transaction() const;

 private:
  void ensure();
  // Throws as exec says when `raw` is not a success.
  void check(const PGresult* raw) const;
  std::string conninfo_;
  PGconn* conn_ = nullptr;
};

// Inside another transaction, a Transaction is part of it: the outer one commits or
// rolls back the whole.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& c_;
  bool nested_;
  bool done_ = false;
};

}  // namespace loaxa::hub::pg
