#include "parquet/writer.h"


#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <functional>

#include "core/file_write.h"
#include "parquet/compression.h"

namespace fanout::parquet {

static_assert(std::endian::native == std::endian::little, "PLAIN values are copied as they lie in memory");

Status FdOutput::Append(std::string_view bytes) { return WriteAll(fd_, path_, bytes); }

namespace {

// ---------------------------------------------------------------------------
// Thrift compact protocol (the footer and the page headers)

enum class TType : uint8_t {
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kBinary = 8,
  kList = 9,
  kStruct = 12,
};

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

// Writes one struct (and the structs inside it) field by field. Field ids are written
// as deltas from the previous field of the same struct, so each struct keeps its own.
class Compact {
 public:
  explicit Compact(std::string& out) : out_(out) { last_id_.push_back(0); }

  void I16(int16_t id, int16_t v) {
    Header(id, TType::kI16);
    PutVarint(out_, ZigZag(v));
  }
  void I32(int16_t id, int32_t v) {
    Header(id, TType::kI32);
    PutVarint(out_, ZigZag(v));
  }
  void I64(int16_t id, int64_t v) {
    Header(id, TType::kI64);
    PutVarint(out_, ZigZag(v));
  }
  void I8(int16_t id, int8_t v) {
    Header(id, TType::kByte);
    out_.push_back(static_cast<char>(v));
  }
  void Bool(int16_t id, bool v) { Header(id, v ? TType::kTrue : TType::kFalse); }
  void Binary(int16_t id, std::string_view v) {
    Header(id, TType::kBinary);
    ElemBinary(v);
  }
  void BeginStruct(int16_t id) {
    Header(id, TType::kStruct);
    last_id_.push_back(0);
  }
  // An empty struct: the annotations (StringType, MicroSeconds, TypeDefinedOrder...).
  void Empty(int16_t id) {
    BeginStruct(id);
    End();
  }
  // Ends the innermost struct (the message itself last).
  void End() {
    out_.push_back(0);
    last_id_.pop_back();
  }

  // A list field; its `n` elements follow through Elem* (or BeginElem + End for structs).
  void BeginList(int16_t id, TType elem, size_t n) {
    Header(id, TType::kList);
    constexpr size_t kShortListMax = 14;
    if (n <= kShortListMax) {
      out_.push_back(static_cast<char>(n << 4 | static_cast<uint8_t>(elem)));
    } else {
      out_.push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(elem)));
      PutVarint(out_, n);
    }
  }
  void ElemI32(int32_t v) { PutVarint(out_, ZigZag(v)); }
  void ElemBinary(std::string_view v) {
    PutVarint(out_, v.size());
    out_.append(v);
  }
  void BeginElem() { last_id_.push_back(0); }

 private:
  void Header(int16_t id, TType type) {
    const int delta = id - last_id_.back();
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>(delta << 4 | static_cast<uint8_t>(type)));
    } else {
      out_.push_back(static_cast<char>(type));
      PutVarint(out_, ZigZag(id));
    }
    last_id_.back() = id;
  }

  std::string& out_;
  std::vector<int16_t> last_id_;
};

// ---------------------------------------------------------------------------
// Byte helpers and the RLE/bit-packed hybrid (Encodings.md)

template <typename T>
void PutLE(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

// Bits needed for values up to `max_value` (at least 1: some readers reject width 0).
int BitWidth(uint32_t max_value) { return std::max(1, static_cast<int>(std::bit_width(max_value))); }

constexpr size_t kGroup = 8;             // bit-packed values come in groups of eight
constexpr size_t kMinRleRun = 8;         // shorter runs of a value are bit-packed
constexpr size_t kMaxGroupsPerRun = 63;  // keeps each bit-packed header to one byte, as parquet-cpp does

template <typename T>
size_t RunLength(const T* v, size_t n, size_t i, size_t cap) {
  size_t j = i + 1;
  while (j < n && j - i < cap && v[j] == v[i]) ++j;
  return j - i;
}

void PutRleRun(std::string& out, uint32_t value, size_t count, int bit_width) {
  PutVarint(out, uint64_t{count} << 1);
  for (int b = 0; b < (bit_width + 7) / 8; ++b) out.push_back(static_cast<char>(value >> (8 * b)));
}

// Values v[0..n) bit-packed, least significant bit first, padded with zeros to `groups` groups.
template <typename T>
void PutBitPacked(std::string& out, const T* v, size_t n, size_t groups, int bit_width) {
  PutVarint(out, uint64_t{groups} << 1 | 1);
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < groups * kGroup; ++i) {
    acc |= uint64_t{i < n ? static_cast<uint32_t>(v[i]) : 0u} << bits;
    bits += bit_width;
    while (bits >= 8) {
      out.push_back(static_cast<char>(acc));
      acc >>= 8;
      bits -= 8;
    }
  }
}

