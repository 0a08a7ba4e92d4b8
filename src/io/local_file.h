// Local files: the store (LocalFiles() in store.h) and its streams (internal to io/).
//
// Both streams check that the file is the one that was listed (its size, and its
// modification time and inode when this process listed it) when they open it,
// and that it has not changed since (size, modification time) when they reach
// its end and when asked (CheckUnchanged). A change is a Corrupt error:
// "PATH: changed while being read (...)".
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "io/guarded_mapping.h"
#include "io/object_store.h"
#include "io/store.h"

namespace fanout::io {

// See ListInputs: the same contract for local paths only.
Result<std::vector<ObjectInfo>> ListLocal(const std::vector<std::string>& inputs);

// Local files as a Store. List: ListLocal of one argument. Stat: a regular
// file. Open: a LocalFileStream (kSequential) or MappedFileStream (kWholeRange).
// Put: the file written beside itself and renamed into place. Refuses s3:// and
// http(s):// URLs, which no local path starts with.
class LocalStore final : public Store {
 public:
  Result<std::vector<ObjectInfo>> List(const std::string& pattern) override;
  Result<ObjectInfo> Stat(const std::string& url) override;
  Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                           Access access) override;
  Status Put(const std::string& url, std::string_view content) override;
};

// An open local file and its state when opened. Movable; closes the file.
class WatchedFile {
 public:
  // Opens object.url; an error when it cannot be opened, is a directory, or is
  // not the file that was listed.
  static Result<WatchedFile> Open(const ObjectInfo& object);
  WatchedFile(WatchedFile&& o) noexcept : path_(std::move(o.path_)), fd_(o.fd_), opened_(o.opened_) { o.fd_ = -1; }
  WatchedFile& operator=(WatchedFile&&) = delete;
  ~WatchedFile();

  // OK while the file has the size and modification time it had when opened.
  Status CheckUnchanged() const;
  // The error for a file that shrank under a mapping (its size now, if known).
  Status ShrankWhileMapped() const;

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  uint64_t size() const { return static_cast<uint64_t>(opened_.st_size); }

 private:
  WatchedFile(std::string path, int fd, const struct stat& st) : path_(std::move(path)), fd_(fd), opened_(st) {}
  std::string path_;
  int fd_;
  struct stat opened_;
};

// Reads a file's bytes [offset, end) with pread; large reads go straight into
// the caller's buffer, without a copy. The end is the listed size (or less).
class LocalFileStream final : public ByteStream {
 public:
  static Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset,
                                                  uint64_t end = std::numeric_limits<uint64_t>::max());
  Result<size_t> Read(char* buf, size_t n) override;
  Status CheckUnchanged() override { return file_.CheckUnchanged(); }

 private:
  LocalFileStream(WatchedFile file, uint64_t offset, uint64_t end)
      : file_(std::move(file)), offset_(offset), end_(end) {}
  WatchedFile file_;
  uint64_t offset_;
  uint64_t end_;
};

// A file range mapped into memory; Mapped() gives the unread bytes in place.
class MappedFileStream final : public ByteStream {
 public:
  // Maps [offset, offset + length) clipped to the file's end. An empty range
  // yields a stream at its end. When no mapping can be guarded (too many at
  // once), returns a LocalFileStream over the same bytes instead.
  static Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset, uint64_t length);
  Result<size_t> Read(char* buf, size_t n) override;
  std::string_view Mapped() const override { return rest_; }
  void ReleaseMapped(const char* upto) override;
  Status CheckUnchanged() override;

 private:
  MappedFileStream(WatchedFile file, std::unique_ptr<GuardedMapping> map, std::string_view rest)
      : file_(std::move(file)), map_(std::move(map)), rest_(rest), released_(map_ ? map_->data() : nullptr) {}
  WatchedFile file_;
  std::unique_ptr<GuardedMapping> map_;  // null for an empty range
  std::string_view rest_;
  char* released_;  // pages before this are already given back
};

}  // namespace fanout::io
