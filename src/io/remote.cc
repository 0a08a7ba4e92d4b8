#include "io/remote.h"

#include "core/strings.h"

#include <fnmatch.h>
#include <tinyxml2.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "io/body_pipe.h"
#include "io/credentials.h"
#include "io/http.h"
#include "io/imds.h"
#include "io/part_window.h"
#include "io/sigv4.h"

namespace fanout::io {

namespace {

constexpr std::string_view kS3Scheme = "s3://";
constexpr char kDefaultRegion[] = "us-east-1";
constexpr uint64_t kFirstPartBytes = 64 << 10;  // small first GET: headers and magic bytes are small reads
constexpr long kHttpOk = 200, kHttpPartial = 206, kHttpPreconditionFailed = 412;
constexpr std::string_view kRedacted = "***@";  // what RedactUrl leaves of a user:password@

}  // namespace

class RemoteContext {
 public:
  explicit RemoteContext(const RemoteOptions& options) : options_(options) {
    // The aws cli's own knob for how many times a request is tried.
    if (int n = std::atoi(EnvOr("AWS_MAX_ATTEMPTS").c_str()); n > 0) options_.retry.max_attempts = std::min(n, 100);
    if (options_.connections <= 0) {
      options_.connections = 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
    if (options_.endpoint_url.empty()) options_.endpoint_url = EnvOr("AWS_ENDPOINT_URL");
  }

  // What S3 requests need, found on first use (the credentials may take a
  // request to the instance metadata service).
  struct S3Setup {
    std::string region;
    std::string endpoint_origin;  // "http://127.0.0.1:9000" or empty for AWS
    std::string endpoint_host;    // "127.0.0.1:9000"
    bool path_style = false;
    std::optional<Credentials> credentials;
    Status credentials_error;
  };

  const RemoteOptions& options() const { return options_; }
  const RetryPolicy& retry() const { return options_.retry; }

  const S3Setup& s3() const {
    std::call_once(s3_once_, [this] { BuildS3(); });
    return s3_;
  }

  FetchPool* pool() const {
    std::call_once(pool_once_, [this] { pool_ = std::make_unique<FetchPool>(options_.connections); });
    return pool_.get();
  }

 private:
  void BuildS3() const {
    S3Setup& c = s3_;
    c.region = !options_.region.empty() ? options_.region : RegionFromEnvironmentOrConfig();
    if (c.region.empty()) c.region = kDefaultRegion;
    std::string e = options_.endpoint_url;
    while (!e.empty() && e.back() == '/') e.pop_back();
    c.endpoint_origin = e;
    size_t scheme_end = e.find("://");
    c.endpoint_host = scheme_end == std::string::npos ? e : e.substr(scheme_end + 3);
    // A user:password@ is not part of the Host header that is signed.
    if (size_t at = c.endpoint_host.rfind('@'); at != std::string::npos) c.endpoint_host.erase(0, at + 1);
    c.path_style = options_.addressing == "path" || (options_.addressing == "auto" && !e.empty());
    if (options_.no_sign_request) return;
    if (options_.credentials.has_value()) {
      c.credentials = *options_.credentials;
      return;
    }
    Result<std::optional<Credentials>> cr = CredentialsFromEnvironmentOrFiles();
    if (cr.ok() && !cr->has_value()) cr = CredentialsFromInstanceMetadata();
    if (!cr.ok()) {
      c.credentials_error = cr.status();
    } else if (!cr->has_value()) {
      c.credentials_error = Status::InvalidArgument(
          "no AWS credentials found (AWS_ACCESS_KEY_ID, ~/.aws/credentials, instance metadata); "
          "use --no-sign-request for a public bucket" + options_.no_credentials_hint);
    } else {
      c.credentials = *cr;
    }
  }

  RemoteOptions options_;  // constant after construction
  mutable std::once_flag s3_once_;
  mutable S3Setup s3_;  // set once, under s3_once_
  mutable std::once_flag pool_once_;
  mutable std::unique_ptr<FetchPool> pool_;  // set once, under pool_once_; joined when the context goes
};

std::shared_ptr<RemoteContext> MakeRemoteContext(const RemoteOptions& options) {
  return std::make_shared<RemoteContext>(options);
}

namespace {

struct S3Location {
  std::string bucket, key;
};

Result<S3Location> ParseS3(std::string_view url) {
  if (!IsS3Url(url)) return Status::InvalidArgument(std::string(url) + ": not an s3:// URL");
  std::string_view rest = url.substr(kS3Scheme.size());
  size_t slash = rest.find('/');
  S3Location loc{std::string(rest.substr(0, slash)), slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1))};
  if (loc.bucket.empty()) return Status::InvalidArgument(std::string(url) + ": no bucket name");
  return loc;
}

// Builds, signs and sends one S3 request.
Result<HttpResponse> SendS3(const RemoteContext& ctx, HttpClient* client, const std::string& method,
                            const S3Location& loc,
                            const QueryList& query, const HeaderList& headers,
                            const std::function<bool(const char*, size_t)>& on_body, uint64_t* body_bytes,
                            const std::atomic<bool>* cancel = nullptr, std::string_view body = {},
                            const OnResponse& on_response = nullptr) {
  const RemoteContext::S3Setup& c = ctx.s3();
  HttpRequest req;
  req.method = method;
  SignRequest sr;
  sr.method = method;
  if (c.path_style) {
    req.origin = c.endpoint_origin;
    sr.host = c.endpoint_host;
    sr.path = "/" + loc.bucket + "/" + loc.key;
  } else {
    std::string base = c.endpoint_origin.empty() ? "s3." + c.region + ".amazonaws.com" : c.endpoint_host;
    sr.host = loc.bucket + "." + base;
    req.origin = (c.endpoint_origin.rfind("http://", 0) == 0 ? "http://" : "https://") + sr.host;
    sr.path = "/" + loc.key;
  }
  sr.query = query;
  sr.headers = headers;
  if (body.empty()) {
    sr.payload_sha256_hex = std::string(kEmptyPayloadSha256);
  } else {
    ASSIGN_OR_RETURN(sr.payload_sha256_hex, Sha256Hex(body));
  }
  req.body = body;
  req.headers = headers;
  req.stall_timeout_s = ctx.options().io_timeout_s;
  req.cancel = cancel;
  if (!c.credentials_error.ok()) return c.credentials_error;
  if (ctx.options().no_sign_request) {
    std::string q = BuildQueryString(query);
    req.target = UriEncode(sr.path, false) + (q.empty() ? "" : "?" + q);
  } else {
    ASSIGN_OR_RETURN(SignedHeaders signed_headers, SignV4(sr, *c.credentials, c.region, "s3", AmzDateNow()));
    req.target = signed_headers.request_target;
    req.headers.insert(req.headers.end(), signed_headers.headers.begin(), signed_headers.headers.end());
  }
  return client->Send(req, on_body, body_bytes, on_response);
}

// "s3://bucket/key: 403 AccessDenied: Access Denied" from an S3 error response.
Status S3Error(const std::string& what, const HttpResponse& r) {
  std::string code, message;
  tinyxml2::XMLDocument doc;
  if (doc.Parse(r.body.data(), r.body.size()) == tinyxml2::XML_SUCCESS) {
    if (auto* e = doc.FirstChildElement("Error")) {
      if (auto* c = e->FirstChildElement("Code"); c && c->GetText()) code = c->GetText();
      if (auto* m = e->FirstChildElement("Message"); m && m->GetText()) message = m->GetText();
    }
  }
  std::string text = what + ": HTTP " + std::to_string(r.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  if (r.status == 404) return Status::NotFound(text);
  if (r.status == 403 || r.status == 401) return Status::IoError(text + " (check the credentials and the bucket policy)");
  return Status::IoError(text);
}

bool Retryable(long status) { return status == 429 || status >= 500; }

int BackoffMs(const RetryPolicy& p, int attempt, std::mt19937& rng) {
  long cap = std::min<long>(p.max_delay_ms, static_cast<long>(p.base_delay_ms) << std::min(attempt, 20));
  return static_cast<int>(std::uniform_int_distribution<long>(cap / 2, cap)(rng));  // "equal jitter"
}

// Sends a request without a body sink (listing, HEAD) until it succeeds, fails
// for good, or runs out of attempts; transient failures back off and try again.
Result<HttpResponse> WithRetries(const RetryPolicy& retry, const std::function<Result<HttpResponse>()>& send) {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    Result<HttpResponse> r = send();
    bool transient = r.ok() ? Retryable(r->status) : r.status().code() == StatusCode::kIoError;
    if (!transient || attempt + 1 >= retry.max_attempts) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(BackoffMs(retry, attempt, rng)));
  }
}

