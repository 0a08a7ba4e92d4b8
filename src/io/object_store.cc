#include "io/object_store.h"

#include "io/decompress.h"
#include "io/local_file.h"
#include "io/remote.h"

#include <algorithm>
#include <set>

namespace fanout::io {

namespace {
constexpr size_t kMagicBytes = 4;
constexpr size_t kReadAllChunk = 1 << 16;
}  // namespace

Result<std::vector<ObjectInfo>> ListInputs(const std::vector<std::string>& inputs) {
  std::vector<ObjectInfo> all;
  for (const std::string& in : inputs) {
    if (in.rfind("stage://", 0) == 0) {  // planned from its manifest by the commands that read stages
      return Status::InvalidArgument(in + ": stage:// inputs are read by count, agg and run (fanout stage --list "
                                     "shows the stages)");
    }
    if (IsS3Url(in)) {
      ASSIGN_OR_RETURN(std::vector<ObjectInfo> found, ListS3(in));
      all.insert(all.end(), found.begin(), found.end());
    } else if (IsHttpUrl(in)) {
      ASSIGN_OR_RETURN(ObjectInfo o, StatHttp(in));
      all.push_back(std::move(o));
    } else {
      ASSIGN_OR_RETURN(std::vector<ObjectInfo> found, ListLocal({in}));
      all.insert(all.end(), found.begin(), found.end());
    }
  }
  std::set<std::string> seen;
  std::vector<ObjectInfo> unique;
  for (ObjectInfo& o : all) {
    if (seen.insert(o.url).second) unique.push_back(std::move(o));
  }
  return unique;
}

bool IsRemote(const ObjectInfo& object) { return IsS3Url(object.url) || IsHttpUrl(object.url); }

Result<std::unique_ptr<ByteStream>> OpenRaw(const ObjectInfo& object, uint64_t offset) {
  if (IsRemote(object)) return OpenRemote(object, offset, object.size, /*whole_range_wanted=*/false);
  return LocalFileStream::Open(object, offset);
}

Result<std::unique_ptr<ByteStream>> OpenMapped(const ObjectInfo& object, uint64_t offset, uint64_t length) {
  if (IsRemote(object)) {
    uint64_t end = length >= object.size ? object.size : std::min(object.size, offset + length);
    return OpenRemote(object, offset, end, /*whole_range_wanted=*/true);
  }
  return MappedFileStream::Open(object, offset, length);
}

Result<Compression> DetectCompression(const ObjectInfo& object) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> s, OpenMapped(object, 0, kMagicBytes));
  unsigned char magic[kMagicBytes];
  size_t have = 0;
  while (have < kMagicBytes) {
    ASSIGN_OR_RETURN(size_t got, s->Read(reinterpret_cast<char*>(magic) + have, kMagicBytes - have));
    if (got == 0) break;
    have += got;
  }
  return CompressionFromMagic(magic, have);
}

Result<std::unique_ptr<ByteStream>> OpenContent(const ObjectInfo& object, Compression compression) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, OpenRaw(object, 0));
  return MakeDecompressor(std::move(raw), compression, object.url);
}

std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t host = scheme + 3;
  size_t authority_end = url.find_first_of("/?#", host);
  std::string_view authority = url.substr(host, authority_end == std::string_view::npos ? url.size() - host : authority_end - host);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, host)) + "***" + std::string(url.substr(host + at));
}

Result<std::string> ReadAll(ByteStream* stream) {
  std::string out;
  for (;;) {
    size_t old = out.size();
    out.resize(old + kReadAllChunk);
    ASSIGN_OR_RETURN(size_t got, stream->Read(out.data() + old, kReadAllChunk));
    out.resize(old + got);
    if (got == 0) return out;
  }
}

}  // namespace fanout::io
