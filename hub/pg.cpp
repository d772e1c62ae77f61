#include "hub/pg.hpp"

#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "common/errors.hpp"

namespace loaxa::hub::pg {

Param text(std::string_view s) {
  return std::string(s);
}
Param num(std::int64_t v) {
  return std::to_string(v);
}
Param real(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string(buf);
}
Param boolean(bool v) {
  return std::string(v ? "t" : "f");
}

Param array(const std::vector<Param>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if (!items[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::int64_t Result::int64(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  std::int64_t out = 0;
  std::from_chars(v, v + std::char_traits<char>::length(v), out);
  return out;
}

double Result::real(int row, int col) const {
  return std::strtod(PQgetvalue(r_.get(), row, col), nullptr);
}

std::optional<std::int64_t> Result::opt_int64(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return int64(row, col);
}

std::optional<double> Result::opt_real(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return real(row, col);
}

std::int64_t Result::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

Connection::Connection(std::string conninfo) : conninfo_(std::move(conninfo)) {
  ensure();
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

void Connection::ensure() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return;
  if (conn_) {
    PQreset(conn_);
  } else {
    conn_ = PQconnectdb(conninfo_.c_str());
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn_);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw Unavailable("the hub's database cannot be reached (" + why + ")");
  }
  // PostgreSQL's notices ("relation ... already exists, skipping") are not the hub's.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  // Times and dates as the hub reads them back: ISO 8601, UTC.
  PQclear(PQexec(conn_, "SET TIME ZONE 'UTC'; SET datestyle = 'ISO, YMD'"));
}

Result Connection::exec(const std::string& sql, const std::vector<Param>& params) {
  ensure();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  Result r(raw);
  check(raw);
  return r;
}

void Connection::script(const std::string& sql) {
  ensure();
  PGresult* raw = PQexec(conn_, sql.c_str());
  Result r(raw);
  check(raw);
}

void Connection::check(const PGresult* raw) const {
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw Unavailable(std::string("the hub's database went away: ") + PQerrorMessage(conn_));
  }
  const auto st = PQresultStatus(raw);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
  std::string why = raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_);
  while (!why.empty() && why.back() == '\n') why.pop_back();
  const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  // Class 08 (connection) and 57P (operator intervention: a restart): try again later.
  // No SQLSTATE at all is libpq's own failure to talk to the server.
  if (!state || std::string_view(state).starts_with("08") ||
      std::string_view(state).starts_with("57P")) {
    throw Unavailable("the hub's database is not answering: " + why);
  }
  throw std::runtime_error("database: " + why);
}

bool Connection::in_transaction() const {
  return conn_ && PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

Transaction::Transaction(Connection& c) : c_(c), nested_(c.in_transaction()) {
  if (!nested_) c_.exec("BEGIN");
}

Transaction::~Transaction() {
  if (done_ || nested_) return;
  try {
    c_.exec("ROLLBACK");
  } catch (...) {  // a connection that went away has rolled back by itself
  }
}

void Transaction::commit() {
  if (!nested_) c_.exec("COMMIT");
  done_ = true;
}

}  // namespace loaxa::hub::pg