bool HasGlob(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

// One page of ListObjectsV2; appends matches, sets *next (empty at the end).
Status ListPage(const RemoteContext& ctx, HttpClient* client, const S3Location& where, const std::string& prefix, const std::string& token,
                const std::function<bool(const std::string&)>& keep, std::vector<ObjectInfo>* out,
                std::string* next) {
  QueryList q = {{"list-type", "2"}, {"prefix", prefix}};
  if (!token.empty()) q.push_back({"continuation-token", token});
  S3Location bucket{where.bucket, ""};
  std::string what = "s3://" + where.bucket + "/" + prefix + " (listing)";
  Result<HttpResponse> r =
      WithRetries(ctx.retry(), [&] { return SendS3(ctx, client, "GET", bucket, q, {}, nullptr, nullptr); });
  if (!r.ok()) return r.status().WithPrefix(what);
  if (r->status != kHttpOk) return S3Error(what, *r);
  tinyxml2::XMLDocument doc;
  if (doc.Parse(r->body.data(), r->body.size()) != tinyxml2::XML_SUCCESS) {
    return Status::Corrupt(what + ": the listing is not valid XML");
  }
  auto* root = doc.FirstChildElement("ListBucketResult");
  if (root == nullptr) return Status::Corrupt(what + ": the listing has no ListBucketResult");
  for (auto* e = root->FirstChildElement("Contents"); e != nullptr; e = e->NextSiblingElement("Contents")) {
    auto* k = e->FirstChildElement("Key");
    auto* s = e->FirstChildElement("Size");
    auto* t = e->FirstChildElement("ETag");
    if (k == nullptr || k->GetText() == nullptr || s == nullptr) continue;
    std::string key = k->GetText();
    if (!keep(key)) continue;
    ObjectInfo o;
    o.url = "s3://" + where.bucket + "/" + key;
    o.size = std::strtoull(s->GetText() ? s->GetText() : "0", nullptr, 10);
    o.etag = t && t->GetText() ? t->GetText() : "";
    out->push_back(std::move(o));
  }
  next->clear();
  auto* trunc = root->FirstChildElement("IsTruncated");
  if (trunc && trunc->GetText() && std::string(trunc->GetText()) == "true") {
    auto* nt = root->FirstChildElement("NextContinuationToken");
    if (nt == nullptr || nt->GetText() == nullptr) return Status::Corrupt(what + ": truncated listing without a continuation token");
    *next = nt->GetText();
  }
  return Status::OK();
}

// The URL a request for an http(s) object goes to: its url with the password
// that the url shows as *** (none on a machine it was not given to).
std::string RequestUrl(const ObjectInfo& object) {
  size_t host = object.url.find("://");
  if (host == std::string::npos) return object.url;
  host += 3;
  size_t at = object.url.find(kRedacted, host);
  if (at != host) return object.url;
  std::string rest = object.url.substr(host + kRedacted.size());
  return object.url.substr(0, host) + (object.userinfo.empty() ? "" : object.userinfo + "@") + rest;
}

// A request for `url` (scheme://authority/target): origin and target split.
HttpRequest HttpRequestFor(const std::string& url) {
  size_t slash = url.find('/', url.find("://") + 3);
  HttpRequest req;
  req.origin = url.substr(0, slash);
  req.target = slash == std::string::npos ? "/" : url.substr(slash);
  return req;
}

// Sends one GET for `object` with headers `h` through `client`.
Result<HttpResponse> SendGet(const RemoteContext& ctx, HttpClient* client, const ObjectInfo& object,
                             const HeaderList& h,
                             const std::function<bool(const char*, size_t)>& on_body,
                             const std::atomic<bool>* cancel, const OnResponse& on_response = nullptr) {
  uint64_t bytes = 0;
  if (IsS3Url(object.url)) {
    ASSIGN_OR_RETURN(S3Location loc, ParseS3(object.url));
    return SendS3(ctx, client, "GET", loc, {}, h, on_body, &bytes, cancel, {}, on_response);
  }
  HttpRequest req = HttpRequestFor(RequestUrl(object));
  req.headers = h;
  req.stall_timeout_s = ctx.options().io_timeout_s;
  req.cancel = cancel;
  return client->Send(req, on_body, &bytes, on_response);
}

// Parses a decimal number that is all of `s`.
bool ParseU64(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return false;
    n = n * 10 + d;
  }
  *v = n;
  return true;
}

