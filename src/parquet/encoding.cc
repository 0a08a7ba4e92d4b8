#include "parquet/encoding.h"

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstring>
#include <string>
#include <utility>

namespace fanout::parquet {
namespace {

static_assert(std::endian::native == std::endian::little, "the unpackers load little-endian words");

// The unpackers read whole 64-bit words: a group of 8 values of W bits is W bytes,
// and unpacking it reads at most W + 9 bytes from its start. Groups closer than this
// to the end of the data are unpacked from a zero-padded copy.
constexpr size_t kUnpackSlack = 16;
constexpr int kMaxDeltaBitWidth = 64;
// A DELTA_BINARY_PACKED block larger than this is taken for garbage (writers use 128
// to 1024 values).
constexpr uint64_t kMaxDeltaBlockValues = uint64_t{1} << 20;
constexpr size_t kMaxVarintBytes = 10;
// The lengths of DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY are decoded this many at
// a time, so no scratch grows with the value count.
constexpr size_t kLengthChunk = 512;

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Value I of a group of W-bit values packed least significant bit first.
template <int W, size_t I>
inline uint64_t Extract(const uint8_t* in) {
  constexpr size_t kBit = I * W;
  constexpr size_t kByte = kBit / 8;
  constexpr int kShift = kBit % 8;
  uint64_t v = Load64(in + kByte) >> kShift;
  // Only values wider than 56 bits can straddle nine bytes.
  if constexpr (kShift + W > 64) v |= uint64_t{in[kByte + 8]} << (64 - kShift);
  return v;
}

template <int W, typename T>
inline void Unpack8(const uint8_t* in, T* out) {
  constexpr uint64_t kMask = W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1;
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((out[I] = static_cast<T>(Extract<W, I>(in) & kMask)), ...);
  }(std::make_index_sequence<8>{});
}

// Unpacks `groups` groups of 8 W-bit values from in (groups * W bytes, all within the
// `avail` bytes readable from in) to out.
template <int W, typename T>
void UnpackGroups(const uint8_t* in, size_t avail, size_t groups, T* out) {
  if constexpr (W == 0) {
    std::fill_n(out, groups * 8, T{0});
  } else {
    size_t g = 0;
    for (; g < groups && g * W + W + kUnpackSlack <= avail; ++g) Unpack8<W>(in + g * W, out + g * 8);
    for (; g < groups; ++g) {
      uint8_t padded[W + kUnpackSlack] = {};
      std::memcpy(padded, in + g * W, W);
      Unpack8<W>(padded, out + g * 8);
    }
  }
}

template <typename T>
using UnpackFn = void (*)(const uint8_t*, size_t, size_t, T*);

template <typename T, size_t... W>
constexpr std::array<UnpackFn<T>, sizeof...(W)> MakeUnpackers(std::index_sequence<W...>) {
  return {&UnpackGroups<static_cast<int>(W), T>...};
}

// One unpacker per bit width: the width is chosen once per run or miniblock, never per value.
constexpr auto kUnpack32 = MakeUnpackers<uint32_t>(std::make_index_sequence<kMaxRleBitWidth + 1>{});
constexpr auto kUnpack64 = MakeUnpackers<uint64_t>(std::make_index_sequence<kMaxDeltaBitWidth + 1>{});

template <typename T>
inline UnpackFn<T> Unpacker(int width) {
  if constexpr (sizeof(T) == 4) {
    return kUnpack32[width];
  } else {
    return kUnpack64[width];
  }
}

// ULEB128 of at most 10 bytes; false when cut short or longer than 64 bits.
inline bool ReadUleb(std::string_view data, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (*pos >= data.size()) return false;
    uint8_t b = static_cast<uint8_t>(data[(*pos)++]);
    if (i == kMaxVarintBytes - 1 && b > 1) return false;
    v |= uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

inline int64_t ZigZag(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }

Status RleCorrupt(const char* what) { return Status::Corrupt(std::string("RLE/bit-packed data: ") + what); }

}  // namespace

// ---------------------------------------------------------------------------
// RLE / bit-packed hybrid

RleDecoder::RleDecoder(std::string_view data, int bit_width)
    : data_(data), bit_width_(bit_width), bad_width_(bit_width < 0 || bit_width > kMaxRleBitWidth) {}

Status RleDecoder::NextHeader() {
  if (pos_ >= data_.size()) return RleCorrupt("ends before the values asked for");
  uint64_t header;
  // A run is at most 2^31 - 1 values (Encodings.md), so its header fits 32 bits.
  if (!ReadUleb(data_, &pos_, &header) || header > UINT32_MAX) return RleCorrupt("bad run header");
  size_t left = data_.size() - pos_;
  if (header & 1) {
    size_t groups = header >> 1;
    size_t bytes = groups * static_cast<size_t>(bit_width_);
    literal_pos_ = pos_;
    if (bytes <= left) {
      literal_left_ = groups * 8;
      literal_end_ = pos_ + bytes;
    } else {
      // Cut short by the end of data: the values whose bits are all there.
      literal_left_ = left * 8 / static_cast<size_t>(bit_width_);
      literal_end_ = data_.size();
    }
    pos_ = literal_end_;
    group_pos_ = 8;
    return Status::OK();
  }
  size_t value_bytes = (static_cast<size_t>(bit_width_) + 7) / 8;
  if (value_bytes > left) return RleCorrupt("repeated run cut short");
  uint32_t value = 0;
  for (size_t i = 0; i < value_bytes; ++i) value |= uint32_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
  if (bit_width_ < 32 && (value >> bit_width_) != 0) return RleCorrupt("repeated value wider than the bit width");
  pos_ += value_bytes;
  repeat_left_ = header >> 1;
  repeat_value_ = value;
  return Status::OK();
}

void RleDecoder::RefillGroup() {
  uint8_t padded[kMaxRleBitWidth + kUnpackSlack] = {};
  size_t take = std::min(static_cast<size_t>(bit_width_), literal_end_ - literal_pos_);
  std::memcpy(padded, data_.data() + literal_pos_, take);
  literal_pos_ += take;
  kUnpack32[bit_width_](padded, sizeof padded, 1, group_);
  group_pos_ = 0;
}

void RleDecoder::TakeLiterals(uint32_t* out, size_t n) {
  literal_left_ -= n;
  while (n > 0 && group_pos_ < 8) {
    *out++ = group_[group_pos_++];
    --n;
  }
  size_t groups = n / 8;
  if (groups > 0) {
    // literal_left_ counts only values whose bits are there, so these groups are.
    kUnpack32[bit_width_](Bytes(data_) + literal_pos_, data_.size() - literal_pos_, groups, out);
    literal_pos_ += groups * static_cast<size_t>(bit_width_);
    out += groups * 8;
    n -= groups * 8;
  }
  if (n > 0) {
    RefillGroup();
    std::copy_n(group_, n, out);
    group_pos_ = n;
  }
}

Status RleDecoder::Get(uint32_t* out, size_t n) {
  if (bad_width_) return RleCorrupt("bit width above 32");
  while (n > 0) {
    if (repeat_left_ > 0) {
      size_t k = std::min(n, repeat_left_);
      std::fill_n(out, k, repeat_value_);
      out += k;
      n -= k;
      repeat_left_ -= k;
    } else if (literal_left_ > 0) {
      size_t k = std::min(n, literal_left_);
      TakeLiterals(out, k);
      out += k;
      n -= k;
    } else if (bit_width_ == 0 && pos_ >= data_.size()) {
      std::fill_n(out, n, 0u);
      return Status::OK();
    } else {
      RETURN_IF_ERROR(NextHeader());
    }
  }
  return Status::OK();
}

Status RleDecoder::NextRun(size_t max_values, Run* run, uint32_t* literals) {
  *run = Run{};
  if (bad_width_) return RleCorrupt("bit width above 32");
  if (max_values == 0) return Status::OK();
  // Empty runs are skipped; each costs at least its header byte, so this ends.
  while (repeat_left_ == 0 && literal_left_ == 0) {
    if (pos_ >= data_.size()) {
      if (bit_width_ == 0) *run = Run{true, 0, max_values};
      return Status::OK();
    }
    RETURN_IF_ERROR(NextHeader());
  }
  if (repeat_left_ > 0) {
    size_t k = std::min(max_values, repeat_left_);
    *run = Run{true, repeat_value_, k};
    repeat_left_ -= k;
  } else {
    size_t k = std::min(max_values, literal_left_);
    TakeLiterals(literals, k);
    *run = Run{false, 0, k};
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// BIT_PACKED (deprecated)

Status DecodeBitPacked(std::string_view data, int bit_width, size_t n, uint32_t* out, size_t* consumed) {
  if (bit_width < 0 || bit_width > kMaxRleBitWidth) return Status::Corrupt("BIT_PACKED: bit width above 32");
  const size_t w = static_cast<size_t>(bit_width);
  if (w > 0 && n > data.size() * 8 / w) return Status::Corrupt("BIT_PACKED: data ends before the values asked for");
  *consumed = (n * w + 7) / 8;
  if (w == 0) {
    std::fill_n(out, n, 0u);
    return Status::OK();
  }
  const uint8_t* in = Bytes(data);
  const uint64_t mask = (uint64_t{1} << w) - 1;
  // Most significant bit first: a value of up to 32 bits starting at any bit lies in
  // the 40-bit big-endian window of its first five bytes.
  constexpr size_t kWindow = 5;
  for (size_t i = 0; i < n; ++i) {
    size_t bit = i * w;
    size_t byte = bit / 8;
    uint64_t window = 0;
    for (size_t j = 0; j < kWindow; ++j) window = (window << 8) | (byte + j < data.size() ? in[byte + j] : 0);
    out[i] = static_cast<uint32_t>((window >> (kWindow * 8 - bit % 8 - w)) & mask);
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// DELTA_BINARY_PACKED

namespace {

// Reads a DELTA_BINARY_PACKED block a slice at a time in U (uint32_t or uint64_t),
// where the arithmetic wraps. Copyable: a copy skipped to the end finds where the
// block ends while the original still reads values.
template <typename U>
class DeltaReader {
 public:
  static constexpr int kMaxWidth = static_cast<int>(sizeof(U) * 8);

  [[nodiscard]] Status Init(std::string_view data) {
    data_ = data;
    uint64_t block = 0, minis = 0, total = 0, first = 0;
    if (!ReadUleb(data_, &pos_, &block) || !ReadUleb(data_, &pos_, &minis) || !ReadUleb(data_, &pos_, &total) ||
        !ReadUleb(data_, &pos_, &first)) {
      return Corrupt("header cut short or malformed");
    }
    if (block == 0 || block % 128 != 0 || block > kMaxDeltaBlockValues) {
      return Corrupt("block size " + std::to_string(block) + " is not a multiple of 128");
    }
    if (minis == 0 || block % minis != 0 || (block / minis) % 32 != 0) {
      return Corrupt(std::to_string(minis) + " miniblocks do not divide a block of " + std::to_string(block) +
                     " into multiples of 32 values");
    }
    values_per_mini_ = block / minis;
    miniblocks_ = minis;
    mini_index_ = minis;
    total_ = left_ = total;
    RETURN_IF_ERROR(ToU(ZigZag(first), &last_));
    return Status::OK();
  }

  uint64_t total() const { return total_; }
  size_t pos() const { return pos_; }

  // The next n values; n is at most the values not yet read.
  [[nodiscard]] Status Next(U* out, size_t n) {
    if (n > 0 && first_) {
      *out++ = last_;
      first_ = false;
      --left_;
      --n;
    }
    while (n > 0) {
      if (mini_left_ == 0) RETURN_IF_ERROR(StartMiniblock());
      size_t k = std::min<size_t>(n, mini_left_);
      Unpack(out, k);
      U last = last_;
      const U min_delta = min_delta_;
      for (size_t i = 0; i < k; ++i) {
        last += min_delta + out[i];
        out[i] = last;
      }
      last_ = last;
      out += k;
      n -= k;
      mini_left_ -= k;
      left_ -= k;
    }
    return Status::OK();
  }

  // Walks the rest of the block without unpacking, checking its bytes are there.
  [[nodiscard]] Status SkipRest() {
    if (first_ && left_ > 0) {
      first_ = false;
      --left_;
    }
    for (;;) {
      uint64_t k = std::min<uint64_t>(left_, mini_left_);
      left_ -= k;
      mini_left_ -= k;
      if (left_ == 0) return Status::OK();
      // Each block costs its width bytes, one per miniblock, so this ends within data.
      RETURN_IF_ERROR(StartMiniblock());
    }
  }

 private:
  static Status Corrupt(const std::string& what) { return Status::Corrupt("DELTA_BINARY_PACKED: " + what); }

  // For int32 columns the first value and the minimum deltas are int32 (the spec's
  // arithmetic wraps in the column's width).
  static Status ToU(int64_t v, U* out) {
    if constexpr (sizeof(U) == 4) {
      if (v < INT32_MIN || v > INT32_MAX) return Corrupt("value " + std::to_string(v) + " does not fit int32");
    }
    *out = static_cast<U>(v);
    return Status::OK();
  }

  [[nodiscard]] Status StartMiniblock() {
    if (mini_index_ == miniblocks_) {
      uint64_t min_delta;
      if (!ReadUleb(data_, &pos_, &min_delta)) return Corrupt("block header cut short or malformed");
      RETURN_IF_ERROR(ToU(ZigZag(min_delta), &min_delta_));
      // The width bytes of every miniblock are there, needed or not.
      if (miniblocks_ > data_.size() - pos_) return Corrupt("miniblock bit widths cut short");
      widths_pos_ = pos_;
      pos_ += miniblocks_;
      mini_index_ = 0;
    }
    int width = static_cast<uint8_t>(data_[widths_pos_ + mini_index_++]);
    if (width > kMaxWidth) return Corrupt("miniblock bit width " + std::to_string(width));
    // values_per_mini_ is a multiple of 32, so a miniblock is whole bytes.
    size_t body = values_per_mini_ / 8 * static_cast<size_t>(width);
    if (body > data_.size() - pos_) return Corrupt("miniblock cut short");
    width_ = width;
    mini_pos_ = pos_;
    pos_ += body;
    mini_left_ = values_per_mini_;
    group_pos_ = 8;
    return Status::OK();
  }

  // The next k (<= mini_left_) packed deltas of the miniblock, before the minimum is added.
  void Unpack(U* out, size_t k) {
    size_t i = 0;
    while (i < k && group_pos_ < 8) out[i++] = group_[group_pos_++];
    const UnpackFn<U> unpack = Unpacker<U>(width_);
    const uint8_t* in = Bytes(data_);
    size_t groups = (k - i) / 8;
    if (groups > 0) {
      unpack(in + mini_pos_, data_.size() - mini_pos_, groups, out + i);
      mini_pos_ += groups * static_cast<size_t>(width_);
      i += groups * 8;
    }
    if (i < k) {
      unpack(in + mini_pos_, data_.size() - mini_pos_, 1, group_);
      mini_pos_ += static_cast<size_t>(width_);
      group_pos_ = 0;
      while (i < k) out[i++] = group_[group_pos_++];
    }
  }

  std::string_view data_;
  size_t pos_ = 0;
  uint64_t total_ = 0;
  uint64_t left_ = 0;  // values not yet read, the first included
  bool first_ = true;
  U last_ = 0;
  U min_delta_ = 0;
  uint64_t values_per_mini_ = 0;
  uint64_t miniblocks_ = 0;
  uint64_t mini_index_ = 0;  // the next miniblock of the block (miniblocks_: a block header is next)
  size_t widths_pos_ = 0;
  uint64_t mini_left_ = 0;   // values left in the current miniblock
  size_t mini_pos_ = 0;      // the next unread group of the current miniblock
  int width_ = 0;
  U group_[8] = {};          // one unpacked group, for requests that split a group
  size_t group_pos_ = 8;
};

template <typename U, typename S>
Status DecodeDelta(std::string_view data, size_t n, S* out, size_t* consumed) {
  DeltaReader<U> reader;
  RETURN_IF_ERROR(reader.Init(data));
  if (n > reader.total()) {
    return Status::Corrupt("DELTA_BINARY_PACKED: " + std::to_string(n) + " values asked for, the block holds " +
                           std::to_string(reader.total()));
  }
  // Signed and unsigned variants of a type may alias.
  RETURN_IF_ERROR(reader.Next(reinterpret_cast<U*>(out), n));
  RETURN_IF_ERROR(reader.SkipRest());
  *consumed = reader.pos();
  return Status::OK();
}

// The lengths of a byte-array encoding: a DELTA_BINARY_PACKED block of at least n
// int32 values, and where the block ends.
Status StartLengths(std::string_view data, size_t n, const char* what, DeltaReader<uint32_t>* reader, size_t* end) {
  RETURN_IF_ERROR(reader->Init(data).WithPrefix(what));
  if (n > reader->total()) {
    return Status::Corrupt(std::string(what) + ": " + std::to_string(n) + " values asked for, " +
                           std::to_string(reader->total()) + " lengths stored");
  }
  DeltaReader<uint32_t> to_end = *reader;
  RETURN_IF_ERROR(to_end.SkipRest().WithPrefix(what));
  *end = to_end.pos();
  return Status::OK();
}

}  // namespace

Status DecodeDeltaBinaryPacked(std::string_view data, size_t n, int64_t* out, size_t* consumed) {
  return DecodeDelta<uint64_t>(data, n, out, consumed);
}

Status DecodeDeltaBinaryPacked32(std::string_view data, size_t n, int32_t* out, size_t* consumed) {
  return DecodeDelta<uint32_t>(data, n, out, consumed);
}

// ---------------------------------------------------------------------------
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY

Status DecodeDeltaLengthByteArray(std::string_view data, size_t n, std::string_view* out) {
  constexpr const char* kWhat = "DELTA_LENGTH_BYTE_ARRAY lengths";
  DeltaReader<uint32_t> lengths;
  size_t offset = 0;
  RETURN_IF_ERROR(StartLengths(data, n, kWhat, &lengths, &offset));
  uint32_t chunk[kLengthChunk];
  for (size_t done = 0; done < n;) {
    size_t k = std::min(n - done, kLengthChunk);
    RETURN_IF_ERROR(lengths.Next(chunk, k).WithPrefix(kWhat));
    for (size_t i = 0; i < k; ++i) {
      // A negative int32 length is above any page's size.
      if (chunk[i] > data.size() - offset) return Status::Corrupt("DELTA_LENGTH_BYTE_ARRAY: values cut short");
      out[done + i] = data.substr(offset, chunk[i]);
      offset += chunk[i];
    }
    done += k;
  }
  return Status::OK();
}

namespace {

// The two length streams of DELTA_BYTE_ARRAY, read side by side a chunk at a time.
struct PrefixSuffix {
  DeltaReader<uint32_t> prefixes;
  DeltaReader<uint32_t> suffixes;

  [[nodiscard]] Status Next(size_t k, uint32_t* prefix, uint32_t* suffix) {
    RETURN_IF_ERROR(prefixes.Next(prefix, k).WithPrefix("DELTA_BYTE_ARRAY prefix lengths"));
    return suffixes.Next(suffix, k).WithPrefix("DELTA_BYTE_ARRAY suffix lengths");
  }
};

}  // namespace

Status DecodeDeltaByteArray(std::string_view data, size_t n, std::string* arena, std::string_view* out) {
  arena->clear();
  PrefixSuffix start;
  size_t prefixes_end = 0, suffixes_end = 0;
  RETURN_IF_ERROR(StartLengths(data, n, "DELTA_BYTE_ARRAY prefix lengths", &start.prefixes, &prefixes_end));
  std::string_view rest = data.substr(prefixes_end);
  RETURN_IF_ERROR(StartLengths(rest, n, "DELTA_BYTE_ARRAY suffix lengths", &start.suffixes, &suffixes_end));
  const size_t suffix_bytes = prefixes_end + suffixes_end;

  // First pass: check every length and size the arena once, so the views stay valid.
  PrefixSuffix lengths = start;
  uint32_t prefix[kLengthChunk], suffix[kLengthChunk];
  uint64_t total = 0, previous = 0;
  size_t offset = suffix_bytes;
  for (size_t done = 0; done < n;) {
    size_t k = std::min(n - done, kLengthChunk);
    RETURN_IF_ERROR(lengths.Next(k, prefix, suffix));
    for (size_t i = 0; i < k; ++i) {
      if (prefix[i] > previous) return Status::Corrupt("DELTA_BYTE_ARRAY: prefix longer than the value before");
      if (suffix[i] > data.size() - offset) return Status::Corrupt("DELTA_BYTE_ARRAY: suffixes cut short");
      offset += suffix[i];
      previous = uint64_t{prefix[i]} + suffix[i];
      total += previous;
      if (total > kMaxDeltaByteArrayBytes) {
        return Status::Corrupt("DELTA_BYTE_ARRAY: values add up to more than " +
                               std::to_string(kMaxDeltaByteArrayBytes) + " bytes");
      }
    }
    done += k;
  }

  // Second pass: each value is its predecessor's prefix (earlier in the arena, so the
  // copy never overlaps) and its suffix.
  arena->resize(total);
  lengths = start;
  char* a = arena->data();
  size_t write = 0, previous_start = 0;
  offset = suffix_bytes;
  for (size_t done = 0; done < n;) {
    size_t k = std::min(n - done, kLengthChunk);
    RETURN_IF_ERROR(lengths.Next(k, prefix, suffix));
    for (size_t i = 0; i < k; ++i) {
      const size_t p = prefix[i], s = suffix[i];
      if (p > 0) std::memcpy(a + write, a + previous_start, p);
      if (s > 0) std::memcpy(a + write + p, data.data() + offset, s);
      offset += s;
      out[done + i] = std::string_view(a + write, p + s);
      previous_start = write;
      write += p + s;
    }
    done += k;
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// BYTE_STREAM_SPLIT

namespace {

template <size_t W>
void Unsplit(const char* in, size_t stride, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t b = 0; b < W; ++b) out[i * W + b] = in[b * stride + i];
  }
}

void UnsplitAny(const char* in, size_t stride, size_t n, size_t width, char* out) {
  for (size_t b = 0; b < width; ++b) {
    const char* stream = in + b * stride;
    for (size_t i = 0; i < n; ++i) out[i * width + b] = stream[i];
  }
}

}  // namespace

Status DecodeByteStreamSplit(std::string_view data, size_t n, size_t width, char* out) {
  if (width == 0) return Status::Corrupt("BYTE_STREAM_SPLIT: values of 0 bytes");
  if (data.size() % width != 0) {
    return Status::Corrupt("BYTE_STREAM_SPLIT: " + std::to_string(data.size()) + " bytes are not a whole number of " +
                           std::to_string(width) + "-byte values");
  }
  const size_t stride = data.size() / width;
  if (n > stride) return Status::Corrupt("BYTE_STREAM_SPLIT: data ends before the values asked for");
  switch (width) {
    case 2: Unsplit<2>(data.data(), stride, n, out); break;
    case 4: Unsplit<4>(data.data(), stride, n, out); break;
    case 8: Unsplit<8>(data.data(), stride, n, out); break;
    default: UnsplitAny(data.data(), stride, n, width, out); break;
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// PLAIN

Status DecodePlainByteArray(std::string_view data, size_t n, std::string_view* out, size_t* consumed) {
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    if (data.size() - pos < sizeof(uint32_t)) return Status::Corrupt("PLAIN BYTE_ARRAY: data ends before a length");
    uint32_t length = Load32(data.data() + pos);
    pos += sizeof(uint32_t);
    if (length > data.size() - pos) return Status::Corrupt("PLAIN BYTE_ARRAY: value cut short");
    out[i] = data.substr(pos, length);
    pos += length;
  }
  *consumed = pos;
  return Status::OK();
}

Status DecodePlainBoolean(std::string_view data, size_t n, uint8_t* out, size_t* consumed) {
  const size_t bytes = n / 8 + (n % 8 != 0);
  if (bytes > data.size()) return Status::Corrupt("PLAIN BOOLEAN: data ends before the values asked for");
  const uint8_t* in = Bytes(data);
  const size_t whole = n / 8;
  for (size_t i = 0; i < whole; ++i) {
    uint8_t b = in[i];
    for (int j = 0; j < 8; ++j) out[i * 8 + j] = (b >> j) & 1;
  }
  for (size_t i = whole * 8; i < n; ++i) out[i] = (in[i / 8] >> (i % 8)) & 1;
  *consumed = bytes;
  return Status::OK();
}

Status DecodePlainFixed(std::string_view data, size_t n, size_t width, char* out, size_t* consumed) {
  if (width == 0) return Status::Corrupt("PLAIN: values of 0 bytes");
  if (n > data.size() / width) return Status::Corrupt("PLAIN: data ends before the values asked for");
  if (n > 0) std::memcpy(out, data.data(), n * width);
  *consumed = n * width;
  return Status::OK();
}

}  // namespace fanout::parquet
