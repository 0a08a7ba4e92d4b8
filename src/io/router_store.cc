#include "io/router_store.h"

namespace fanout::io {

// One context for both remote stores: --connections counts their GETs together.
RouterStore::RouterStore(const RemoteOptions& options) : RouterStore(MakeRemoteContext(options)) {}

RouterStore::RouterStore(const std::shared_ptr<RemoteContext>& context)
    : owned_s3_(std::make_unique<S3Store>(context)),
      owned_http_(std::make_unique<HttpStore>(context)),
      local_(LocalFiles()),
      s3_(owned_s3_.get()),
      http_(owned_http_.get()) {}

std::unique_ptr<Store> MakeStore(const RemoteOptions& options) { return std::make_unique<RouterStore>(options); }

}  // namespace fanout::io
