#include "parquet/compression.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <libdeflate.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <climits>
#include <cstdint>
#include <memory>

namespace fanout::parquet {
namespace {

// zlib's window bits: 15 (32 KiB), plus 32 to read either a gzip or a zlib header, or
// plus 16 to write a gzip one.
constexpr int kZlibWindowBits = 15;
constexpr int kZlibAutoHeader = 32;
constexpr int kZlibGzipHeader = 16;
constexpr int kZlibMemLevel = 8;
// Brotli's own default (11) is its slowest; 8 is the usual choice of Parquet writers.
constexpr int kBrotliDefaultQuality = 8;
constexpr size_t kHadoopHeaderBytes = 8;

static_assert(kMaxPageBytes <= INT_MAX && kMaxPageBytes <= UINT_MAX, "LZ4 and zlib take int-sized lengths");

Status Corrupt(Codec codec, const std::string& what) {
  return Status::Corrupt(std::string(CodecName(codec)) + " page: " + what);
}

Status WrongSize(Codec codec, size_t got, size_t want) {
  return Corrupt(codec, "decompresses to " + std::to_string(got) + " bytes, its header says " + std::to_string(want));
}

uint32_t LoadBigEndian32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

void StoreBigEndian32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (24 - 8 * i));
}

// libdeflate (about twice zlib's speed), member by member; false when the data
// is not exactly `size` bytes of good gzip members — then zlib reads it again,
// to say what is wrong.
bool FastInflateGzip(std::string_view in, size_t size, std::string* out) {
  struct Free {
    void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
  };
  thread_local std::unique_ptr<libdeflate_decompressor, Free> d(libdeflate_alloc_decompressor());
  if (d == nullptr) return false;
  out->resize(size);
  size_t produced = 0;
  do {
    size_t used_in = 0, used_out = 0;
    libdeflate_result r = libdeflate_gzip_decompress_ex(d.get(), in.data(), in.size(), out->data() + produced,
                                                        size - produced, &used_in, &used_out);
    if (r != LIBDEFLATE_SUCCESS || used_in == 0 || used_in > in.size()) return false;
    produced += used_out;
    in.remove_prefix(used_in);
  } while (!in.empty());
  return produced == size;
}

Status InflateGzip(std::string_view in, size_t size, std::string* out) {
  if (FastInflateGzip(in, size, out)) return Status::OK();
  // One spare byte: a page that fills it decompresses to more than its header says.
  out->resize(size + 1);
  z_stream z{};
  if (inflateInit2(&z, kZlibWindowBits + kZlibAutoHeader) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(size + 1);
  Status status;
  for (;;) {
    int r = inflate(&z, Z_NO_FLUSH);
    if (r == Z_OK) continue;  // progress was made
    if (r == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      // Another gzip member follows (Compression.md: readers should accept them).
      if (inflateReset(&z) != Z_OK) status = Status::Internal("zlib: inflateReset failed");
      if (!status.ok()) break;
      continue;
    }
    status = r == Z_BUF_ERROR && z.avail_out > 0 ? Corrupt(Codec::kGzip, "stream cut short")
             : r == Z_BUF_ERROR                  ? Corrupt(Codec::kGzip, "decompresses to more than its header says")
                                                 : Corrupt(Codec::kGzip, z.msg ? z.msg : "bad deflate data");
    break;
  }
  size_t produced = size + 1 - z.avail_out;
  inflateEnd(&z);
  RETURN_IF_ERROR(status);
  if (produced != size) return WrongSize(Codec::kGzip, produced, size);
  out->resize(size);
  return Status::OK();
}

Status UncompressSnappy(std::string_view in, size_t size, std::string* out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &length)) return Corrupt(Codec::kSnappy, "bad header");
  if (length != size) return WrongSize(Codec::kSnappy, length, size);
  out->resize(size);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data())) return Corrupt(Codec::kSnappy, "bad data");
  return Status::OK();
}

Status DecompressBrotli(std::string_view in, size_t size, std::string* out) {
  out->resize(size + 1);
  size_t produced = size + 1;
  BrotliDecoderResult r = BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &produced,
                                                  reinterpret_cast<uint8_t*>(out->data()));
  if (r != BROTLI_DECODER_RESULT_SUCCESS) return Corrupt(Codec::kBrotli, "bad data, or more than its header says");
  if (produced != size) return WrongSize(Codec::kBrotli, produced, size);
  out->resize(size);
  return Status::OK();
}

