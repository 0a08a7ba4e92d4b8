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

// A file range mapped into memory; Mapped() gives the unread bytes in place.
class MappedFileStream final : public ByteStream {
 public:
  // Maps [offset, offset + length) clipped to the file's end. An empty range
  // yields a stream at its end.
  static Result<std::unique_ptr<ByteStream>> Open(const std::string& path, uint64_t offset, uint64_t length);
  ~MappedFileStream() override;
  Result<size_t> Read(char* buf, size_t n) override;
  std::string_view Mapped() const override { return rest_; }
  void ReleaseMapped(const char* upto) override;

 private:
  MappedFileStream(void* map, size_t map_len, std::string_view rest)
      : map_(map), map_len_(map_len), rest_(rest), released_(static_cast<char*>(map)) {}
  void* map_;
  size_t map_len_;
  std::string_view rest_;
  char* released_;  // pages before this are already given back
};

}  // namespace fanout::io