// Appends v[0..n) (each below 2^bit_width): runs of kMinRleRun or more equal values as
// RLE runs, the rest bit-packed. A long run that starts inside a group of eight is
// partly packed with it; what remains is an RLE run from the next group on.
template <typename T>
void PutHybrid(std::string& out, const T* v, size_t n, int bit_width) {
  size_t i = 0;
  while (i < n) {
    const size_t run = RunLength(v, n, i, std::numeric_limits<size_t>::max());
    if (run >= kMinRleRun) {
      PutRleRun(out, v[i], run, bit_width);
      i += run;
      continue;
    }
    const size_t start = i;
    size_t groups = 0;
    do {
      i += kGroup;
      ++groups;
    } while (i < n && groups < kMaxGroupsPerRun && RunLength(v, n, i, kMinRleRun) < kMinRleRun);
    PutBitPacked(out, v + start, std::min(i, n) - start, groups, bit_width);
  }
}

// ---------------------------------------------------------------------------
// Page compression

// Replaces `out` with `in` compressed by `codec` (a copy for kUncompressed), at each
// codec's default level (parquet/compression.h). The writer writes the codecs of
// WriterOptions only: not the deprecated Hadoop-framed LZ4, not LZO.
Status Compress(Codec codec, std::string_view in, std::string& out) {
  switch (codec) {
    case Codec::kUncompressed:
    case Codec::kSnappy:
    case Codec::kGzip:
    case Codec::kZstd:
    case Codec::kLz4Raw:
    case Codec::kBrotli: return CompressPage(codec, in, &out);
    default: return Status::Unsupported("codec " + std::to_string(static_cast<int>(codec)) + " is not written");
  }
}

// ---------------------------------------------------------------------------
// Statistics

struct Stats {
  bool any = false;  // a non-null, non-NaN value was seen
  int64_t imin = 0, imax = 0;  // INT32, INT64, BOOLEAN
  double dmin = 0, dmax = 0;
  std::string smin, smax;
  int64_t null_count = 0;
  int64_t nan_count = 0;

  void AddInt(int64_t v) {
    if (!any || v < imin) imin = v;
    if (!any || v > imax) imax = v;
    any = true;
  }
  void AddDouble(double v) {
    if (std::isnan(v)) {
      ++nan_count;
      return;
    }
    if (!any || v < dmin) dmin = v;
    if (!any || v > dmax) dmax = v;
    any = true;
  }
  void AddString(std::string_view v) {  // std::string compares bytes as unsigned
    if (!any || v < smin) smin = v;
    if (!any || v > smax) smax = v;
    any = true;
  }
};

