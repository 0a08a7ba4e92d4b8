// Local files behind the ObjectStore calls (internal to io/).
#pragma once

#include <string>
#include <vector>

#include "io/object_store.h"

namespace fanout::io {

// See ListInputs: the same contract for local paths only.
Result<std::vector<ObjectInfo>> ListLocal(const std::vector<std::string>& inputs);

// Reads a file from an offset with pread; large reads go straight into the
// caller's buffer, without a copy.
class LocalFileStream final : public ByteStream {
 public:
  static Result<std::unique_ptr<ByteStream>> Open(const std::string& path, uint64_t offset);
  ~LocalFileStream() override;
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  LocalFileStream(std::string path, int fd, uint64_t offset)
      : path_(std::move(path)), fd_(fd), offset_(offset) {}
  std::string path_;
  int fd_;
  uint64_t offset_;
};

}  // namespace fanout::io
