#include "io/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <vector>

namespace fanout::io {

namespace {

constexpr size_t kInputChunk = 256 << 10;
constexpr int kGzipAutoWindowBits = 15 + 32;  // zlib: detect gzip or zlib headers

// Shared input handling: refills `in_` from the raw stream when it runs dry.
class Decompressor : public ByteStream {
 public:
  Status CheckUnchanged() override { return raw_->CheckUnchanged(); }

 protected:
  Decompressor(std::unique_ptr<ByteStream> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), in_(kInputChunk) {}

  // Ensures unread input is available; sets raw_eof_ when the raw stream ended.
  Status Refill() {
    if (pos_ < len_ || raw_eof_) return Status::OK();
    ASSIGN_OR_RETURN(size_t got, raw_->Read(in_.data(), in_.size()));
    pos_ = 0;
    len_ = got;
    if (got == 0) raw_eof_ = true;
    return Status::OK();
  }
  Status Truncated(const char* format) const {
    return Status::Corrupt(name_ + ": truncated " + format + " data (the object ends mid-stream)");
  }

  std::unique_ptr<ByteStream> raw_;
  std::string name_;
  std::vector<char> in_;
  size_t pos_ = 0, len_ = 0;
  bool raw_eof_ = false;
};

class GzipStream final : public Decompressor {
 public:
  GzipStream(std::unique_ptr<ByteStream> raw, std::string name)
      : Decompressor(std::move(raw), std::move(name)) {
    inflateInit2(&z_, kGzipAutoWindowBits);
  }
  ~GzipStream() override { inflateEnd(&z_); }

  Result<size_t> Read(char* buf, size_t n) override {
    size_t produced = 0;
    while (produced == 0 && n > 0) {
      RETURN_IF_ERROR(Refill());
      if (pos_ == len_) {  // raw stream ended
        if (member_open_) return Truncated("gzip");
        return size_t{0};
      }
      if (!member_open_) {
        inflateReset(&z_);
        member_open_ = true;
      }
      z_.next_in = reinterpret_cast<Bytef*>(in_.data() + pos_);
      z_.avail_in = static_cast<uInt>(len_ - pos_);
      z_.next_out = reinterpret_cast<Bytef*>(buf + produced);
      z_.avail_out = static_cast<uInt>(std::min<size_t>(n - produced, 1u << 30));
      size_t before = pos_;
      int rc = inflate(&z_, Z_NO_FLUSH);
      pos_ = len_ - z_.avail_in;
      produced = static_cast<size_t>(reinterpret_cast<char*>(z_.next_out) - buf);
      if (rc == Z_STREAM_END) {
        member_open_ = false;  // another member may follow (concatenated gzip)
      } else if (rc == Z_BUF_ERROR && pos_ == before && z_.next_out == reinterpret_cast<Bytef*>(buf)) {
        return Status::Corrupt(name_ + ": invalid gzip data (no progress possible)");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::Corrupt(name_ + ": invalid gzip data (" + (z_.msg ? z_.msg : "inflate failed") + ")");
      }
    }
    return produced;
  }

 private:
  z_stream z_{};
  bool member_open_ = false;
};

class ZstdStream final : public Decompressor {
 public:
  ZstdStream(std::unique_ptr<ByteStream> raw, std::string name)
      : Decompressor(std::move(raw), std::move(name)), ctx_(ZSTD_createDStream()) {}
  ~ZstdStream() override { ZSTD_freeDStream(ctx_); }

  Result<size_t> Read(char* buf, size_t n) override {
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0 && n > 0) {
      RETURN_IF_ERROR(Refill());
      if (pos_ == len_) {
        if (frame_open_) return Truncated("zstd");
        return size_t{0};
      }
      ZSTD_inBuffer in{in_.data(), len_, pos_};
      size_t rc = ZSTD_decompressStream(ctx_, &out, &in);
      pos_ = in.pos;
      if (ZSTD_isError(rc)) {
        return Status::Corrupt(name_ + ": invalid zstd data (" + ZSTD_getErrorName(rc) + ")");
      }
      frame_open_ = rc != 0;  // 0: a frame ended exactly here
    }
    return out.pos;
  }

 private:
  ZSTD_DStream* ctx_;
  bool frame_open_ = false;
};

}  // namespace

std::unique_ptr<ByteStream> MakeDecompressor(std::unique_ptr<ByteStream> raw, Compression c,
                                             const std::string& name) {
  switch (c) {
    case Compression::kGzip:
      return std::make_unique<GzipStream>(std::move(raw), name);
    case Compression::kZstd:
      return std::make_unique<ZstdStream>(std::move(raw), name);
    case Compression::kNone:
      break;
  }
  return raw;
}

Compression CompressionFromMagic(const unsigned char* b, size_t n) {
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return Compression::kGzip;
  if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) return Compression::kZstd;
  return Compression::kNone;
}

}  // namespace fanout::io