// "bytes FIRST-LAST/TOTAL" (TOTAL may be "*", unknown).
struct ContentRange {
  uint64_t first = 0, last = 0;
  std::optional<uint64_t> total;
};

std::optional<ContentRange> ParseContentRange(std::string_view v) {
  constexpr std::string_view kUnit = "bytes ";
  if (v.substr(0, kUnit.size()) != kUnit) return std::nullopt;
  v.remove_prefix(kUnit.size());
  size_t dash = v.find('-'), slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return std::nullopt;
  ContentRange r;
  if (!ParseU64(v.substr(0, dash), &r.first) || !ParseU64(v.substr(dash + 1, slash - dash - 1), &r.last)) {
    return std::nullopt;
  }
  std::string_view total = v.substr(slash + 1);
  if (total != "*") {
    uint64_t t = 0;
    if (!ParseU64(total, &t)) return std::nullopt;
    r.total = t;
  }
  if (r.last < r.first) return std::nullopt;
  return r;
}

std::string Bytes(uint64_t from, uint64_t to) {  // "bytes 0-99" for [0, 100)
  return "bytes " + std::to_string(from) + "-" + std::to_string(to - 1);
}

Status ObjectChanged(const ObjectInfo& object, const std::string& why) {
  return Status::Corrupt(object.url + ": changed while being read (" + why + ")");
}