struct FreeZstdContext {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

Status DecompressZstd(std::string_view in, size_t size, std::string* out) {
  // One context per thread: making one per page would cost more than small pages do.
  thread_local std::unique_ptr<ZSTD_DCtx, FreeZstdContext> context(ZSTD_createDCtx());
  if (!context) return Status::Internal("zstd: cannot make a context");
  out->resize(size + 1);
  size_t r = ZSTD_decompressDCtx(context.get(), out->data(), size + 1, in.data(), in.size());
  if (ZSTD_isError(r)) return Corrupt(Codec::kZstd, ZSTD_getErrorName(r));
  if (r != size) return WrongSize(Codec::kZstd, r, size);
  out->resize(size);
  return Status::OK();
}

// LZ4 blocks: the decoder never writes past `size` and fails on a block that wants to.
bool Lz4Block(std::string_view in, char* out, size_t size) {
  int r = LZ4_decompress_safe(in.data(), out, static_cast<int>(in.size()), static_cast<int>(size));
  return r >= 0 && static_cast<size_t>(r) == size;
}

// Hadoop's framing: blocks of (uncompressed size, compressed size, LZ4 block), which
// must cover the input exactly and add up to `size`.
bool Lz4Hadoop(std::string_view in, char* out, size_t size) {
  size_t written = 0;
  while (in.size() >= kHadoopHeaderBytes) {
    size_t raw = LoadBigEndian32(in.data());
    size_t compressed = LoadBigEndian32(in.data() + 4);
    in.remove_prefix(kHadoopHeaderBytes);
    if (compressed > in.size() || raw > size - written) return false;
    if (raw > 0 && !Lz4Block(in.substr(0, compressed), out + written, raw)) return false;
    in.remove_prefix(compressed);
    written += raw;
  }
  return in.empty() && written == size;
}

Status DecompressTo(Codec codec, std::string_view in, size_t size, std::string* out) {
  switch (codec) {
    case Codec::kUncompressed:
      if (in.size() != size) return WrongSize(codec, in.size(), size);
      out->assign(in);
      return Status::OK();
    case Codec::kSnappy:
      return UncompressSnappy(in, size, out);
    case Codec::kGzip:
      return InflateGzip(in, size, out);
    case Codec::kBrotli:
      return DecompressBrotli(in, size, out);
    case Codec::kZstd:
      return DecompressZstd(in, size, out);
    case Codec::kLz4Raw:
      out->resize(size);
      if (!Lz4Block(in, out->data(), size)) return Corrupt(codec, "bad block, or not " + std::to_string(size) + " bytes");
      return Status::OK();
    case Codec::kLz4:
      // Hadoop's framing first, then a raw block as some writers stored (as parquet-cpp reads them).
      out->resize(size);
      if (Lz4Hadoop(in, out->data(), size) || Lz4Block(in, out->data(), size)) return Status::OK();
      return Corrupt(codec, "neither Hadoop-framed nor a raw LZ4 block of " + std::to_string(size) + " bytes");
    case Codec::kLzo:
      return Status::Unsupported("LZO-compressed Parquet pages are not supported (rewrite the file with another codec)");
  }
  return Status::Unsupported("unknown Parquet codec " + std::to_string(static_cast<int32_t>(codec)));
}

Status CheckSizes(Codec codec, std::string_view in, size_t uncompressed_size) {
  if (uncompressed_size > kMaxPageBytes) {
    return Corrupt(codec, "its header says " + std::to_string(uncompressed_size) + " bytes, above the limit of " +
                              std::to_string(kMaxPageBytes));
  }
  if (in.size() > kMaxPageBytes) {
    return Corrupt(codec, std::to_string(in.size()) + " bytes, above the limit of " + std::to_string(kMaxPageBytes));
  }
  return Status::OK();
}

}  // namespace

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed: return "UNCOMPRESSED";
    case Codec::kSnappy: return "SNAPPY";
    case Codec::kGzip: return "GZIP";
    case Codec::kLzo: return "LZO";
    case Codec::kBrotli: return "BROTLI";
    case Codec::kLz4: return "LZ4";
    case Codec::kZstd: return "ZSTD";
    case Codec::kLz4Raw: return "LZ4_RAW";
  }
  return "UNKNOWN";
}

