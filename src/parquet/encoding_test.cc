#include "parquet/encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace fanout::parquet {
namespace {

using namespace std::string_literals;

const std::vector<size_t> kSizes = {0, 1, 2, 7, 8, 9, 31, 32, 33, 127, 128, 129, 130, 255, 256, 257, 1000, 4099};

uint64_t Mask(int width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

// Appends values of a fixed width least significant bit first, as the RLE hybrid's
// bit-packed runs and DELTA_BINARY_PACKED's miniblocks store them.
class LsbBitWriter {
 public:
  explicit LsbBitWriter(std::string* out) : out_(out) {}
  void Put(uint64_t v, int width) {
    for (int i = 0; i < width; ++i) {
      if (bits_ % 8 == 0) out_->push_back(0);
      if ((v >> i) & 1) out_->back() = static_cast<char>(out_->back() | (1 << (bits_ % 8)));
      ++bits_;
    }
  }

 private:
  std::string* out_;
  size_t bits_ = 0;
};

void PutUleb(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutZigZag(int64_t v, std::string* out) {
  PutUleb((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

// ---------------------------------------------------------------------------
// RLE / bit-packed hybrid

struct RleCase {
  std::string bytes;
  std::vector<uint32_t> values;
  size_t min_end = 0;  // a prefix shorter than this lacks a bit of some value
};

// A straightforward encoder choosing run kinds at random: repeated runs of 1..300
// values, and bit-packed runs of 1..20 groups (the last padded with zeros).
RleCase EncodeRle(size_t n, int width, std::mt19937_64& rng) {
  RleCase c;
  const uint64_t mask = Mask(width);
  while (c.values.size() < n) {
    size_t left = n - c.values.size();
    if (rng() % 2 == 0) {
      size_t count = std::min<size_t>(left, 1 + rng() % 300);
      uint32_t value = static_cast<uint32_t>(rng() & mask);
      PutUleb(count << 1, &c.bytes);
      for (int i = 0; i < (width + 7) / 8; ++i) c.bytes.push_back(static_cast<char>(value >> (8 * i)));
      c.values.insert(c.values.end(), count, value);
      c.min_end = c.bytes.size();
    } else {
      size_t groups = 1 + rng() % 20;
      groups = std::min(groups, (left + 7) / 8);
      PutUleb(groups << 1 | 1, &c.bytes);
      size_t start = c.bytes.size();
      std::string packed;
      LsbBitWriter w(&packed);
      size_t used = std::min(left, groups * 8);
      for (size_t i = 0; i < groups * 8; ++i) {
        uint32_t v = i < used ? static_cast<uint32_t>(rng() & mask) : 0;
        if (i < used) c.values.push_back(v);
        w.Put(v, width);
      }
      packed.resize(groups * static_cast<size_t>(width));
      c.bytes += packed;
      c.min_end = start + (used * static_cast<size_t>(width) + 7) / 8;
    }
  }
  return c;
}

TEST(RleDecoder, SpecExampleBitPackedRun) {
  // Encodings.md: 0..7 at bit width 3 packed as 10001000 11000110 11111010, after a
  // header for one group of 8.
  const std::string data = "\x03\x88\xc6\xfa"s;
  RleDecoder d(data, 3);
  uint32_t out[8];
  ASSERT_TRUE(d.Get(out, 8).ok());
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(out[i], i);
  EXPECT_EQ(d.consumed(), 4u);
  EXPECT_EQ(d.Get(out, 1).code(), StatusCode::kCorrupt);
}

TEST(RleDecoder, RepeatedRunThenBitPackedRun) {
  // 10 x 5 at width 3 (header 10 << 1, one value byte), then the spec's group.
  const std::string data = "\x14\x05\x03\x88\xc6\xfa"s;
  RleDecoder d(data, 3);
  std::vector<uint32_t> out(18);
  ASSERT_TRUE(d.Get(out.data(), out.size()).ok());
  std::vector<uint32_t> want(10, 5);
  for (uint32_t i = 0; i < 8; ++i) want.push_back(i);
  EXPECT_EQ(out, want);
}

TEST(RleDecoder, RandomRunsAtEveryBitWidth) {
  std::mt19937_64 rng(1);
  for (int width = 0; width <= 32; ++width) {
    for (size_t n : kSizes) {
      RleCase c = EncodeRle(n, width, rng);
      SCOPED_TRACE("width " + std::to_string(width) + " n " + std::to_string(n));
      // All at once.
      std::vector<uint32_t> out(n + 1, 77);
      RleDecoder whole(c.bytes, width);
      ASSERT_TRUE(whole.Get(out.data(), n).ok());
      out.pop_back();
      EXPECT_EQ(out, c.values);
      EXPECT_EQ(whole.consumed(), c.bytes.size());
      // In slices of random sizes, which split groups and runs anywhere.
      RleDecoder sliced(c.bytes, width);
      std::vector<uint32_t> got;
      while (got.size() < n) {
        size_t k = std::min<size_t>(n - got.size(), rng() % 20);
        std::vector<uint32_t> part(k);
        ASSERT_TRUE(sliced.Get(part.data(), k).ok());
        got.insert(got.end(), part.begin(), part.end());
      }
      EXPECT_EQ(got, c.values);
      // As runs.
      RleDecoder runs(c.bytes, width);
      got.clear();
      std::vector<uint32_t> literals(64);
      for (;;) {
        RleDecoder::Run run;
        ASSERT_TRUE(runs.NextRun(1 + rng() % 64, &run, literals.data()).ok());
        if (run.count == 0 || (width == 0 && got.size() >= n)) break;
        if (run.repeated) {
          got.insert(got.end(), run.count, run.value);
        } else {
          got.insert(got.end(), literals.begin(), literals.begin() + run.count);
        }
      }
      got.resize(std::min(got.size(), n));  // a padded last group may add values
      EXPECT_EQ(got, c.values);
    }
  }
}

TEST(RleDecoder, EveryTruncationIsCorruptOrLosesOnlyPadding) {
  std::mt19937_64 rng(2);
  for (int width : {1, 2, 3, 7, 8, 13, 20, 31, 32}) {
    for (size_t n : {1, 9, 100, 300}) {
      RleCase c = EncodeRle(n, width, rng);
      for (size_t cut = 0; cut < c.bytes.size(); ++cut) {
        RleDecoder d(std::string_view(c.bytes).substr(0, cut), width);
        std::vector<uint32_t> out(n);
        Status s = d.Get(out.data(), n);
        if (cut < c.min_end) {
          EXPECT_EQ(s.code(), StatusCode::kCorrupt) << "width " << width << " n " << n << " cut " << cut;
        } else {
          // Only the zero bits padding the last group are gone.
          ASSERT_TRUE(s.ok()) << s.message();
          EXPECT_EQ(out, c.values);
        }
      }
    }
  }
}

TEST(RleDecoder, HugeRunHeadersAreBoundedByTheRequest) {
  // A repeated run of 2^31 - 1 values costs only what is asked of it.
  std::string repeated;
  PutUleb(uint64_t{0x7fffffff} << 1, &repeated);
  repeated.push_back(1);
  RleDecoder d(repeated, 1);
  std::vector<uint32_t> out(1000);
  ASSERT_TRUE(d.Get(out.data(), out.size()).ok());
  EXPECT_EQ(out, std::vector<uint32_t>(1000, 1));
  RleDecoder::Run run;
  ASSERT_TRUE(d.NextRun(5, &run, nullptr).ok());
  EXPECT_TRUE(run.repeated);
  EXPECT_EQ(run.count, 5u);

  // A bit-packed run claiming 2^28 - 1 groups over three bytes holds 8 values of 3 bits.
  std::string packed;
  PutUleb(uint64_t{0x0fffffff} << 1 | 1, &packed);
  packed += "\x88\xc6\xfa"s;
  RleDecoder p(packed, 3);
  ASSERT_TRUE(p.Get(out.data(), 8).ok());
  EXPECT_EQ(p.Get(out.data(), 1).code(), StatusCode::kCorrupt);

  // A header above 32 bits, and a varint longer than 10 bytes.
  std::string big;
  PutUleb(uint64_t{1} << 33, &big);
  big.push_back(0);
  EXPECT_EQ(RleDecoder(big, 1).Get(out.data(), 1).code(), StatusCode::kCorrupt);
  EXPECT_EQ(RleDecoder(std::string(11, '\x80'), 1).Get(out.data(), 1).code(), StatusCode::kCorrupt);
}

TEST(RleDecoder, BadInputsAreCorrupt) {
  uint32_t out[8];
  EXPECT_EQ(RleDecoder("\x02\x01"s, 33).Get(out, 1).code(), StatusCode::kCorrupt);
  EXPECT_EQ(RleDecoder("\x02\x01"s, -1).Get(out, 1).code(), StatusCode::kCorrupt);
  RleDecoder::Run run;
  EXPECT_EQ(RleDecoder("\x02\x01"s, 33).NextRun(1, &run, out).code(), StatusCode::kCorrupt);
  EXPECT_EQ(RleDecoder("\x02\x04"s, 2).Get(out, 1).code(), StatusCode::kCorrupt);  // 4 needs 3 bits
  EXPECT_EQ(RleDecoder("\x02"s, 2).Get(out, 1).code(), StatusCode::kCorrupt);      // value byte missing
  EXPECT_EQ(RleDecoder("", 2).Get(out, 1).code(), StatusCode::kCorrupt);
  EXPECT_TRUE(RleDecoder("", 2).Get(out, 0).ok());
  ASSERT_TRUE(RleDecoder("", 2).NextRun(8, &run, out).ok());
  EXPECT_EQ(run.count, 0u);
}

TEST(RleDecoder, EmptyRunsAreSkipped) {
  const std::string data = "\x00\x00\x01\x04\x03"s;  // a repeated run of 0, a bit-packed run of 0 groups, 2 x 3
  RleDecoder d(data, 3);
  uint32_t out[2];
  ASSERT_TRUE(d.Get(out, 2).ok());
  EXPECT_EQ(out[0], 3u);
  EXPECT_EQ(out[1], 3u);
}

TEST(RleDecoder, BitWidthZeroIsAllZeros) {
  std::vector<uint32_t> out(100, 9);
  RleDecoder empty("", 0);
  ASSERT_TRUE(empty.Get(out.data(), out.size()).ok());
  EXPECT_EQ(out, std::vector<uint32_t>(100, 0));
  RleDecoder::Run run;
  ASSERT_TRUE(empty.NextRun(50, &run, out.data()).ok());
  EXPECT_TRUE(run.repeated);
  EXPECT_EQ(run.count, 50u);
  // Runs written at width 0 carry no value bytes; they are read for consumed().
  const std::string data = "\x08\x03"s;  // 4 zeros, then one empty bit-packed group
  RleDecoder runs(data, 0);
  ASSERT_TRUE(runs.Get(out.data(), 12).ok());
  EXPECT_EQ(runs.consumed(), 2u);
}

// ---------------------------------------------------------------------------
// BIT_PACKED (deprecated, most significant bit first)

std::string EncodeMsbFirst(const std::vector<uint32_t>& values, int width) {
  std::string out;
  size_t bits = 0;
  for (uint32_t v : values) {
    for (int i = width - 1; i >= 0; --i) {
      if (bits % 8 == 0) out.push_back(0);
      if ((v >> i) & 1) out.back() = static_cast<char>(out.back() | (0x80 >> (bits % 8)));
      ++bits;
    }
  }
  return out;
}

TEST(ParquetBitPacked, SpecExample) {
  uint32_t out[8];
  size_t consumed = 0;
  ASSERT_TRUE(DecodeBitPacked("\x05\x39\x77"s, 3, 8, out, &consumed).ok());
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(out[i], i);
  EXPECT_EQ(consumed, 3u);
}

TEST(ParquetBitPacked, RandomAtEveryBitWidthAndTruncations) {
  std::mt19937_64 rng(3);
  for (int width = 0; width <= 32; ++width) {
    for (size_t n : kSizes) {
      std::vector<uint32_t> values(n);
      for (auto& v : values) v = static_cast<uint32_t>(rng() & Mask(width));
      std::string bytes = EncodeMsbFirst(values, width);
      std::vector<uint32_t> out(n);
      size_t consumed = 0;
      ASSERT_TRUE(DecodeBitPacked(bytes + "junk", width, n, out.data(), &consumed).ok());
      EXPECT_EQ(out, values);
      EXPECT_EQ(consumed, bytes.size());
      if (!bytes.empty()) {
        EXPECT_EQ(DecodeBitPacked(std::string_view(bytes).substr(0, bytes.size() - 1), width, n, out.data(), &consumed)
                      .code(),
                  StatusCode::kCorrupt);
      }
    }
  }
  uint32_t out[1];
  size_t consumed;
  EXPECT_EQ(DecodeBitPacked("\xff\xff\xff\xff\xff"s, 33, 1, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(DecodeBitPacked("", 1, size_t{1} << 62, out, &consumed).code(), StatusCode::kCorrupt);
}

// ---------------------------------------------------------------------------
// DELTA_BINARY_PACKED

struct DeltaLayout {
  uint64_t block = 128;
  uint64_t miniblocks = 4;
  char unused_width = 0;  // the width byte of miniblocks the last block does not need
};

// The spec's encoder, in the column's unsigned width (wrapping), with the last
// miniblock padded to its full size and no bodies for miniblocks past the values.
template <typename T>
std::string EncodeDelta(const std::vector<T>& values, DeltaLayout layout = {}) {
  using U = std::make_unsigned_t<T>;
  std::string out;
  PutUleb(layout.block, &out);
  PutUleb(layout.miniblocks, &out);
  PutUleb(values.size(), &out);
  PutZigZag(values.empty() ? 0 : values[0], &out);
  const size_t per_mini = layout.block / layout.miniblocks;
  for (size_t start = 1; start < values.size(); start += layout.block) {
    size_t end = std::min<size_t>(values.size(), start + layout.block);
    std::vector<U> deltas;
    for (size_t i = start; i < end; ++i) deltas.push_back(static_cast<U>(static_cast<U>(values[i]) - static_cast<U>(values[i - 1])));
    T min_delta = static_cast<T>(deltas[0]);
    for (U d : deltas) min_delta = std::min(min_delta, static_cast<T>(d));
    PutZigZag(min_delta, &out);
    std::vector<int> widths;
    for (size_t m = 0; m < layout.miniblocks; ++m) {
      int width = 0;
      for (size_t i = m * per_mini; i < std::min(deltas.size(), (m + 1) * per_mini); ++i) {
        width = std::max(width, static_cast<int>(std::bit_width(static_cast<U>(deltas[i] - static_cast<U>(min_delta)))));
      }
      widths.push_back(width);
      out.push_back(m * per_mini < deltas.size() ? static_cast<char>(width) : layout.unused_width);
    }
    for (size_t m = 0; m * per_mini < deltas.size(); ++m) {
      std::string body;
      LsbBitWriter w(&body);
      for (size_t i = m * per_mini; i < (m + 1) * per_mini; ++i) {
        w.Put(i < deltas.size() ? static_cast<uint64_t>(static_cast<U>(deltas[i] - static_cast<U>(min_delta))) : 0,
              widths[m]);
      }
      body.resize(per_mini * static_cast<size_t>(widths[m]) / 8);
      out += body;
    }
  }
  return out;
}

template <typename T>
std::vector<T> RandomValues(size_t n, int kind, std::mt19937_64& rng) {
  std::vector<T> v(n);
  T x = 0;
  for (size_t i = 0; i < n; ++i) {
    switch (kind) {
      case 0: v[i] = static_cast<T>(rng()); break;                          // anything, wrapping deltas
      case 1: x = static_cast<T>(x + static_cast<T>(rng() % 1000)); v[i] = x; break;  // sorted-ish
      case 2: v[i] = static_cast<T>(42); break;                             // constant: width 0
      case 3: v[i] = i % 2 ? std::numeric_limits<T>::max() : std::numeric_limits<T>::min(); break;
      default: v[i] = static_cast<T>(static_cast<int64_t>(rng() % 200) - 100); break;
    }
  }
  return v;
}

Status Delta(std::string_view data, size_t n, int64_t* out, size_t* consumed) {
  return DecodeDeltaBinaryPacked(data, n, out, consumed);
}
Status Delta(std::string_view data, size_t n, int32_t* out, size_t* consumed) {
  return DecodeDeltaBinaryPacked32(data, n, out, consumed);
}

template <typename T>
void CheckDeltaRoundTrips() {
  std::mt19937_64 rng(4);
  for (DeltaLayout layout : {DeltaLayout{128, 4}, DeltaLayout{128, 1}, DeltaLayout{256, 8, '\xff'},
                             DeltaLayout{1024, 4, 'x'}, DeltaLayout{128, 2}}) {
    for (size_t n : kSizes) {
      for (int kind = 0; kind < 5; ++kind) {
        std::vector<T> values = RandomValues<T>(n, kind, rng);
        std::string bytes = EncodeDelta(values, layout);
        SCOPED_TRACE("block " + std::to_string(layout.block) + "/" + std::to_string(layout.miniblocks) + " n " +
                     std::to_string(n) + " kind " + std::to_string(kind));
        std::vector<T> out(n);
        size_t consumed = 0;
        ASSERT_TRUE(Delta(bytes + "trailing", n, out.data(), &consumed).ok());
        EXPECT_EQ(out, values);
        EXPECT_EQ(consumed, bytes.size());
        // Fewer values than the block holds; consumed still covers the block.
        size_t some = n / 3;
        std::vector<T> part(some);
        ASSERT_TRUE(Delta(bytes, some, part.data(), &consumed).ok());
        EXPECT_TRUE(std::equal(part.begin(), part.end(), values.begin()));
        EXPECT_EQ(consumed, bytes.size());
        EXPECT_EQ(Delta(bytes, n + 1, out.data(), &consumed).code(), StatusCode::kCorrupt);
      }
    }
  }
}

TEST(DeltaBinaryPacked, RoundTripsInt64) { CheckDeltaRoundTrips<int64_t>(); }
TEST(DeltaBinaryPacked, RoundTripsInt32) { CheckDeltaRoundTrips<int32_t>(); }

TEST(DeltaBinaryPacked, EveryTruncationIsCorrupt) {
  std::mt19937_64 rng(5);
  for (size_t n : {1, 2, 9, 33, 129, 300}) {
    for (int kind : {0, 1, 2}) {
      std::vector<int64_t> values = RandomValues<int64_t>(n, kind, rng);
      std::string bytes = EncodeDelta(values);
      for (size_t cut = 0; cut < bytes.size(); ++cut) {
        std::vector<int64_t> out(n);
        size_t consumed = 0;
        EXPECT_EQ(Delta(std::string_view(bytes).substr(0, cut), n, out.data(), &consumed).code(),
                  StatusCode::kCorrupt)
            << "n " << n << " cut " << cut;
        // Asking for no values still walks the block to find its end.
        EXPECT_EQ(Delta(std::string_view(bytes).substr(0, cut), 0, out.data(), &consumed).code(),
                  StatusCode::kCorrupt);
      }
    }
  }
}

TEST(DeltaBinaryPacked, SpecExamplesWithAValidBlockSize) {
  // Encodings.md's examples use a block of 8 values, which it says is invalid: they
  // are rejected as written, and read with a block of 128 in 4 miniblocks of 32.
  std::string example1 = "\x08\x01\x05\x02"  // block 8, 1 miniblock, 5 values, first 1
                         "\x02\x00"s;        // min delta 1, width 0
  int64_t out[8];
  size_t consumed = 0;
  EXPECT_EQ(Delta(example1, 5, out, &consumed).code(), StatusCode::kCorrupt);

  example1 = "\x80\x01\x04\x05\x02"  // block 128, 4 miniblocks, 5 values, first 1
             "\x02\x00\x00\x00\x00"s;  // min delta 1, four widths of 0
  ASSERT_TRUE(Delta(example1, 5, out, &consumed).ok());
  EXPECT_EQ(std::vector<int64_t>(out, out + 5), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(consumed, example1.size());

  // 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 x 3, 1 x 4; min -2, relative 0,0,0,3,3,3,3 on 2 bits.
  std::string example2 = "\x80\x01\x04\x08\x0e"  // first value 7
                         "\x03\x02\x00\x00\x00"   // min delta -2, widths 2, 0, 0, 0
                         "\xc0\x3f\x00\x00\x00\x00\x00\x00"s;  // 32 values of 2 bits
  ASSERT_TRUE(Delta(example2, 8, out, &consumed).ok());
  EXPECT_EQ(std::vector<int64_t>(out, out + 8), (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_EQ(consumed, example2.size());
  int32_t out32[8];
  ASSERT_TRUE(Delta(example2, 8, out32, &consumed).ok());
  EXPECT_EQ(std::vector<int32_t>(out32, out32 + 8), (std::vector<int32_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_EQ(EncodeDelta(std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}), example2);
}

TEST(DeltaBinaryPacked, BadHeadersAndWidthsAreCorrupt) {
  int64_t out[4];
  int32_t out32[4];
  size_t consumed;
  auto header = [](uint64_t block, uint64_t minis, uint64_t total, int64_t first) {
    std::string s;
    PutUleb(block, &s);
    PutUleb(minis, &s);
    PutUleb(total, &s);
    PutZigZag(first, &s);
    return s;
  };
  EXPECT_EQ(Delta(header(0, 1, 1, 0), 1, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(Delta(header(100, 1, 1, 0), 1, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(Delta(header(128, 0, 1, 0), 1, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(Delta(header(128, 3, 1, 0), 1, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(Delta(header(128, 8, 1, 0), 1, out, &consumed).code(), StatusCode::kCorrupt);  // 16 per miniblock
  EXPECT_EQ(Delta(header(uint64_t{1} << 40, 1, 1, 0), 1, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_TRUE(Delta(header(128, 4, 1, 0), 1, out, &consumed).ok());
  EXPECT_TRUE(Delta(header(128, 4, 1, int64_t{1} << 40), 1, out, &consumed).ok());
  EXPECT_EQ(Delta(header(128, 4, 1, int64_t{1} << 40), 1, out32, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(Delta(header(128, 4, 1, 0) + "x", 2, out, &consumed).code(), StatusCode::kCorrupt);

  // Miniblock widths above the column's.
  std::string wide64 = header(128, 4, 2, 0) + "\x00\x41\x00\x00\x00"s + std::string(32 * 65 / 8, '\0');
  EXPECT_EQ(Delta(wide64, 2, out, &consumed).code(), StatusCode::kCorrupt);
  std::string wide32 = header(128, 4, 2, 0) + "\x00\x21\x00\x00\x00"s + std::string(32 * 33 / 8, '\0');
  EXPECT_EQ(Delta(wide32, 2, out32, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_TRUE(Delta(wide32, 2, out, &consumed).ok());
  // A minimum delta outside int32 for an int32 column.
  std::string md;
  PutZigZag(int64_t{1} << 33, &md);
  EXPECT_EQ(Delta(header(128, 4, 2, 0) + md + std::string(4, '\0'), 2, out32, &consumed).code(),
            StatusCode::kCorrupt);
  // Varints of more than 10 bytes.
  EXPECT_EQ(Delta(std::string(11, '\x80') + "\x01\x01\x01"s, 1, out, &consumed).code(), StatusCode::kCorrupt);
}

TEST(DeltaBinaryPacked, HugeValueCountOverFewBytesEndsQuickly) {
  // A header claiming 2^62 values over blocks of width 0: each block costs its five
  // bytes, so the walk to the end stops where the data does.
  std::string s;
  PutUleb(128, &s);
  PutUleb(4, &s);
  PutUleb(uint64_t{1} << 62, &s);
  PutZigZag(0, &s);
  for (int i = 0; i < 1000; ++i) s += "\x00\x00\x00\x00\x00"s;
  std::vector<int64_t> out(1000);
  size_t consumed;
  EXPECT_EQ(Delta(s, out.size(), out.data(), &consumed).code(), StatusCode::kCorrupt);
}

TEST(DeltaBinaryPacked, WrapsAroundLikeTheWriter) {
  // INT64_MAX then INT64_MIN is a delta of +1 in two's complement.
  std::vector<int64_t> v = {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), 0, -1};
  std::vector<int64_t> out(v.size());
  size_t consumed;
  ASSERT_TRUE(Delta(EncodeDelta(v), v.size(), out.data(), &consumed).ok());
  EXPECT_EQ(out, v);
  std::vector<int32_t> v32 = {std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), 7};
  std::vector<int32_t> out32(v32.size());
  ASSERT_TRUE(Delta(EncodeDelta(v32), v32.size(), out32.data(), &consumed).ok());
  EXPECT_EQ(out32, v32);
}

// ---------------------------------------------------------------------------
// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY

std::string EncodeDeltaLength(const std::vector<std::string>& values) {
  std::vector<int32_t> lengths;
  std::string bytes;
  for (const auto& v : values) {
    lengths.push_back(static_cast<int32_t>(v.size()));
    bytes += v;
  }
  return EncodeDelta(lengths) + bytes;
}

std::string EncodeDeltaStrings(const std::vector<std::string>& values) {
  std::vector<int32_t> prefixes, suffix_lengths;
  std::string suffixes;
  std::string previous;
  for (const auto& v : values) {
    size_t p = 0;
    while (p < v.size() && p < previous.size() && v[p] == previous[p]) ++p;
    prefixes.push_back(static_cast<int32_t>(p));
    suffix_lengths.push_back(static_cast<int32_t>(v.size() - p));
    suffixes += v.substr(p);
    previous = v;
  }
  return EncodeDelta(prefixes) + EncodeDelta(suffix_lengths) + suffixes;
}

std::vector<std::string> RandomStrings(size_t n, std::mt19937_64& rng) {
  std::vector<std::string> out;
  std::string previous;
  for (size_t i = 0; i < n; ++i) {
    std::string s = previous.substr(0, rng() % (previous.size() + 1));
    size_t extra = rng() % 12;
    for (size_t j = 0; j < extra; ++j) s.push_back(static_cast<char>('a' + rng() % 3));
    out.push_back(s);
    previous = s;
  }
  return out;
}

std::vector<std::string> Strings(const std::vector<std::string_view>& views) {
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(DeltaLengthByteArray, SpecExample) {
  std::vector<std::string> values = {"Hello", "World", "Foobar", "ABCDEF"};
  std::string bytes = EncodeDeltaLength(values);
  EXPECT_TRUE(bytes.ends_with("HelloWorldFoobarABCDEF"));
  std::vector<std::string_view> out(4);
  ASSERT_TRUE(DecodeDeltaLengthByteArray(bytes, 4, out.data()).ok());
  EXPECT_EQ(Strings(out), values);
}

TEST(DeltaLengthByteArray, RandomAndTruncations) {
  std::mt19937_64 rng(6);
  for (size_t n : kSizes) {
    std::vector<std::string> values = RandomStrings(n, rng);
    std::string bytes = EncodeDeltaLength(values);
    std::vector<std::string_view> out(n);
    ASSERT_TRUE(DecodeDeltaLengthByteArray(bytes, n, out.data()).ok());
    EXPECT_EQ(Strings(out), values);
    if (n > 300) continue;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      Status s = DecodeDeltaLengthByteArray(std::string_view(bytes).substr(0, cut), n, out.data());
      EXPECT_EQ(s.code(), StatusCode::kCorrupt) << "n " << n << " cut " << cut;
    }
  }
}

TEST(DeltaLengthByteArray, NegativeLengthIsCorrupt) {
  std::vector<std::string_view> out(2);
  EXPECT_EQ(DecodeDeltaLengthByteArray(EncodeDelta(std::vector<int32_t>{1, -1}) + "ab", 2, out.data()).code(),
            StatusCode::kCorrupt);
  EXPECT_EQ(DecodeDeltaLengthByteArray(EncodeDelta(std::vector<int32_t>{1}) + "a", 2, out.data()).code(),
            StatusCode::kCorrupt);
}

TEST(DeltaByteArray, SpecExample) {
  std::vector<std::string> values = {"axis", "axle", "babble", "babyhood"};
  std::string bytes = EncodeDeltaStrings(values);
  EXPECT_EQ(bytes, EncodeDelta(std::vector<int32_t>{0, 2, 0, 3}) + EncodeDelta(std::vector<int32_t>{4, 2, 6, 5}) +
                       "axislebabbleyhood");
  std::string arena = "stale";
  std::vector<std::string_view> out(4);
  ASSERT_TRUE(DecodeDeltaByteArray(bytes, 4, &arena, out.data()).ok());
  EXPECT_EQ(Strings(out), values);
}

TEST(DeltaByteArray, RandomAndTruncations) {
  std::mt19937_64 rng(7);
  for (size_t n : kSizes) {
    std::vector<std::string> values = RandomStrings(n, rng);
    std::string bytes = EncodeDeltaStrings(values);
    std::string arena;
    std::vector<std::string_view> out(n);
    ASSERT_TRUE(DecodeDeltaByteArray(bytes, n, &arena, out.data()).ok());
    EXPECT_EQ(Strings(out), values);
    if (n > 300) continue;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      EXPECT_EQ(DecodeDeltaByteArray(std::string_view(bytes).substr(0, cut), n, &arena, out.data()).code(),
                StatusCode::kCorrupt)
          << "n " << n << " cut " << cut;
    }
  }
}

TEST(DeltaByteArray, BadPrefixesAreCorrupt) {
  std::string arena;
  std::vector<std::string_view> out(2);
  // The first value has no predecessor to share a prefix with.
  std::string first = EncodeDelta(std::vector<int32_t>{1, 0}) + EncodeDelta(std::vector<int32_t>{1, 1}) + "ab";
  EXPECT_EQ(DecodeDeltaByteArray(first, 2, &arena, out.data()).code(), StatusCode::kCorrupt);
  std::string longer = EncodeDelta(std::vector<int32_t>{0, 2}) + EncodeDelta(std::vector<int32_t>{1, 1}) + "ab";
  EXPECT_EQ(DecodeDeltaByteArray(longer, 2, &arena, out.data()).code(), StatusCode::kCorrupt);
  std::string negative = EncodeDelta(std::vector<int32_t>{0, -1}) + EncodeDelta(std::vector<int32_t>{1, 1}) + "ab";
  EXPECT_EQ(DecodeDeltaByteArray(negative, 2, &arena, out.data()).code(), StatusCode::kCorrupt);
}

TEST(DeltaByteArray, PrefixBombStopsBeforeAllocating) {
  // One value of 1 MiB and 2047 more repeating it: 2 GiB of values from 1 MiB.
  const size_t n = 2048, big = size_t{1} << 20;
  std::vector<int32_t> prefixes(n, static_cast<int32_t>(big)), suffixes(n, 0);
  prefixes[0] = 0;
  suffixes[0] = static_cast<int32_t>(big);
  std::string bytes = EncodeDelta(prefixes) + EncodeDelta(suffixes) + std::string(big, 'z');
  std::string arena;
  std::vector<std::string_view> out(n);
  EXPECT_EQ(DecodeDeltaByteArray(bytes, n, &arena, out.data()).code(), StatusCode::kCorrupt);
  EXPECT_LT(arena.capacity(), big);
}

// ---------------------------------------------------------------------------
// BYTE_STREAM_SPLIT and PLAIN

TEST(ParquetByteStreamSplit, SpecExample) {
  std::string encoded = "\xAA\x00\xA3\xBB\x11\xB4\xCC\x22\xC5\xDD\x33\xD6"s;
  char out[12];
  ASSERT_TRUE(DecodeByteStreamSplit(encoded, 3, 4, out).ok());
  EXPECT_EQ(std::string(out, 12), "\xAA\xBB\xCC\xDD\x00\x11\x22\x33\xA3\xB4\xC5\xD6"s);
}

TEST(ParquetByteStreamSplit, RandomWidthsAndBadSizes) {
  std::mt19937_64 rng(8);
  for (size_t width : {1, 2, 3, 4, 8, 12, 16}) {
    for (size_t n : kSizes) {
      std::string plain(n * width, '\0');
      for (auto& c : plain) c = static_cast<char>(rng());
      std::string split(n * width, '\0');
      for (size_t i = 0; i < n; ++i) {
        for (size_t b = 0; b < width; ++b) split[b * n + i] = plain[i * width + b];
      }
      std::string out(n * width, '\0');
      ASSERT_TRUE(DecodeByteStreamSplit(split, n, width, out.data()).ok());
      EXPECT_EQ(out, plain);
      if (n > 1) {
        // Fewer values than the streams hold: the streams keep their length.
        ASSERT_TRUE(DecodeByteStreamSplit(split, n - 1, width, out.data()).ok());
        EXPECT_EQ(out.substr(0, (n - 1) * width), plain.substr(0, (n - 1) * width));
      }
      EXPECT_EQ(DecodeByteStreamSplit(split, n + 1, width, out.data()).code(), StatusCode::kCorrupt);
      if (width > 1 && n > 0) {
        EXPECT_EQ(DecodeByteStreamSplit(std::string_view(split).substr(1), n - 1, width, out.data()).code(),
                  StatusCode::kCorrupt);
      }
    }
  }
  char out[4];
  EXPECT_EQ(DecodeByteStreamSplit("", 0, 0, out).code(), StatusCode::kCorrupt);
}

TEST(ParquetPlain, ByteArrays) {
  std::mt19937_64 rng(9);
  for (size_t n : kSizes) {
    std::vector<std::string> values = RandomStrings(n, rng);
    std::string bytes;
    for (const auto& v : values) {
      uint32_t len = static_cast<uint32_t>(v.size());
      bytes.append(reinterpret_cast<const char*>(&len), 4);
      bytes += v;
    }
    std::vector<std::string_view> out(n);
    size_t consumed = 0;
    const std::string padded = bytes + "more";
    ASSERT_TRUE(DecodePlainByteArray(padded, n, out.data(), &consumed).ok());
    EXPECT_EQ(Strings(out), values);
    EXPECT_EQ(consumed, bytes.size());
    if (n > 300) continue;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      EXPECT_EQ(DecodePlainByteArray(std::string_view(bytes).substr(0, cut), n, out.data(), &consumed).code(),
                StatusCode::kCorrupt);
    }
  }
  std::string_view out[1];
  size_t consumed;
  EXPECT_EQ(DecodePlainByteArray("\xff\xff\xff\xff" "abc"s, 1, out, &consumed).code(), StatusCode::kCorrupt);
}

TEST(ParquetPlain, Booleans) {
  std::mt19937_64 rng(10);
  for (size_t n : kSizes) {
    std::vector<uint8_t> values(n);
    std::string bytes((n + 7) / 8, '\0');
    for (size_t i = 0; i < n; ++i) {
      values[i] = rng() & 1;
      if (values[i]) bytes[i / 8] = static_cast<char>(bytes[i / 8] | (1 << (i % 8)));
    }
    std::vector<uint8_t> out(n);
    size_t consumed = 0;
    ASSERT_TRUE(DecodePlainBoolean(bytes + "x", n, out.data(), &consumed).ok());
    EXPECT_EQ(out, values);
    EXPECT_EQ(consumed, bytes.size());
    if (n > 0) {
      EXPECT_EQ(DecodePlainBoolean(std::string_view(bytes).substr(0, bytes.size() - 1), n, out.data(), &consumed)
                    .code(),
                StatusCode::kCorrupt);
    }
  }
}

TEST(ParquetPlain, FixedWidth) {
  std::string bytes = "0123456789ab";
  char out[12];
  size_t consumed = 0;
  ASSERT_TRUE(DecodePlainFixed(bytes, 3, 4, out, &consumed).ok());
  EXPECT_EQ(std::string(out, 12), bytes);
  EXPECT_EQ(consumed, 12u);
  ASSERT_TRUE(DecodePlainFixed(bytes, 1, 12, out, &consumed).ok());  // INT96
  EXPECT_EQ(DecodePlainFixed(bytes, 2, 8, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(DecodePlainFixed(bytes, size_t{1} << 62, 8, out, &consumed).code(), StatusCode::kCorrupt);
  EXPECT_EQ(DecodePlainFixed(bytes, 1, 0, out, &consumed).code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace fanout::parquet