// The error for a response that is not a success.
Status ResponseError(const ObjectInfo& object, const HttpResponse& r) {
  Status st = S3Error(object.url, r);
  bool unauthorized = r.status == 401 || r.status == 403;
  if (unauthorized && IsHttpUrl(object.url) && object.userinfo.empty() && RequestUrl(object) != object.url) {
    return Status::Unsupported(st.message() + "; the user:password of a URL is not sent to other machines");
  }
  return st;
}

// Checks the headers of a 2xx answer to "Range: bytes=from-(to-1)": a 206 whose
// Content-Range starts at `from` and ends by `to`, or a 200 when the range is
// the whole object. Stores the number of body bytes it carries (from `from` on)
// in *body. A 200 for a part of the object sets *range_ignored.
Status CheckRangeAnswer(const ObjectInfo& object, const HttpResponse& r, uint64_t from, uint64_t to, uint64_t* body,
                        bool* range_ignored) {
  uint64_t length = 0;
  bool has_length = ParseU64(r.Header("content-length"), &length);
  if (r.status == kHttpOk) {
    if (from != 0 || to != object.size) {
      *range_ignored = true;
      return Status::Unsupported(object.url + ": the server ignored the Range header (it answered 200 with the "
                                 "whole object to a request for " + Bytes(from, to) + ")");
    }
    if (has_length && length != object.size) {
      return ObjectChanged(object, "the server now says it has " + std::to_string(length) + " bytes, not " +
                                       std::to_string(object.size));
    }
    *body = object.size;
    return Status::OK();
  }
  if (r.status != kHttpPartial) {
    return Status::Corrupt(object.url + ": HTTP " + std::to_string(r.status) + " to a request for " + Bytes(from, to));
  }
  std::string value = r.Header("content-range");
  std::optional<ContentRange> got = ParseContentRange(value);
  if (!got) {
    return Status::Corrupt(object.url + ": the server answered 206 to a request for " + Bytes(from, to) +
                           " without a valid Content-Range (" + (value.empty() ? "none" : "'" + value + "'") + ")");
  }
  if (got->total && *got->total != object.size) {
    return ObjectChanged(object, "the server now says it has " + std::to_string(*got->total) + " bytes, not " +
                                     std::to_string(object.size));
  }
  if (got->first != from || got->last >= to) {
    return Status::Corrupt(object.url + ": the server sent " + Bytes(got->first, got->last + 1) +
                           " to a request for " + Bytes(from, to));
  }
  *body = got->last - got->first + 1;
  if (has_length && length != *body) {
    return Status::Corrupt(object.url + ": Content-Length " + std::to_string(length) +
                           " disagrees with Content-Range '" + value + "'");
  }
  return Status::OK();
}

