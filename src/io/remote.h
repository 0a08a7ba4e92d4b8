// Remote objects: s3:// keys (any S3-compatible store) and http(s):// URLs, as
// two Stores (store.h) that share one RemoteContext: the options, the
// credentials and the connections of the requests they send.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/sigv4.h"
#include "io/object_store.h"
#include "io/store.h"

namespace fanout::io {

// How often and how patiently a request is tried again after a transient
// failure (a network error, HTTP 429 or 5xx): jittered exponential backoff.
// AWS_MAX_ATTEMPTS, when set, replaces max_attempts (the aws cli's own knob).
struct RetryPolicy {
  int max_attempts = 8;
  int base_delay_ms = 50;
  int max_delay_ms = 5000;
};

struct RemoteOptions {
  std::string endpoint_url;     // S3-compatible endpoint; else AWS_ENDPOINT_URL; else AWS
  std::string region;           // else AWS_REGION / AWS_DEFAULT_REGION / config; else us-east-1
  bool no_sign_request = false; // anonymous requests (public buckets)
  std::string addressing = "auto";  // path | virtual | auto (path when an endpoint is given)
  long io_timeout_s = 30;       // a transfer that receives nothing this long is retried
  int connections = 0;          // concurrent GETs of the context, one connection each (0: 4 per core)
  int parts_in_flight = 4;      // concurrent GETs (and parts held) per stream
  uint64_t part_bytes = 8 << 20;  // AWS's advice: 8-16 MB ranged GETs
  RetryPolicy retry;            // (not sent to workers: each uses its own, the default)
  // Credentials to use instead of finding them (--forward-credentials: the
  // coordinator's, sent to its workers inside the job frame).
  std::optional<Credentials> credentials;
  // Appended to the "no AWS credentials found" error (a worker's: how to send some).
  std::string no_credentials_hint;
};

bool IsS3Url(std::string_view url);
bool IsHttpUrl(std::string_view url);

// What the remote stores made from one set of options share: the options, the
// credentials and region (found on first use: environment, files, then the
// instance metadata service), and the threads that send ranged GETs
// (`connections` of them, each keeping its connection from request to request,
// started on the first read). Lives as long as a store or a stream uses it.
class RemoteContext;
std::shared_ptr<RemoteContext> MakeRemoteContext(const RemoteOptions& options);

// Reading a range: several ranged GETs in flight at once (parts_in_flight; from
// the start for Access::kWholeRange, else once a small first part was read),
// pinned to the object's ETag (If-Match), each retried with backoff and resumed
// from its last byte. A server that ignores Range is read with one GET of the
// whole object when the range starts at 0, else that is an error.

// s3://bucket/key objects.
//   List: the keys matching s3://bucket/pattern (glob characters * ? [...] in
//     the key; '*' does not cross '/'), by ListObjectsV2 from the longest
//     literal prefix. A pattern without glob characters names one key, or every
//     key below it as a folder.
//   Stat: the one key (as listed: size and ETag).
//   Put: PutObject, retried on transient errors.
class S3Store final : public Store {
 public:
  explicit S3Store(std::shared_ptr<RemoteContext> context) : context_(std::move(context)) {}
  explicit S3Store(const RemoteOptions& options) : S3Store(MakeRemoteContext(options)) {}

  Result<std::vector<ObjectInfo>> List(const std::string& pattern) override;
  Result<ObjectInfo> Stat(const std::string& url) override;
  Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                           Access access) override;
  Status Put(const std::string& url, std::string_view content) override;

 private:
  const std::shared_ptr<RemoteContext> context_;
};

// http(s):// URLs, one object each.
//   List and Stat: the URL, its size from a HEAD request. A user:password
//     before the host is kept in ObjectInfo::userinfo for requests and shown as
//     *** in ObjectInfo::url.
//   Put: Unsupported.
class HttpStore final : public Store {
 public:
  explicit HttpStore(std::shared_ptr<RemoteContext> context) : context_(std::move(context)) {}
  explicit HttpStore(const RemoteOptions& options) : HttpStore(MakeRemoteContext(options)) {}

  Result<std::vector<ObjectInfo>> List(const std::string& pattern) override;
  Result<ObjectInfo> Stat(const std::string& url) override;
  Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                           Access access) override;
  Status Put(const std::string& url, std::string_view content) override;

 private:
  const std::shared_ptr<RemoteContext> context_;
};

}  // namespace fanout::io