// The bound in PLAIN encoding (no length for BYTE_ARRAY). For DOUBLE a zero bound is
// written as -0.0 (min) or +0.0 (max), as the spec asks, so either zero lies inside.
std::string EncodeBound(PhysicalType type, const Stats& s, bool max) {
  std::string out;
  switch (type) {
    case PhysicalType::kBoolean: out.push_back(static_cast<char>(max ? s.imax : s.imin)); break;
    case PhysicalType::kInt32: PutLE(out, static_cast<int32_t>(max ? s.imax : s.imin)); break;
    case PhysicalType::kInt64: PutLE(out, max ? s.imax : s.imin); break;
    case PhysicalType::kDouble: {
      double v = max ? s.dmax : s.dmin;
      if (v == 0) v = max ? 0.0 : -0.0;
      PutLE(out, v);
      break;
    }
    default: out = max ? s.smax : s.smin; break;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The dictionary's index: open addressing with linear probing over a 64-bit hash per
// entry. (std::unordered_map, a node per entry, spent half of gen-taxi's time here.)

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer: a bijection, so equal mixes mean equal keys
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class DictionaryIndex {
 public:
  // The entry of hash `hash` for which same(entry) holds; or, when none does, a new
  // entry (the next number, from 0), and *added is set.
  template <typename Same>
  uint32_t Find(uint64_t hash, Same same, bool* added) {
    if ((hashes_.size() + 1) * 2 > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      if (slots_[i] == 0) {
        hashes_.push_back(hash);
        slots_[i] = static_cast<uint32_t>(hashes_.size());
        *added = true;
        return slots_[i] - 1;
      }
      const uint32_t entry = slots_[i] - 1;
      if (hashes_[entry] == hash && same(entry)) {
        *added = false;
        return entry;
      }
    }
  }
  void Clear() {
    slots_.clear();
    hashes_.clear();
  }

 private:
  static constexpr size_t kMinSlots = 1024;
  void Grow() {
    std::vector<uint32_t> slots(std::max(kMinSlots, slots_.size() * 2), 0);
    const size_t mask = slots.size() - 1;
    for (uint32_t e = 0; e < hashes_.size(); ++e) {
      size_t i = hashes_[e] & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    slots_ = std::move(slots);
  }

  std::vector<uint32_t> slots_;   // entry + 1, 0 for a free slot; a power of two, at most half full
  std::vector<uint64_t> hashes_;  // by entry
};

// ---------------------------------------------------------------------------
// Column chunks

// What the footer says of one column chunk.
struct ChunkMeta {
  std::vector<Encoding> encodings;
  int64_t num_values = 0;
  int64_t uncompressed_bytes = 0;  // pages with their headers
  int64_t compressed_bytes = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  Stats stats;
};

struct PageSizes {
  size_t uncompressed = 0;
  size_t compressed = 0;
};

std::string PageHeader(PageType type, const PageSizes& sizes, int32_t values, Encoding encoding) {
  std::string out;
  Compact c(out);
  c.I32(1, static_cast<int32_t>(type));
  c.I32(2, static_cast<int32_t>(sizes.uncompressed));
  c.I32(3, static_cast<int32_t>(sizes.compressed));
  if (type == PageType::kDictionaryPage) {
    c.BeginStruct(7);
    c.I32(1, values);
    c.I32(2, static_cast<int32_t>(encoding));
    c.End();
  } else {
    c.BeginStruct(5);
    c.I32(1, values);
    c.I32(2, static_cast<int32_t>(encoding));
    c.I32(3, static_cast<int32_t>(Encoding::kRle));  // definition levels
    c.I32(4, static_cast<int32_t>(Encoding::kRle));  // repetition levels (none: flat columns)
    c.End();
  }
  c.End();
  return out;
}

class Column : public ColumnBuilder {
 public:
  Column(const ColumnSpec& spec, const WriterOptions& options)
      : spec_(spec), options_(options), dictionary_(UsesDictionary()) {}

  void AppendBool(bool v) override {
    if (!Expect(PhysicalType::kBoolean)) return;
    bools_.push_back(v);
    stats_.AddInt(v);
    Defined();
  }
  void AppendInt32(int32_t v) override {
    if (!Expect(PhysicalType::kInt32)) return;
    AddFixed(v, static_cast<uint32_t>(v));
    stats_.AddInt(v);
    Defined();
  }
  void AppendInt64(int64_t v) override {
    if (!Expect(PhysicalType::kInt64)) return;
    AddFixed(v, static_cast<uint64_t>(v));
    stats_.AddInt(v);
    Defined();
  }
  void AppendDouble(double v) override {
    if (!Expect(PhysicalType::kDouble)) return;
    AddFixed(v, std::bit_cast<uint64_t>(v));
    stats_.AddDouble(v);
    Defined();
  }
  void AppendString(std::string_view v) override {
    if (!Expect(PhysicalType::kByteArray)) return;
    if (dictionary_) {
      auto same = [&](uint32_t entry) {
        const uint32_t at = string_offsets_[entry];
        return Le32At(dictionary_plain_, at) == v.size() &&
               std::string_view(dictionary_plain_).substr(at + 4, v.size()) == v;
      };
      bool added = false;
      const uint32_t entry = index_.Find(Mix(std::hash<std::string_view>{}(v)), same, &added);
      if (added) {
        string_offsets_.push_back(static_cast<uint32_t>(dictionary_plain_.size()));
        AddToDictionary(v);
      }
      indices_.push_back(entry);
    } else {
      PutPlainString(plain_, v);
    }
    stats_.AddString(v);
    Defined();
  }
  void AppendNull() override {
    if (!spec_.optional) {
      Fail("a NULL appended to required column '" + spec_.name + "'");
      return;
    }
    levels_.push_back(0);
    ++stats_.null_count;
    Counted();
  }
  uint64_t size() const override { return chunk_values_ + page_values_; }

  const Status& error() const { return error_; }

  // Ends the chunk: its pages (the dictionary page first), placed at file offset
  // `offset`, into `out`, and what the footer says of it into *meta. The column then
  // starts a new chunk.
  Status Finish(int64_t offset, std::string& out, ChunkMeta* meta) {
    RETURN_IF_ERROR(error_);
    if (page_values_ > 0) RETURN_IF_ERROR(FlushPage());
    meta->num_values = static_cast<int64_t>(chunk_values_);
    meta->data_page_offset = offset;
    if (dictionary_pages_ > 0) {
      PageSizes sizes;
      RETURN_IF_ERROR(Page(PageType::kDictionaryPage, dictionary_plain_, static_cast<int32_t>(dictionary_size_),
                           Encoding::kPlain, out, &sizes));
      meta->dictionary_page_offset = offset;
      meta->data_page_offset = offset + static_cast<int64_t>(out.size());
    }
    out += pages_;
    meta->uncompressed_bytes = static_cast<int64_t>(uncompressed_bytes_);
    meta->compressed_bytes = static_cast<int64_t>(out.size());
    meta->encodings = {Encoding::kPlain, Encoding::kRle};  // PLAIN: the dictionary page or plain pages
    if (dictionary_pages_ > 0) meta->encodings.push_back(Encoding::kRleDictionary);
    meta->stats = stats_;
    Reset();
    return Status::OK();
  }

 private:
  bool UsesDictionary() const { return options_.dictionary && spec_.type != PhysicalType::kBoolean; }

  bool Expect(PhysicalType type) {
    if (type == spec_.type) return true;
    Fail("a value of the wrong physical type appended to column '" + spec_.name + "'");
    return false;
  }
  void Fail(std::string message) {
    if (error_.ok()) error_ = Status::Internal(std::move(message));
  }

  static uint32_t Le32At(const std::string& s, size_t at) {
    uint32_t v;
    std::memcpy(&v, s.data() + at, sizeof v);
    return v;
  }

  static void PutPlainString(std::string& out, std::string_view v) {
    PutLE(out, static_cast<uint32_t>(v.size()));
    out.append(v);
  }

  void AddToDictionary(std::string_view plain_value_or_string) {
    if (spec_.type == PhysicalType::kByteArray) {
      PutPlainString(dictionary_plain_, plain_value_or_string);
    } else {
      dictionary_plain_.append(plain_value_or_string);
    }
    ++dictionary_size_;
  }

  template <typename T>
  void AddFixed(T v, uint64_t bits) {
    char plain[sizeof v];
    std::memcpy(plain, &v, sizeof v);
    if (!dictionary_) {
      plain_.append(plain, sizeof v);
      return;
    }
    bool added = false;
    const uint32_t entry = index_.Find(Mix(bits), [](uint32_t) { return true; }, &added);
    if (added) AddToDictionary(std::string_view(plain, sizeof v));
    indices_.push_back(entry);
  }

  void Defined() {
    if (spec_.optional) levels_.push_back(1);
    Counted();
  }
  void Counted() {
    ++page_values_;
    if (EstimatedPageBytes() >= options_.page_bytes && error_.ok()) error_ = FlushPage();
  }

  size_t EstimatedPageBytes() const {
    const size_t levels = levels_.size() / kGroup;
    if (spec_.type == PhysicalType::kBoolean) return levels + bools_.size() / kGroup;
    if (!dictionary_) return levels + plain_.size();
    return levels + indices_.size() * BitWidth(dictionary_size_ > 0 ? dictionary_size_ - 1 : 0) / kGroup;
  }

  // Encodes the page being filled and adds it to the chunk's pages.
  Status FlushPage() {
    std::string body;
    if (spec_.optional) {
      std::string levels;
      PutHybrid(levels, levels_.data(), levels_.size(), 1);
      PutLE(body, static_cast<uint32_t>(levels.size()));
      body += levels;
    }
    Encoding encoding = Encoding::kPlain;
    if (spec_.type == PhysicalType::kBoolean) {
      PackBools(body);
    } else if (dictionary_ && dictionary_size_ > 0) {
      encoding = Encoding::kRleDictionary;
      const int width = BitWidth(dictionary_size_ - 1);
      body.push_back(static_cast<char>(width));
      PutHybrid(body, indices_.data(), indices_.size(), width);
      ++dictionary_pages_;
    } else {
      body += plain_;  // a dictionary page of nothing is not written: an all-NULL page is PLAIN
    }
    PageSizes sizes;
    RETURN_IF_ERROR(Page(PageType::kDataPage, body, static_cast<int32_t>(page_values_), encoding, pages_, &sizes));
    chunk_values_ += page_values_;
    page_values_ = 0;
    levels_.clear();
    plain_.clear();
    bools_.clear();
    indices_.clear();
    if (dictionary_ && dictionary_plain_.size() > options_.dictionary_limit_bytes) {
      dictionary_ = false;  // pyarrow's fallback: the pages from here on are PLAIN
      index_.Clear();
      string_offsets_.clear();
    }
    return Status::OK();
  }

  void PackBools(std::string& body) const {
    const size_t start = body.size();
    body.resize(start + (bools_.size() + 7) / 8, '\0');
    for (size_t i = 0; i < bools_.size(); ++i) {
      if (bools_[i]) body[start + i / 8] = static_cast<char>(body[start + i / 8] | 1 << (i % 8));
    }
  }

  // Appends a page (header, then `body` compressed) to `out`.
  Status Page(PageType type, std::string_view body, int32_t values, Encoding encoding, std::string& out,
              PageSizes* sizes) {
    if (body.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return Status::Unsupported("a page of column '" + spec_.name + "' is over 2 GiB");
    }
    std::string compressed;
    RETURN_IF_ERROR(Compress(options_.codec, body, compressed).WithPrefix("column '" + spec_.name + "'"));
    sizes->uncompressed = body.size();
    sizes->compressed = compressed.size();
    const std::string header = PageHeader(type, *sizes, values, encoding);
    out += header;
    out += compressed;
    uncompressed_bytes_ += header.size() + body.size();
    return Status::OK();
  }

  void Reset() {
    dictionary_ = UsesDictionary();
    dictionary_plain_.clear();
    dictionary_size_ = 0;
    dictionary_pages_ = 0;
    index_.Clear();
    string_offsets_.clear();
    pages_.clear();
    chunk_values_ = 0;
    uncompressed_bytes_ = 0;
    stats_ = Stats{};
  }

  const ColumnSpec& spec_;
  const WriterOptions& options_;
  Status error_;

  // The page being filled.
  uint64_t page_values_ = 0;     // NULLs included
  std::vector<uint8_t> levels_;  // definition levels (optional columns): 1 value, 0 NULL
  std::string plain_;            // PLAIN values (not dictionary-encoded pages)
  std::vector<uint8_t> bools_;
  std::vector<uint32_t> indices_;  // dictionary-encoded pages

  // The chunk being filled.
  bool dictionary_;  // the pages still take dictionary indices
  std::string dictionary_plain_;
  uint32_t dictionary_size_ = 0;
  int dictionary_pages_ = 0;
  DictionaryIndex index_;  // fixed-width values by their bits' mix, strings by their hash
  std::vector<uint32_t> string_offsets_;  // BYTE_ARRAY: each entry's length in dictionary_plain_
  std::string pages_;  // data pages, compressed, with their headers
  uint64_t chunk_values_ = 0;
  uint64_t uncompressed_bytes_ = 0;
  Stats stats_;
};

// ---------------------------------------------------------------------------
// Schema checks and the footer

Status CheckLogical(const ColumnSpec& c) {
  const Logical& l = c.logical;
  const PhysicalType t = c.type;
  auto bad = [&](const std::string& why) { return Status::InvalidArgument("column '" + c.name + "': " + why); };
  switch (l.kind) {
    case Logical::Kind::kNone: return Status::OK();
    case Logical::Kind::kString: return t == PhysicalType::kByteArray ? Status::OK() : bad("STRING needs BYTE_ARRAY");
    case Logical::Kind::kTimestampMicros:
      return t == PhysicalType::kInt64 ? Status::OK() : bad("TIMESTAMP needs INT64");
    case Logical::Kind::kDate: return t == PhysicalType::kInt32 ? Status::OK() : bad("DATE needs INT32");
    case Logical::Kind::kInt:
      if (l.bits != 8 && l.bits != 16 && l.bits != 32 && l.bits != 64) return bad("INT bits must be 8, 16, 32 or 64");
      return (l.bits == 64) == (t == PhysicalType::kInt64) && (t == PhysicalType::kInt32 || t == PhysicalType::kInt64)
                 ? Status::OK()
                 : bad("INT(64) needs INT64, INT(8..32) INT32");
    case Logical::Kind::kDecimal: {
      const int max_precision = t == PhysicalType::kInt32 ? 9 : t == PhysicalType::kInt64 ? 18 : 0;
      if (max_precision == 0) return bad("DECIMAL needs INT32 or INT64");
      if (l.precision < 1 || l.precision > max_precision || l.scale < 0 || l.scale > l.precision) {
        return bad("DECIMAL precision must be 1.." + std::to_string(max_precision) + " and scale 0..precision");
      }
      return Status::OK();
    }
  }
  return bad("unknown logical type");
}

Status CheckSchema(const std::vector<ColumnSpec>& schema, const WriterOptions& options) {
  if (schema.empty()) return Status::InvalidArgument("a Parquet schema needs at least one column");
  for (const ColumnSpec& c : schema) {
    if (c.name.empty()) return Status::InvalidArgument("a Parquet column needs a name");
    switch (c.type) {
      case PhysicalType::kBoolean:
      case PhysicalType::kInt32:
      case PhysicalType::kInt64:
      case PhysicalType::kDouble:
      case PhysicalType::kByteArray: break;
      default: return Status::Unsupported("column '" + c.name + "': physical type not written");
    }
    RETURN_IF_ERROR(CheckLogical(c));
  }
  if (options.page_bytes == 0) return Status::InvalidArgument("the Parquet page size must be at least 1 byte");
  std::string probe;
  return Compress(options.codec, "", probe);
}

std::optional<ConvertedType> ConvertedOf(const Logical& l) {
  switch (l.kind) {
    case Logical::Kind::kString: return ConvertedType::kUtf8;
    case Logical::Kind::kTimestampMicros: return ConvertedType::kTimestampMicros;
    case Logical::Kind::kDate: return ConvertedType::kDate;
    case Logical::Kind::kDecimal: return ConvertedType::kDecimal;
    case Logical::Kind::kInt: {
      const int step = l.bits == 8 ? 0 : l.bits == 16 ? 1 : l.bits == 32 ? 2 : 3;
      return static_cast<ConvertedType>(static_cast<int>(l.is_signed ? ConvertedType::kInt8 : ConvertedType::kUint8) +
                                        step);
    }
    case Logical::Kind::kNone: break;
  }
  return std::nullopt;
}

void PutLogicalType(Compact& c, const Logical& l) {
  c.BeginStruct(10);  // SchemaElement.logicalType, a union
  switch (l.kind) {
    case Logical::Kind::kString: c.Empty(1); break;
    case Logical::Kind::kDate: c.Empty(6); break;
    case Logical::Kind::kDecimal:
      c.BeginStruct(5);
      c.I32(1, l.scale);
      c.I32(2, l.precision);
      c.End();
      break;
    case Logical::Kind::kTimestampMicros:
      c.BeginStruct(8);
      c.Bool(1, false);  // isAdjustedToUTC: local times, as the TLC files hold
      c.BeginStruct(2);  // unit
      c.Empty(2);        // MICROS
      c.End();
      c.End();
      break;
    case Logical::Kind::kInt:
      c.BeginStruct(10);
      c.I8(1, static_cast<int8_t>(l.bits));
      c.Bool(2, l.is_signed);
      c.End();
      break;
    case Logical::Kind::kNone: break;
  }
  c.End();
}

void PutSchemaElement(Compact& c, const ColumnSpec& col) {
  c.BeginElem();
  c.I32(1, static_cast<int32_t>(col.type));
  c.I32(3, static_cast<int32_t>(col.optional ? Repetition::kOptional : Repetition::kRequired));
  c.Binary(4, col.name);
  if (std::optional<ConvertedType> converted = ConvertedOf(col.logical)) c.I32(6, static_cast<int32_t>(*converted));
  if (col.logical.kind == Logical::Kind::kDecimal) {
    c.I32(7, col.logical.scale);
    c.I32(8, col.logical.precision);
  }
  if (col.logical.kind != Logical::Kind::kNone) PutLogicalType(c, col.logical);
  c.End();
}

void PutStatistics(Compact& c, PhysicalType type, const Stats& s) {
  c.BeginStruct(12);
  c.I64(3, s.null_count);
  if (s.any) {
    c.Binary(5, EncodeBound(type, s, true));
    c.Binary(6, EncodeBound(type, s, false));
    c.Bool(7, true);  // the bounds are values of the chunk, not rounded
    c.Bool(8, true);
  }
  if (type == PhysicalType::kDouble) c.I64(9, s.nan_count);
  c.End();
}

void PutColumnChunk(Compact& c, const ColumnSpec& col, Codec codec, const ChunkMeta& m) {
  c.BeginElem();
  c.I64(2, 0);  // file_offset: deprecated; 0 since no ColumnMetaData is written outside the footer
  c.BeginStruct(3);
  c.I32(1, static_cast<int32_t>(col.type));
  c.BeginList(2, TType::kI32, m.encodings.size());
  for (Encoding e : m.encodings) c.ElemI32(static_cast<int32_t>(e));
  c.BeginList(3, TType::kBinary, 1);
  c.ElemBinary(col.name);
  c.I32(4, static_cast<int32_t>(codec));
  c.I64(5, m.num_values);
  c.I64(6, m.uncompressed_bytes);
  c.I64(7, m.compressed_bytes);
  c.I64(9, m.data_page_offset);
  if (m.dictionary_page_offset) c.I64(11, *m.dictionary_page_offset);
  PutStatistics(c, col.type, m.stats);
  c.End();
  c.End();
}

struct RowGroupMeta {
  int64_t rows = 0;
  int64_t offset = 0;
  std::vector<ChunkMeta> chunks;
};

std::string Footer(const std::vector<ColumnSpec>& schema, const WriterOptions& options,
                   const std::vector<RowGroupMeta>& groups) {
  constexpr int32_t kFormatVersion = 2;  // logical types of format 2.x, as pyarrow's default writes
  std::string out;
  Compact c(out);
  c.I32(1, kFormatVersion);
  c.BeginList(2, TType::kStruct, schema.size() + 1);
  c.BeginElem();  // the root: a group of every column
  c.Binary(4, "schema");
  c.I32(5, static_cast<int32_t>(schema.size()));
  c.End();
  for (const ColumnSpec& col : schema) PutSchemaElement(c, col);
  int64_t rows = 0;
  for (const RowGroupMeta& g : groups) rows += g.rows;
  c.I64(3, rows);
  c.BeginList(4, TType::kStruct, groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    c.BeginElem();
    c.BeginList(1, TType::kStruct, schema.size());
    int64_t uncompressed = 0, compressed = 0;
    for (size_t i = 0; i < schema.size(); ++i) {
      PutColumnChunk(c, schema[i], options.codec, groups[g].chunks[i]);
      uncompressed += groups[g].chunks[i].uncompressed_bytes;
      compressed += groups[g].chunks[i].compressed_bytes;
    }
    c.I64(2, uncompressed);
    c.I64(3, groups[g].rows);
    c.I64(5, groups[g].offset);
    c.I64(6, compressed);
    if (g <= static_cast<size_t>(std::numeric_limits<int16_t>::max())) c.I16(7, static_cast<int16_t>(g));  // ordinal
    c.End();
  }
  c.Binary(6, options.created_by);
  c.BeginList(7, TType::kStruct, schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    c.BeginElem();  // ColumnOrder, a union
    c.Empty(1);     // TYPE_ORDER
    c.End();
  }
  c.End();
  return out;
}

// ---------------------------------------------------------------------------
// The file

class Writer : public FileWriter {
 public:
  Writer(Output& out, std::vector<ColumnSpec> schema, WriterOptions options)
      : out_(out), schema_(std::move(schema)), options_(std::move(options)) {
    for (const ColumnSpec& spec : schema_) columns_.push_back(std::make_unique<Column>(spec, options_));
  }

  Status Start() { return Write(kMagic); }

  ColumnBuilder& column(int i) override { return *columns_[i]; }
  uint64_t pending_rows() const override { return columns_[0]->size(); }
  uint64_t bytes_written() const override { return offset_; }

  Status FlushRowGroup() override {
    RETURN_IF_ERROR(failed_);
    if (closed_) return Status::Internal("rows added to a closed Parquet writer");
    for (const auto& col : columns_) RETURN_IF_ERROR(col->error());
    const uint64_t rows = pending_rows();
    if (rows == 0) return Status::OK();
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i]->size() != rows) {
        return Fail(Status::Internal("column '" + schema_[i].name + "' holds " + std::to_string(columns_[i]->size()) +
                                     " values, column '" + schema_[0].name + "' " + std::to_string(rows)));
      }
    }
    RowGroupMeta group;
    group.rows = static_cast<int64_t>(rows);
    group.offset = static_cast<int64_t>(offset_);
    group.chunks.resize(columns_.size());
    std::string bytes;
    for (size_t i = 0; i < columns_.size(); ++i) {
      bytes.clear();
      Status st = columns_[i]->Finish(static_cast<int64_t>(offset_), bytes, &group.chunks[i]);
      if (!st.ok()) return Fail(st);
      RETURN_IF_ERROR(Write(bytes));
    }
    groups_.push_back(std::move(group));
    return Status::OK();
  }

  Status Close() override {
    RETURN_IF_ERROR(FlushRowGroup());
    closed_ = true;
    std::string tail = Footer(schema_, options_, groups_);
    PutLE(tail, static_cast<uint32_t>(tail.size()));
    tail += kMagic;
    return Write(tail);
  }

 private:
  Status Fail(Status st) {
    failed_ = st;
    return st;
  }
  Status Write(std::string_view bytes) {
    RETURN_IF_ERROR(failed_);
    Status st = out_.Append(bytes);
    if (!st.ok()) return Fail(st);
    offset_ += bytes.size();
    return Status::OK();
  }

  Output& out_;
  const std::vector<ColumnSpec> schema_;
  const WriterOptions options_;
  std::vector<std::unique_ptr<Column>> columns_;
  std::vector<RowGroupMeta> groups_;
  uint64_t offset_ = 0;
  Status failed_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<FileWriter>> FileWriter::Open(Output& out, std::vector<ColumnSpec> schema,
                                                     WriterOptions options) {
  RETURN_IF_ERROR(CheckSchema(schema, options));
  auto writer = std::make_unique<Writer>(out, std::move(schema), std::move(options));
  RETURN_IF_ERROR(writer->Start());
  return std::unique_ptr<FileWriter>(std::move(writer));
}

}  // namespace fanout::parquet