// Appends bytes [from, from + n) of the object to *out with one ranged GET, n
// being what the answer carries (at least 1, at most to - from: a server may
// send less than asked). On failure *out keeps what arrived, and *retryable
// says whether trying again may help.
Status GetRange(const RemoteContext& ctx, HttpClient* client, const ObjectInfo& object, uint64_t from, uint64_t to, std::string* out,
                const std::atomic<bool>* cancel, bool* retryable, bool* range_ignored) {
  *retryable = true;
  HeaderList h = {{"Range", "bytes=" + std::to_string(from) + "-" + std::to_string(to - 1)}};
  if (!object.etag.empty()) h.push_back({"If-Match", object.etag});
  uint64_t expect = 0, got = 0;
  bool answered = false;
  Status refused;  // why the answer was refused as it arrived
  auto on_response = [&](const HttpResponse& r) {
    answered = true;
    refused = CheckRangeAnswer(object, r, from, to, &expect, range_ignored);
    return refused.ok();
  };
  auto on_body = [&](const char* d, size_t k) {
    if (got + k > expect) {
      refused = Status::Corrupt(object.url + ": the server sent more than the " + std::to_string(expect) +
                                " bytes it announced for " + Bytes(from, to));
      return false;
    }
    out->append(d, k);
    got += k;
    return true;
  };
  Result<HttpResponse> r = SendGet(ctx, client, object, h, on_body, cancel, on_response);
  if (!refused.ok()) {
    *retryable = false;
    return refused;
  }
  if (!r.ok()) return r.status().WithPrefix(object.url);  // network trouble: retry from what arrived
  if (r->status >= 200 && r->status < 300) {
    if (!answered) {  // no body at all: the headers were not checked yet
      Status st = CheckRangeAnswer(object, *r, from, to, &expect, range_ignored);
      if (!st.ok()) {
        *retryable = false;
        return st;
      }
    }
    if (got < expect) {
      return Status::IoError(object.url + ": short body (" + std::to_string(got) + " of " + std::to_string(expect) +
                             " bytes)");
    }
    return Status::OK();
  }
  if (r->status == kHttpPreconditionFailed) {
    *retryable = false;
    return Status::Corrupt(object.url + ": the object changed while it was being read (its ETag no longer matches)");
  }
  *retryable = Retryable(r->status);
  return ResponseError(object, *r);
}

