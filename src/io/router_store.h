// The store the commands read through: each URL goes to the store of its
// scheme — s3:// to an S3Store, http(s):// to an HttpStore (both sharing one
// RemoteContext: one set of options, credentials and connections), anything
// else to the local files.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/remote.h"
#include "io/store.h"

namespace fanout::io {

class RouterStore final : public Store {
 public:
  // LocalFiles() and remote stores made from `options`, owned. Nothing is sent
  // or started until a remote object is listed or read.
  explicit RouterStore(const RemoteOptions& options);
  // Routes to the given stores, which must outlive this one.
  RouterStore(Store* local, Store* s3, Store* http) : local_(local), s3_(s3), http_(http) {}

  Result<std::vector<ObjectInfo>> List(const std::string& pattern) override { return For(pattern).List(pattern); }
  Result<ObjectInfo> Stat(const std::string& url) override { return For(url).Stat(url); }
  Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                           Access access) override {
    return For(object.url).Open(object, offset, length, access);
  }
  Status Put(const std::string& url, std::string_view content) override { return For(url).Put(url, content); }

 private:
  explicit RouterStore(const std::shared_ptr<RemoteContext>& context);

  Store& For(std::string_view url) const {
    if (IsS3Url(url)) return *s3_;
    if (IsHttpUrl(url)) return *http_;
    return *local_;
  }

  std::unique_ptr<Store> owned_s3_, owned_http_;  // when made from options
  Store* const local_;
  Store* const s3_;
  Store* const http_;
};

// A RouterStore made from `options` (what the commands read through).
std::unique_ptr<Store> MakeStore(const RemoteOptions& options);

}  // namespace fanout::io
