#pragma once
// The kinds of failure a request can meet, beside std::invalid_argument (the caller's
// input is wrong): what it names does not exist, or it may not be done now. The HTTP
// server maps each kind to one status (http/server.hpp, error_answer); the CLI to its
// exit codes. Anything else thrown is the program's own failure.

#include <stdexcept>

namespace loaxa {

// What the request names is not there (404).
struct NotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// It is there but may not be done now or by this origin (409).
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The caller may not see or do this (403): a district user asking for another district.
struct Forbidden : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The caller is not who it says (401): an unknown box, a signature that does not verify.
struct Unauthenticated : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A service this program needs is down for now (503): the hub's database restarting.
// The caller tries again later; nothing was stored.
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace loaxa