// Waits out the backoff before another attempt; false when cancelled meanwhile.
bool Backoff(const RetryPolicy& retry, int attempt, const std::atomic<bool>* cancel) {
  thread_local std::mt19937 rng(std::random_device{}());
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(BackoffMs(retry, attempt, rng));
  while (std::chrono::steady_clock::now() < until) {
    if (cancel->load(std::memory_order_relaxed)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Appends bytes [from, to) of the object to *out, retrying transient failures
// with backoff and resuming each time from the last byte received. Sets
// *range_ignored when the server answered a part with the whole object.
Status FetchRange(const RemoteContext& ctx, HttpClient* client, const ObjectInfo& object, uint64_t from, uint64_t to, std::string* out,
                  const std::atomic<bool>* cancel, std::atomic<bool>* range_ignored) {
  const size_t start = out->size();
  for (int attempt = 0;;) {
    bool retryable = true, ignored = false;
    Status st = GetRange(ctx, client, object, from + (out->size() - start), to, out, cancel, &retryable, &ignored);
    if (ignored) range_ignored->store(true, std::memory_order_relaxed);
    if (st.ok()) {
      if (out->size() - start == to - from) return st;
      if (cancel->load(std::memory_order_relaxed)) return Status::IoError(object.url + ": cancelled");
      continue;  // the server sent a shorter range than asked for: ask for the rest
    }
    if (!retryable || st.code() != StatusCode::kIoError || attempt + 1 >= ctx.retry().max_attempts) return st;
    if (!Backoff(ctx.retry(), attempt++, cancel)) return st;
  }
}

// Checks the headers of the answer to a GET without Range: the whole object.
Status CheckWholeAnswer(const ObjectInfo& object, const HttpResponse& r) {
  uint64_t length = 0;
  if (r.status != kHttpOk) {
    return Status::Corrupt(object.url + ": HTTP " + std::to_string(r.status) + " to a request for the whole object");
  }
  if (ParseU64(r.Header("content-length"), &length) && length != object.size) {
    return ObjectChanged(object, "the server now says it has " + std::to_string(length) + " bytes, not " +
                                     std::to_string(object.size));
  }
  return Status::OK();
}

// One GET of the whole object: passes its bytes from *passed (those before
// were passed on by an earlier attempt) up to `end` to `sink`, advancing
// *passed, and stops the transfer at `end`. *retryable says whether trying
// again may help.
Status GetWhole(const RemoteContext& ctx, HttpClient* client, const ObjectInfo& object, uint64_t end, const BodyPipe::Sink& sink,
                const std::atomic<bool>* cancel, uint64_t* passed, bool* retryable) {
  *retryable = false;
  HeaderList h;
  if (!object.etag.empty()) h.push_back({"If-Match", object.etag});
  uint64_t at = 0;  // bytes of this body so far
  bool answered = false;
  Status refused;
  auto on_response = [&](const HttpResponse& r) {
    answered = true;
    refused = CheckWholeAnswer(object, r);
    return refused.ok();
  };
  auto on_body = [&](const char* d, size_t k) {
    if (at + k > object.size) {
      refused = Status::Corrupt(object.url + ": the server sent more than the object's " +
                                std::to_string(object.size) + " bytes");
      return false;
    }
    uint64_t known = *passed > at ? std::min<uint64_t>(k, *passed - at) : 0;
    at += k;
    if (known == k) return true;
    uint64_t wanted = std::min<uint64_t>(k - known, end - *passed);
    if (!sink(d + known, wanted)) {
      refused = Status::IoError(object.url + ": cancelled");
      return false;
    }
    *passed += wanted;
    return *passed < end;  // stops the transfer once `end` is reached
  };
  Result<HttpResponse> r = SendGet(ctx, client, object, h, on_body, cancel, on_response);
  if (!refused.ok()) return refused;
  if (*passed >= end) return Status::OK();
  *retryable = true;
  if (!r.ok()) return r.status().WithPrefix(object.url);
  if (r->status >= 200 && r->status < 300) {
    if (!answered) RETURN_IF_ERROR(CheckWholeAnswer(object, *r));
    return Status::IoError(object.url + ": short body (" + std::to_string(at) + " of " + std::to_string(object.size) +
                           " bytes)");
  }
  *retryable = Retryable(r->status);
  if (r->status == kHttpPreconditionFailed) {
    return Status::Corrupt(object.url + ": the object changed while it was being read (its ETag no longer matches)");
  }
  return ResponseError(object, *r);
}

// Passes bytes [skip, end) of the object to `sink` with GETs of the whole object
// (for a server that ignores Range), retrying transient failures with backoff;
// each retry drops the bytes that were passed on already.
Status FetchWhole(const RemoteContext& ctx, HttpClient* client, const ObjectInfo& object, uint64_t skip, uint64_t end,
                  const BodyPipe::Sink& sink, const std::atomic<bool>* cancel) {
  uint64_t passed = skip;
  for (int attempt = 0;;) {
    bool retryable = false;
    Status st = GetWhole(ctx, client, object, end, sink, cancel, &passed, &retryable);
    if (st.ok() || !retryable || st.code() != StatusCode::kIoError || attempt + 1 >= ctx.retry().max_attempts) {
      return st;
    }
    if (!Backoff(ctx.retry(), attempt++, cancel)) return st;
  }
}

// Reads [offset, end) of one object as concurrent ranged GETs (part_window.h),
// each pinned to the object's ETag, retried and resumed on its own. When the
// server turns out to ignore Range, a range that starts at the object's start
// is read from one GET of the whole object instead (body_pipe.h), stopped at the
// range's end; any other range is then an error.
//
// The stream keeps its context alive; the fetches it starts use it through a
// plain pointer, since every one of them ends (or is dropped unstarted) before
// the stream is gone, and the context must never be released on a pool thread.
class RemoteStream final : public ByteStream {
 public:
  RemoteStream(std::shared_ptr<const RemoteContext> context, const ObjectInfo& object, uint64_t offset,
               uint64_t end, bool eager)
      : context_(std::move(context)),
        object_(object),
        offset_(offset),
        end_(end),
        range_ignored_(std::make_shared<std::atomic<bool>>(false)),
        parts_(std::make_unique<PartWindow>(
            context_->pool(),
            [ctx = context_.get(), object, ignored = range_ignored_](HttpClient* client, uint64_t from, uint64_t to,
                                                                      std::string* out,
                                                                      const std::atomic<bool>* cancel) {
              return FetchRange(*ctx, client, object, from, to, out, cancel, ignored.get());
            },
            Plan(context_->options(), offset, end, eager))) {}

  std::optional<Result<std::string_view>> ReadView() override {
    if (next_ < part_.size()) {  // what Read left of the current part
      std::string_view rest = part_.substr(next_);
      next_ = part_.size();
      return rest;
    }
    Result<std::string_view> part = NextPart();
    if (part.ok()) {
      part_ = *part;
      next_ = part_.size();
    }
    return part;
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (next_ == part_.size()) {
      ASSIGN_OR_RETURN(part_, NextPart());
      next_ = 0;
      if (part_.empty()) return size_t{0};
    }
    size_t k = std::min(n, part_.size() - next_);
    std::copy_n(part_.data() + next_, k, buf);
    next_ += k;
    return k;
  }

 private:
  static PartPlan Plan(const RemoteOptions& o, uint64_t offset, uint64_t end, bool eager) {
    PartPlan p;
    p.eager = eager;
    p.begin = offset;
    p.end = end;
    p.first_part = kFirstPartBytes;
    p.max_part = o.part_bytes;
    p.window = o.parts_in_flight;
    return p;
  }

  // The next bytes in order, from the parts or, once the server was seen to
  // ignore Range, from one GET of the whole object.
  Result<std::string_view> NextPart() {
    if (body_ != nullptr) return body_->Next();
    Result<std::string_view> part = parts_->Next();
    if (part.ok()) {
      delivered_ += part->size();
      return part;
    }
    if (!range_ignored_->load(std::memory_order_relaxed)) return part;
    if (offset_ != 0) {  // reading from the start to here for every range would cost O(ranges^2)
      return Status::Unsupported(object_.url + ": the server ignored the Range header (it answered 200 with the "
                                 "whole object), so " + Bytes(offset_, end_) + " of it cannot be read on their "
                                 "own; with --range-size above its size (" + std::to_string(object_.size) +
                                 " bytes) it is read whole");
    }
    parts_.reset();  // cancels the parts still in flight
    const RemoteOptions& o = context_->options();
    body_ = std::make_unique<BodyPipe>(
        [ctx = context_.get(), object = object_, skip = delivered_, end = end_](
            HttpClient* client, const BodyPipe::Sink& sink, const std::atomic<bool>* cancel) {
          return FetchWhole(*ctx, client, object, skip, end, sink, cancel);
        },
        static_cast<size_t>(std::max(1, o.parts_in_flight)) * o.part_bytes);
    return body_->Next();
  }

  const std::shared_ptr<const RemoteContext> context_;  // first: outlives the parts and the pipe
  const ObjectInfo object_;
  const uint64_t offset_, end_;
  std::shared_ptr<std::atomic<bool>> range_ignored_;  // set by any part's fetch
  std::unique_ptr<PartWindow> parts_;
  std::unique_ptr<BodyPipe> body_;  // once the server ignored Range
  uint64_t delivered_ = 0;          // bytes handed on from parts
  std::string_view part_;
  size_t next_ = 0;
};

// The keys of `where`'s bucket below `prefix` that `keep` accepts, in listing
// order: every page, or only the first when `first_page_only`.
Status ListKeys(const RemoteContext& ctx, const S3Location& where, const std::string& prefix,
                const std::function<bool(const std::string&)>& keep, bool first_page_only,
                std::vector<ObjectInfo>* out) {
  HttpClient client;
  std::string token;
  do {
    std::string next;
    RETURN_IF_ERROR(ListPage(ctx, &client, where, prefix, token, keep, out, &next));
    token = next;
  } while (!token.empty() && !first_page_only);
  return Status::OK();
}

// Bytes [offset, offset + length) of `object`, clipped to its size.
std::unique_ptr<ByteStream> OpenRemote(std::shared_ptr<const RemoteContext> ctx, const ObjectInfo& object,
                                       uint64_t offset, uint64_t length, Access access) {
  uint64_t end = length >= object.size - std::min(offset, object.size) ? object.size : offset + length;
  return std::make_unique<RemoteStream>(std::move(ctx), object, offset, end, access == Access::kWholeRange);
}

// A URL of the wrong scheme for a store (`is_mine` false) is refused.
Status RefuseOther(const std::string& url, bool is_mine, const char* scheme) {
  if (is_mine) return Status::OK();
  return Status::InvalidArgument(RedactUrl(url) + ": not a " + scheme + " URL (this store reads only those)");
}

}  // namespace

bool IsS3Url(std::string_view url) { return url.substr(0, kS3Scheme.size()) == kS3Scheme; }

bool IsHttpUrl(std::string_view url) {
  return url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://";
}

Result<std::vector<ObjectInfo>> S3Store::List(const std::string& pattern) {
  ASSIGN_OR_RETURN(S3Location loc, ParseS3(pattern));
  bool glob = HasGlob(loc.key);
  std::string prefix = glob ? loc.key.substr(0, loc.key.find_first_of("*?[")) : loc.key;
  std::string folder = loc.key.empty() || loc.key.back() == '/' ? loc.key : loc.key + "/";
  auto keep = [&](const std::string& key) {
    if (!key.empty() && key.back() == '/') return false;  // a folder marker, not data
    if (glob) return fnmatch(loc.key.c_str(), key.c_str(), FNM_PATHNAME) == 0;
    return key == loc.key || key.rfind(folder, 0) == 0;
  };
  std::vector<ObjectInfo> out;
  RETURN_IF_ERROR(ListKeys(*context_, loc, prefix, keep, /*first_page_only=*/false, &out));
  if (out.empty()) return Status::NotFound(pattern + ": no object matches");
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.url < b.url; });
  return out;
}

