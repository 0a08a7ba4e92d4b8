// Remote objects: s3:// keys (any S3-compatible store) and http(s):// URLs,
// behind the same ListInputs / OpenRaw calls as local files (object_store.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/object_store.h"

namespace fanout::io {

struct RemoteOptions {
  std::string endpoint_url;     // S3-compatible endpoint; else AWS_ENDPOINT_URL; else AWS
  std::string region;           // else AWS_REGION / AWS_DEFAULT_REGION / config; else us-east-1
  bool no_sign_request = false; // anonymous requests (public buckets)
  std::string addressing = "auto";  // path | virtual | auto (path when an endpoint is given)
  long io_timeout_s = 30;       // a transfer that receives nothing this long is retried
  int connections = 0;          // concurrent GETs in the process, one connection each (0: 4 per core)
  int parts_in_flight = 4;      // concurrent GETs (and parts held) per stream
  uint64_t part_bytes = 8 << 20;  // AWS's advice: 8-16 MB ranged GETs
};

// Sets the options for every later remote call. Call before listing; not
// concurrently with remote reads.
void SetRemoteOptions(const RemoteOptions& options);

bool IsS3Url(std::string_view url);
bool IsHttpUrl(std::string_view url);

// Lists the keys matching an s3://bucket/pattern (glob characters * ? [...] in
// the key; '*' does not cross '/'), using the longest literal prefix. A pattern
// without glob characters names one key, or every key below it as a folder.
Result<std::vector<ObjectInfo>> ListS3(const std::string& pattern);

// Writes `content` as the object at s3://bucket/key (PutObject), retried on
// transient errors.
Status PutObject(const std::string& url, std::string_view content);

// One http(s) URL, with its size from a HEAD request.
Result<ObjectInfo> StatHttp(const std::string& url);

// Reads the object's bytes [offset, end) (end clipped to its size) with ranged
// GETs, pinned to the object's ETag, retried with backoff on transient errors and
// resumed from the last byte received. Several parts are in flight at once
// (RemoteOptions::parts_in_flight), from the start when `whole_range_wanted`,
// else only after a small first part has been read.
Result<std::unique_ptr<ByteStream>> OpenRemote(const ObjectInfo& object, uint64_t offset, uint64_t end,
                                               bool whole_range_wanted);

// Tunables, exposed for tests.
struct RetryPolicy {
  int max_attempts = 8;
  int base_delay_ms = 50;
  int max_delay_ms = 5000;
};
void SetRetryPolicy(const RetryPolicy& policy);

}  // namespace fanout::io
