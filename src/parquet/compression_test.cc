#include "parquet/compression.h"

#include <gtest/gtest.h>
#include <lz4.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

namespace fanout::parquet {
namespace {

const std::vector<Codec> kCodecs = {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip,  Codec::kBrotli,
                                    Codec::kLz4,          Codec::kZstd,   Codec::kLz4Raw};

// Pages that compress well (text with repeats) and that do not (random bytes).
std::vector<std::string> Pages() {
  std::mt19937_64 rng(11);
  std::vector<std::string> pages = {"", "x"};
  for (size_t size : {100, 4096, 100000, 1 << 20}) {
    std::string text, noise(size, '\0');
    while (text.size() < size) text += "2019-01-01 00:46:40," + std::to_string(rng() % 100) + ",1.5,";
    text.resize(size);
    for (auto& c : noise) c = static_cast<char>(rng());
    pages.push_back(text);
    pages.push_back(noise);
  }
  return pages;
}

std::string Compress(Codec codec, std::string_view in, int level = 0) {
  std::string out;
  Status s = CompressPage(codec, in, &out, level);
  EXPECT_TRUE(s.ok()) << CodecName(codec) << ": " << s.message();
  return out;
}

TEST(CompressionRoundTrip, EveryCodecEveryPage) {
  for (Codec codec : kCodecs) {
    for (const std::string& page : Pages()) {
      SCOPED_TRACE(std::string(CodecName(codec)) + " " + std::to_string(page.size()));
      std::string compressed = Compress(codec, page);
      std::string out = "stale";
      Status s = DecompressPage(codec, compressed, page.size(), &out);
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_TRUE(out == page);
      std::string buffer;
      std::string_view view;
      ASSERT_TRUE(DecompressPageView(codec, compressed, page.size(), &buffer, &view).ok());
      EXPECT_TRUE(view == page);
    }
  }
}

TEST(CompressionRoundTrip, Levels) {
  std::string page(50000, 'a');
  for (Codec codec : {Codec::kGzip, Codec::kBrotli, Codec::kZstd}) {
    for (int level : {1, 9}) {
      std::string out;
      ASSERT_TRUE(DecompressPage(codec, Compress(codec, page, level), page.size(), &out).ok());
      EXPECT_TRUE(out == page);
    }
  }
}

TEST(CompressionDecompress, WrongSizeEitherWayIsCorrupt) {
  std::string page = Pages()[4];
  for (Codec codec : kCodecs) {
    std::string compressed = Compress(codec, page);
    std::string out;
    EXPECT_EQ(DecompressPage(codec, compressed, page.size() - 1, &out).code(), StatusCode::kCorrupt) << CodecName(codec);
    EXPECT_EQ(DecompressPage(codec, compressed, page.size() + 1, &out).code(), StatusCode::kCorrupt) << CodecName(codec);
    EXPECT_EQ(DecompressPage(codec, compressed, 0, &out).code(), StatusCode::kCorrupt) << CodecName(codec);
    std::string_view view;
    EXPECT_EQ(DecompressPageView(codec, compressed, page.size() + 1, &out, &view).code(), StatusCode::kCorrupt);
  }
}

TEST(CompressionDecompress, GarbageAndTruncationsAreCorrupt) {
  std::mt19937_64 rng(12);
  std::string garbage(5000, '\0');
  for (auto& c : garbage) c = static_cast<char>(rng());
  std::string page = Pages()[4];
  for (Codec codec : kCodecs) {
    if (codec == Codec::kUncompressed) continue;
    std::string out;
    EXPECT_EQ(DecompressPage(codec, garbage, page.size(), &out).code(), StatusCode::kCorrupt) << CodecName(codec);
    std::string compressed = Compress(codec, page);
    for (size_t cut : {size_t{0}, size_t{1}, compressed.size() / 2, compressed.size() - 1}) {
      EXPECT_EQ(DecompressPage(codec, std::string_view(compressed).substr(0, cut), page.size(), &out).code(),
                StatusCode::kCorrupt)
          << CodecName(codec) << " cut " << cut;
    }
    // A flipped byte in the middle: Corrupt, or (where the codec has no checksum) the
    // same number of bytes — never a crash.
    std::string flipped = compressed;
    flipped[flipped.size() / 2] ^= 0x55;
    Status s = DecompressPage(codec, flipped, page.size(), &out);
    EXPECT_TRUE(s.code() == StatusCode::kCorrupt || (s.ok() && out.size() == page.size())) << CodecName(codec);
  }
}

TEST(CompressionDecompress, SizeAboveTheLimitIsCorruptBeforeAllocating) {
  for (Codec codec : kCodecs) {
    std::string out;
    EXPECT_EQ(DecompressPage(codec, "abc", kMaxPageBytes + 1, &out).code(), StatusCode::kCorrupt);
    EXPECT_EQ(DecompressPage(codec, "abc", size_t{1} << 62, &out).code(), StatusCode::kCorrupt);
    EXPECT_LT(out.capacity(), size_t{1} << 20);
  }
}

TEST(CompressionDecompress, ConcatenatedGzipMembers) {
  std::string a = "first member, ", b = "second member, ", c = std::string(10000, 'c');
  std::string joined = Compress(Codec::kGzip, a) + Compress(Codec::kGzip, b) + Compress(Codec::kGzip, c);
  std::string out;
  ASSERT_TRUE(DecompressPage(Codec::kGzip, joined, a.size() + b.size() + c.size(), &out).ok());
  EXPECT_EQ(out, a + b + c);
  // A member with nothing in it between the others.
  joined = Compress(Codec::kGzip, a) + Compress(Codec::kGzip, "") + Compress(Codec::kGzip, b);
  ASSERT_TRUE(DecompressPage(Codec::kGzip, joined, a.size() + b.size(), &out).ok());
  EXPECT_EQ(out, a + b);
  // Garbage after a member is not another member.
  EXPECT_EQ(DecompressPage(Codec::kGzip, Compress(Codec::kGzip, a) + "junk", a.size(), &out).code(),
            StatusCode::kCorrupt);
}

TEST(CompressionDecompress, GzipAcceptsZlibStreams) {
  std::string page(3000, 'z');
  uLongf length = compressBound(page.size());
  std::string zlib(length, '\0');
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(zlib.data()), &length, reinterpret_cast<const Bytef*>(page.data()),
                     page.size()),
            Z_OK);
  zlib.resize(length);
  std::string out;
  ASSERT_TRUE(DecompressPage(Codec::kGzip, zlib, page.size(), &out).ok());
  EXPECT_EQ(out, page);
}