Result<ObjectInfo> S3Store::Stat(const std::string& url) {
  ASSIGN_OR_RETURN(S3Location loc, ParseS3(url));
  if (loc.key.empty() || loc.key.back() == '/') return Status::InvalidArgument(url + ": not an object key");
  // The key sorts before every other key it is a prefix of: on the first page.
  std::vector<ObjectInfo> found;
  RETURN_IF_ERROR(ListKeys(*context_, loc, loc.key, [&](const std::string& key) { return key == loc.key; },
                           /*first_page_only=*/true, &found));
  if (found.empty()) return Status::NotFound(url + ": no such key");
  return found.front();
}

Result<std::unique_ptr<ByteStream>> S3Store::Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                                  Access access) {
  RETURN_IF_ERROR(RefuseOther(object.url, IsS3Url(object.url), "s3://"));
  return OpenRemote(context_, object, offset, length, access);
}

Status S3Store::Put(const std::string& url, std::string_view content) {
  ASSIGN_OR_RETURN(S3Location loc, ParseS3(url));
  if (loc.key.empty() || loc.key.back() == '/') return Status::InvalidArgument(url + ": not an object key");
  HttpClient client;
  ASSIGN_OR_RETURN(HttpResponse r, WithRetries(context_->retry(), [&] {
                     return SendS3(*context_, &client, "PUT", loc, {}, {}, nullptr, nullptr, nullptr, content);
                   }));
  if (r.status != kHttpOk) return S3Error(url, r);
  return Status::OK();
}

