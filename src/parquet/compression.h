// The page codecs of Parquet (Compression.md in apache/parquet-format): each page is
// compressed on its own, and its header states its uncompressed size, which the
// decompressed bytes must match exactly.
//
// GZIP accepts gzip or zlib streams, and several gzip members one after another.
// SNAPPY is raw Snappy, LZ4_RAW the LZ4 block format, ZSTD one or more frames, BROTLI
// one stream. The deprecated LZ4 (codec 5) is Hadoop's framing — blocks of a 4-byte
// big-endian uncompressed size, a 4-byte big-endian compressed size and the LZ4
// block — but some writers stored a raw LZ4 block under it, so a page that does not
// read as Hadoop blocks is read as a raw block. LZO is not supported.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "parquet/types.h"

namespace fanout::parquet {

// A page larger than this, compressed or not, is taken for corrupt: the limit is
// checked before anything is allocated, so a page header's claim costs nothing.
inline constexpr size_t kMaxPageBytes = size_t{1} << 30;

// Decompresses one page of `codec` into *out (its previous contents replaced); the
// output must be exactly `uncompressed_size` bytes (the page header's figure) — more
// or fewer is Corrupt, as is uncompressed_size above kMaxPageBytes. kUncompressed
// copies: DecompressPageView does not.
[[nodiscard]] Status DecompressPage(Codec codec, std::string_view in, size_t uncompressed_size, std::string* out);

// As DecompressPage, but *page views the result: `in` itself for kUncompressed (no
// copy; *buffer untouched), else *buffer, which holds the decompressed bytes.
[[nodiscard]] Status DecompressPageView(Codec codec, std::string_view in, size_t uncompressed_size,
                                        std::string* buffer, std::string_view* page);

// "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"; "UNKNOWN"
// for a number the format does not define.
std::string_view CodecName(Codec codec);

// Compresses one page (for the project's own writer and for tests) into *out, replacing
// its contents. `level` 0 is the codec's default; it is ignored by SNAPPY and LZ4.
// GZIP writes one gzip member, LZ4 one Hadoop block. LZO is Unsupported; so is an
// input above kMaxPageBytes (InvalidArgument).
[[nodiscard]] Status CompressPage(Codec codec, std::string_view in, std::string* out, int level = 0);

}  // namespace fanout::parquet