TEST(CompressionDecompress, Lz4ReadsHadoopBlocksAndRawBlocks) {
  std::string a(70000, 'a'), b = "then something else entirely";
  // Raw LZ4 written under the deprecated codec.
  std::string out;
  ASSERT_TRUE(DecompressPage(Codec::kLz4, Compress(Codec::kLz4Raw, a), a.size(), &out).ok());
  EXPECT_EQ(out, a);
  // Two Hadoop blocks.
  std::string framed = Compress(Codec::kLz4, a) + Compress(Codec::kLz4, b);
  ASSERT_TRUE(DecompressPage(Codec::kLz4, framed, a.size() + b.size(), &out).ok());
  EXPECT_EQ(out, a + b);
  // A Hadoop block claiming more than the page holds is read as neither.
  std::string lying = Compress(Codec::kLz4, a);
  lying[0] = '\x7f';
  EXPECT_EQ(DecompressPage(Codec::kLz4, lying, a.size(), &out).code(), StatusCode::kCorrupt);
  // LZ4_RAW is only the block format.
  EXPECT_EQ(DecompressPage(Codec::kLz4Raw, framed, a.size() + b.size(), &out).code(), StatusCode::kCorrupt);
}

TEST(CompressionDecompress, ConcatenatedZstdFrames) {
  std::string a = "alpha ", b(5000, 'b');
  std::string out;
  ASSERT_TRUE(
      DecompressPage(Codec::kZstd, Compress(Codec::kZstd, a) + Compress(Codec::kZstd, b), a.size() + b.size(), &out)
          .ok());
  EXPECT_EQ(out, a + b);
}

TEST(CompressionDecompress, UncompressedViewIsNotCopied) {
  std::string page = "plain bytes";
  std::string buffer;
  std::string_view view;
  ASSERT_TRUE(DecompressPageView(Codec::kUncompressed, page, page.size(), &buffer, &view).ok());
  EXPECT_EQ(view.data(), page.data());
  EXPECT_TRUE(buffer.empty());
  std::string copy;
  ASSERT_TRUE(DecompressPage(Codec::kUncompressed, page, page.size(), &copy).ok());
  EXPECT_EQ(copy, page);
}

TEST(CompressionCodecs, LzoAndUnknownAreUnsupported) {
  std::string out;
  Status s = DecompressPage(Codec::kLzo, "abc", 3, &out);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("LZO"), std::string::npos);
  EXPECT_EQ(CompressPage(Codec::kLzo, "abc", &out).code(), StatusCode::kUnsupported);
  EXPECT_EQ(DecompressPage(static_cast<Codec>(42), "abc", 3, &out).code(), StatusCode::kUnsupported);
  EXPECT_EQ(CompressPage(static_cast<Codec>(-1), "abc", &out).code(), StatusCode::kUnsupported);
}

TEST(CompressionCodecs, Names) {
  EXPECT_EQ(CodecName(Codec::kUncompressed), "UNCOMPRESSED");
  EXPECT_EQ(CodecName(Codec::kSnappy), "SNAPPY");
  EXPECT_EQ(CodecName(Codec::kGzip), "GZIP");
  EXPECT_EQ(CodecName(Codec::kLzo), "LZO");
  EXPECT_EQ(CodecName(Codec::kBrotli), "BROTLI");
  EXPECT_EQ(CodecName(Codec::kLz4), "LZ4");
  EXPECT_EQ(CodecName(Codec::kZstd), "ZSTD");
  EXPECT_EQ(CodecName(Codec::kLz4Raw), "LZ4_RAW");
  EXPECT_EQ(CodecName(static_cast<Codec>(99)), "UNKNOWN");
}

}  // namespace
}  // namespace fanout::parquet