Status DecompressPage(Codec codec, std::string_view in, size_t uncompressed_size, std::string* out) {
  RETURN_IF_ERROR(CheckSizes(codec, in, uncompressed_size));
  Status status = DecompressTo(codec, in, uncompressed_size, out);
  if (!status.ok()) out->clear();
  return status;
}

Status DecompressPageView(Codec codec, std::string_view in, size_t uncompressed_size, std::string* buffer,
                          std::string_view* page) {
  if (codec == Codec::kUncompressed) {
    RETURN_IF_ERROR(CheckSizes(codec, in, uncompressed_size));
    if (in.size() != uncompressed_size) return WrongSize(codec, in.size(), uncompressed_size);
    *page = in;
    return Status::OK();
  }
  RETURN_IF_ERROR(DecompressPage(codec, in, uncompressed_size, buffer));
  *page = *buffer;
  return Status::OK();
}

namespace {

Status Deflate(std::string_view in, int level, std::string* out) {
  z_stream z{};
  if (deflateInit2(&z, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, kZlibWindowBits + kZlibGzipHeader,
                   kZlibMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::InvalidArgument("GZIP: bad compression level " + std::to_string(level));
  }
  out->resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  int r = deflate(&z, Z_FINISH);
  out->resize(z.total_out);
  deflateEnd(&z);
  if (r != Z_STREAM_END) return Status::Internal("zlib: deflate did not finish");
  return Status::OK();
}

}  // namespace

Status CompressPage(Codec codec, std::string_view in, std::string* out, int level) {
  if (in.size() > kMaxPageBytes) {
    return Status::InvalidArgument("a page of " + std::to_string(in.size()) + " bytes is above the limit of " +
                                   std::to_string(kMaxPageBytes));
  }
  switch (codec) {
    case Codec::kUncompressed:
      out->assign(in);
      return Status::OK();
    case Codec::kSnappy: {
      out->resize(snappy::MaxCompressedLength(in.size()));
      size_t length = 0;
      snappy::RawCompress(in.data(), in.size(), out->data(), &length);
      out->resize(length);
      return Status::OK();
    }
    case Codec::kGzip:
      return Deflate(in, level, out);
    case Codec::kBrotli: {
      size_t length = BrotliEncoderMaxCompressedSize(in.size());
      out->resize(length);
      if (!BrotliEncoderCompress(level == 0 ? kBrotliDefaultQuality : level, BROTLI_DEFAULT_WINDOW,
                                 BROTLI_MODE_GENERIC, in.size(), reinterpret_cast<const uint8_t*>(in.data()), &length,
                                 reinterpret_cast<uint8_t*>(out->data()))) {
        return Status::Internal("brotli: compression failed");
      }
      out->resize(length);
      return Status::OK();
    }
    case Codec::kZstd: {
      out->resize(ZSTD_compressBound(in.size()));
      size_t r = ZSTD_compress(out->data(), out->size(), in.data(), in.size(), level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
      if (ZSTD_isError(r)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(r));
      out->resize(r);
      return Status::OK();
    }
    case Codec::kLz4Raw:
    case Codec::kLz4: {
      const size_t header = codec == Codec::kLz4 ? kHadoopHeaderBytes : 0;
      out->resize(header + static_cast<size_t>(LZ4_compressBound(static_cast<int>(in.size()))));
      int r = LZ4_compress_default(in.data(), out->data() + header, static_cast<int>(in.size()),
                                   static_cast<int>(out->size() - header));
      if (r <= 0) return Status::Internal("lz4: compression failed");
      if (header > 0) {
        StoreBigEndian32(static_cast<uint32_t>(in.size()), out->data());
        StoreBigEndian32(static_cast<uint32_t>(r), out->data() + 4);
      }
      out->resize(header + static_cast<size_t>(r));
      return Status::OK();
    }
    case Codec::kLzo:
      return Status::Unsupported("writing LZO-compressed Parquet pages is not supported");
  }
  return Status::Unsupported("unknown Parquet codec " + std::to_string(static_cast<int32_t>(codec)));
}

}  // namespace fanout::parquet