Result<std::vector<ObjectInfo>> HttpStore::List(const std::string& pattern) {
  ASSIGN_OR_RETURN(ObjectInfo o, Stat(pattern));
  return std::vector<ObjectInfo>{std::move(o)};
}

Result<ObjectInfo> HttpStore::Stat(const std::string& url) {
  RETURN_IF_ERROR(RefuseOther(url, IsHttpUrl(url), "http(s)://"));
  ObjectInfo o;
  o.url = RedactUrl(url);
  if (o.url != url) {  // scheme://user:password@host...: keep the user:password for requests only
    size_t host = url.find("://") + 3;
    size_t rest = o.url.size() - host - kRedacted.size();  // what follows the '@', the same in both
    o.userinfo = url.substr(host, url.size() - rest - 1 - host);
  }
  HttpRequest req = HttpRequestFor(url);
  req.method = "HEAD";
  HttpClient client;
  Result<HttpResponse> r = WithRetries(context_->retry(), [&] { return client.Send(req); });
  if (!r.ok()) return r.status().WithPrefix(o.url);
  if (r->status != kHttpOk) return Status::NotFound(o.url + ": HTTP " + std::to_string(r->status));
  std::string length = r->Header("content-length");
  if (!ParseU64(length, &o.size)) {
    return Status::Unsupported(o.url + ": the server does not say how large it is (no valid Content-Length)");
  }
  o.etag = r->Header("etag");
  return o;
}


Result<std::unique_ptr<ByteStream>> HttpStore::Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                                    Access access) {
  RETURN_IF_ERROR(RefuseOther(object.url, IsHttpUrl(object.url), "http(s)://"));
  return OpenRemote(context_, object, offset, length, access);
}

Status HttpStore::Put(const std::string& url, std::string_view) {
  return Status::Unsupported(RedactUrl(url) + ": http(s) objects cannot be written");
}

}  // namespace fanout::io
