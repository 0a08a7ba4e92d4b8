// Store: where objects live and how their bytes are read — the one interface
// every outside read (and the one write, `run --out s3://`) goes through, as
// leveldb's Env. Implementations: local files (LocalFiles(), local_file.h), S3
// and HTTP(S) (remote.h), one that picks among them by URL scheme (MakeStore,
// router_store.h), and a wrapper that injects faults for tests (fault_store.h).
//
// A store holds its own options (endpoint, retries, connections, timeouts):
// nothing is configured through process globals, so two stores in one process
// may differ. Every method is thread-safe. A stream may be used by one thread at
// a time, and the store must outlive every stream it opened.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/object_store.h"

namespace fanout::io {

// How the caller means to read a range (Store::Open).
enum class Access {
  // It may stop after the first bytes (a header, magic bytes): files are read
  // with pread; remote objects fetch one small part first and read ahead only
  // once that has been read, so stopping early costs one small request.
  kSequential,
  // It wants every byte: files are memory-mapped (ByteStream::Mapped), remote
  // objects keep their parts in flight from the start.
  kWholeRange,
};

class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  // The objects one INPUT argument names, sorted by URL, each with its size
  // (and ETag, or modification time and inode, as the store knows them): a file
  // or a directory (recursively; hidden entries skipped) or a glob of them; an
  // s3:// key, folder or glob ('*' does not cross '/'); an http(s) URL. Matching
  // nothing is NotFound naming `pattern`.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& pattern) = 0;

  // One object as it is now (no directories, no globs). NotFound when absent.
  virtual Result<ObjectInfo> Stat(const std::string& url) = 0;

  // Opens bytes [offset, offset + length) of `object`, clipped to object.size,
  // as listed: a stream that delivers every one of those bytes, or an error
  // naming the object — never fewer bytes and no others. An object that is no
  // longer the one listed (its size, ETag, or modification time differ) is an
  // error ("changed while being read"), when opened or while it is read
  // (ByteStream::CheckUnchanged). Use OpenRaw/OpenMapped, which also check the
  // stream's length.
  virtual Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                                   Access access) = 0;

  // Writes `content` as the object at `url`, whole or not at all, retried where
  // the store retries. Unsupported where objects cannot be written (http).
  virtual Status Put(const std::string& url, std::string_view content) = 0;
};

// The store of local files: stateless, one for the process, never destroyed.
// It refuses s3:// and http(s):// URLs (a store from MakeStore reads those).
Store* LocalFiles();

// INPUT arguments as the user may write them, expanded: `@FILE` is the inputs
// listed in FILE (a local file: one per line, blank lines and lines starting
// with '#' ignored), and brace patterns expand as the shell's do, in order:
// `{2009..2024}` (zero-padded to the wider end when one is written with a
// leading zero: `{01..12}`) and `{a,b,c}`, several per argument. InvalidArgument
// for an unreadable @FILE, an unbalanced or empty pattern, or more than
// kMaxExpandedInputs results.
inline constexpr size_t kMaxExpandedInputs = 100000;
Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& inputs);

// Expands INPUT arguments (ExpandInputs) into objects through `store`, in argument
// order, each argument's matches sorted by URL, duplicates removed (Store::List).
// With `missing`, an expanded input that does not exist (NotFound: a 404, a
// missing key or file, a pattern that matches nothing) is added to *missing
// rather than being an error — unless none exists.
Result<std::vector<ObjectInfo>> ListInputs(Store& store, const std::vector<std::string>& inputs,
                                           std::vector<std::string>* missing = nullptr);

// The object's stored bytes from `offset` to its end (Access::kSequential).
// The stream is checked to end where the object does: one that ends early or
// runs long is an error naming the object.
Result<std::unique_ptr<ByteStream>> OpenRaw(Store& store, const ObjectInfo& object, uint64_t offset);

// Bytes [offset, offset + length) clipped to the object's end, mapped where the
// store can (Access::kWholeRange), with the same length check as OpenRaw.
// Local files are checked when opened (a size, modification time or inode that
// differs from the listing is an error: "changed while being read") and again
// when read to their end or asked (CheckUnchanged); one truncated while mapped
// never ends the process (guarded_mapping.h).
Result<std::unique_ptr<ByteStream>> OpenMapped(Store& store, const ObjectInfo& object, uint64_t offset,
                                               uint64_t length);

// Reads the first bytes of the object and recognises gzip and zstd by magic number.
Result<Compression> DetectCompression(Store& store, const ObjectInfo& object);
// The object's first `n` bytes as stored (fewer when it is shorter), and the
// compression they announce: one small read, for planning.
struct Head {
  std::string bytes;
  Compression compression = Compression::kNone;
};
Result<Head> ReadHead(Store& store, const ObjectInfo& object, size_t n);

// Opens the object's content from the start, decompressed if `compression` says so.
Result<std::unique_ptr<ByteStream>> OpenContent(Store& store, const ObjectInfo& object, Compression compression);

}  // namespace fanout::io
