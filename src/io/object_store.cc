#include "io/object_store.h"

#include "io/remote.h"

namespace fanout::io {

namespace {
constexpr size_t kReadAllChunk = 1 << 16;
}  // namespace

bool IsRemote(const ObjectInfo& object) { return IsS3Url(object.url) || IsHttpUrl(object.url); }

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
