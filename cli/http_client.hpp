#pragma once
// A small blocking HTTP client (Boost.Beast) for the CLI's online verbs.

#include <functional>
#include <string>
#include <string_view>

namespace loaxa::cli {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Percent-escapes everything but unreserved characters (and ':'), for query values.
std::string url_escape(const std::string& value);

using BodySink = std::function<void(std::string_view)>;

// GET base_url + target. With a sink, a 2xx body is handed over piece by piece as it
// arrives (and not kept in the result). Throws std::runtime_error saying what failed (unreachable
// daemon, bad URL) and how to fix it.
HttpResult http_get(const std::string& base_url, const std::string& target,
                    const std::string& token, const BodySink& sink = nullptr);
// POST (actions such as /api/v1/sync); a non-empty body goes as JSON.
HttpResult http_post(const std::string& base_url, const std::string& target,
                     const std::string& token, const std::string& json_body = "");
// PUT with a file as the raw body, streamed from disk.
HttpResult http_put_file(const std::string& base_url, const std::string& target,
                         const std::string& token, const std::string& file);
HttpResult http_delete(const std::string& base_url, const std::string& target,
                       const std::string& token);
// The words of an API error answer ({"error": {"message": ...}}), else its body.
std::string error_message(const HttpResult& r);
// Prints the answer's error on stderr; the exit code for it: 2 when the request was
// wrong (400, 404, 409, 413, 422), 1 otherwise (401, 403, 5xx).
int report_failure(const HttpResult& r);

}  // namespace loaxa::cli
