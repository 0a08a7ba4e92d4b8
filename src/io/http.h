// HttpClient: one libcurl handle, reused so that requests to the same host share
// a connection. Not thread-safe: one client per thread or per stream.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/sigv4.h"

namespace fanout::io {

struct HttpRequest {
  std::string method = "GET";
  std::string origin;   // "http://127.0.0.1:9000", "https://bucket.s3.us-east-1.amazonaws.com"
  std::string target;   // sent verbatim on the request line: "/bucket/key%20x?list-type=2"
  HeaderList headers;   // sent as given (Host comes from `origin`)
  long connect_timeout_ms = 10000;
  long stall_timeout_s = 30;  // abort a transfer that moves no byte for this long
  const std::atomic<bool>* cancel = nullptr;  // when set, abort the transfer (an IoError)
  std::string_view body;  // sent with PUT/POST (the caller keeps it alive)
};

struct HttpResponse;

// Called once for a 2xx response whose headers are complete, before any of its
// body goes to on_body; returning false aborts the transfer (Send then fails).
using OnResponse = std::function<bool(const HttpResponse&)>;

struct HttpResponse {
  long status = 0;
  HeaderList headers;  // names lower-cased, values trimmed
  std::string body;    // unless the caller took the body as it came

  // The value of header `name` (lower case), or empty.
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request. The body of a 2xx response goes to `on_body` as it
  // arrives when that is set (returning false aborts the transfer); any other
  // body (an error document) goes into HttpResponse::body. Any
  // status is a successful exchange; an error means no complete response (a
  // network failure, a reset, a stall, a truncated body, or on_body or
  // on_response stopping it), and names the origin (RedactUrl: no password).
  // *body_bytes (if given) counts the body bytes delivered, also on error.
  Result<HttpResponse> Send(const HttpRequest& request,
                            const std::function<bool(const char*, size_t)>& on_body = nullptr,
                            uint64_t* body_bytes = nullptr, const OnResponse& on_response = nullptr);

 private:
  void* curl_;  // CURL*
};

}  // namespace fanout::io
