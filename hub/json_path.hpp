// Walking a box's status document (JSON sent by loaxad) by a path of keys, for the
// hub's alerts and its fleet view. Missing keys and non-objects on the way give
// "absent", never an exception: a box of an older version may lack a field.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>

namespace loaxa::hub {

// The value at `path` under `o` (o may be null), or null when any step is missing.
inline const boost::json::value* find_at(const boost::json::object* o,
                                         std::initializer_list<const char*> path) {
  const boost::json::value* v = nullptr;
  for (const char* key : path) {
    if (!o) return nullptr;
    v = o->if_contains(key);
    if (!v) return nullptr;
    o = v->if_object();
  }
  return v;
}

// The number at `path`, truncated to an integer, or `fallback` when absent or not a number.
inline std::int64_t number_at(const boost::json::object& o, std::initializer_list<const char*> path,
                              std::int64_t fallback) {
  const boost::json::value* v = find_at(&o, path);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return fallback;
}

}  // namespace loaxa::hub
