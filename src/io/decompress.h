// Decompressing streams: gzip (zlib, concatenated members) and zstd (concatenated frames).
#pragma once

#include <memory>
#include <string>

#include "io/object_store.h"

namespace fanout::io {

// Wraps `raw` (which must start at the object's first byte) so that Read returns
// decompressed bytes. Corrupt or truncated input is a Corrupt error naming `name`.
std::unique_ptr<ByteStream> MakeDecompressor(std::unique_ptr<ByteStream> raw, Compression c,
                                             const std::string& name);

// Recognises the magic bytes at the start of an object.
Compression CompressionFromMagic(const unsigned char* bytes, size_t n);

}  // namespace fanout::io
