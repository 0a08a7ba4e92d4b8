// Objects and their bytes: what a listing says of an object (ObjectInfo) and the
// stream its bytes are read from (ByteStream). Where they come from, and the
// calls that list and open them, are in store.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace fanout::io {

enum class Compression { kNone, kGzip, kZstd };

struct ObjectInfo {
  std::string url;   // as the user would name it (a local path for files), never with a password (RedactUrl)
  uint64_t size = 0;  // bytes as stored (compressed size for .gz/.zst)
  std::string etag;   // remote objects: pinned while reading (If-Match); empty for files
  // Local files listed by this process: when the file was last modified (ns since
  // the epoch) and its inode, so that one rewritten or replaced after listing is
  // an error when it is read. 0 when not known (an object listed on another
  // machine): then only the size is checked.
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  // http(s) URLs given as scheme://user:password@host/...: the "user:password"
  // that `url` shows as ***, used for requests only. It stays in this process
  // (it is not sent to workers).
  std::string userinfo = {};
};

// A forward-only stream of bytes. Not thread-safe; one reader at a time.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to n bytes into buf. Returns the number read, 0 only at the end of
  // the stream, or an error that names the object.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // The stream's unread bytes when all of them are in memory (a mapped file),
  // valid for the stream's lifetime; empty otherwise. Read still works.
  virtual std::string_view Mapped() const { return {}; }
  // Says the reader no longer needs the mapped bytes before `upto` (a pointer
  // into Mapped()), so their pages can leave this process's memory.
  virtual void ReleaseMapped(const char* upto) {}
  // Call once the reader is done (also after it failed): an error naming the
  // object when the bytes delivered may not have been the object's, because a
  // local file changed while it was being read (its size or modification time
  // differs from when it was opened, or it shrank under its mapping, whose lost
  // pages then read as zeros). A reader that uses Mapped() learns of a change
  // only here; Read reports it as it happens. Remote streams check as they go
  // (ETag, Content-Range) and return OK.
  virtual Status CheckUnchanged() { return Status::OK(); }
  // Streams that receive their bytes into memory of their own anyway (remote
  // parts) can lend them instead of copying: the next bytes in place, valid until
  // the next call, empty at the end. Others return nullopt, and Read is the way.
  virtual std::optional<Result<std::string_view>> ReadView() { return std::nullopt; }
};

// True for s3:// and http(s):// objects.
bool IsRemote(const ObjectInfo& object);

// Reads a stream to its end (for tests and small objects).
Result<std::string> ReadAll(ByteStream* stream);

// The URL as it may be shown: a user:password before the host becomes ***
// ("http://***@127.0.0.1:9000/x"); anything else is returned as it is. Every
// message that shows a URL given by the user shows it through this.
std::string RedactUrl(std::string_view url);

}  // namespace fanout::io
