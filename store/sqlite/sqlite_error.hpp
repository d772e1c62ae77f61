#pragma once
#include <stdexcept>
#include <string>

namespace loaxa::store::sqlite {

// A failed SQLite call, with its result code and the library's message.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace loaxa::store::sqlite
