#pragma once
// A small blocking HTTP client (Boost.Beast) for the CLI's online verbs.

#include <string>

namespace loaxa::cli {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Percent-escapes everything but unreserved characters (and ':'), for query values.
std::string url_escape(const std::string& value);

// GET base_url + target. Throws std::runtime_error saying what failed (unreachable
// daemon, bad URL) and how to fix it.
HttpResult http_get(const std::string& base_url, const std::string& target,
                    const std::string& token);

}  // namespace loaxa::cli
