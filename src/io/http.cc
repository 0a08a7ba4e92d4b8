#include "io/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "io/object_store.h"

namespace fanout::io {

namespace {

constexpr long kLowSpeedBytesPerSecond = 1;
// Bytes per receive: libcurl's 16 KiB default costs a system call and a callback
// per 16 KiB, which at GB/s is most of the work.
constexpr long kReceiveBufferBytes = 512 << 10;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  CURL* curl;
  HttpResponse* response;
  const std::function<bool(const char*, size_t)>* on_body;
  const OnResponse* on_response;
  uint64_t delivered = 0;
  const std::atomic<bool>* cancel = nullptr;
  bool answered = false;  // on_response has seen this response
  bool stopped = false;   // a callback refused the body
};

// Called by libcurl at least once a second during a transfer, also when idle.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancel != nullptr && t->cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  bool success = status >= 200 && status < 300;
  if (success && !t->answered) {
    t->answered = true;
    t->response->status = status;
    if (*t->on_response && !(*t->on_response)(*t->response)) {
      t->stopped = true;
      return 0;  // makes curl abort
    }
  }
  if (*t->on_body && success) {
    if (!(*t->on_body)(data, bytes)) {
      t->stopped = true;
      return 0;
    }
  } else {
    t->response->body.append(data, bytes);
  }
  t->delivered += bytes;
  return bytes;
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 100-continue or a redirect)
    t->response->headers.clear();
    t->answered = false;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    t->response->headers.emplace_back(name, Trim(line.substr(colon + 1)));
  }
  return size * n;
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

HttpClient::HttpClient() {
  GlobalInit();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<HttpResponse> HttpClient::Send(const HttpRequest& request,
                                      const std::function<bool(const char*, size_t)>& on_body,
                                      uint64_t* body_bytes, const OnResponse& on_response) {
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) return Status::Internal("cannot initialise libcurl");
  curl_easy_reset(c);
  HttpResponse response;
  Transfer t{c, &response, &on_body, &on_response};
  t.cancel = request.cancel;
  std::string url = request.origin + request.target;
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
  if (request.method == "PUT" || request.method == "POST") {
    // No form content type and no 100-continue round trip: the body is signed as it is.
    headers = curl_slist_append(headers, "Content-Type:");
    headers = curl_slist_append(headers, "Expect:");
  }
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);  // the target was signed as it is
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method == "PUT" || request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytesPerSecond);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, request.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  if (request.cancel != nullptr) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (body_bytes != nullptr) *body_bytes = *t.on_body ? t.delivered - response.body.size() : t.delivered;
  std::string what = RedactUrl(request.origin) + " " + request.method;
  if (t.stopped) return Status::IoError(what + ": the response was refused as it arrived");
  if (rc != CURLE_OK) return Status::IoError(what + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace fanout::io
