#include "parquet/column_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/number.h"
#include "parquet/compression.h"
#include "parquet/encoding.h"

namespace fanout::parquet {

namespace {

constexpr size_t kArenaBlock = size_t{1} << 20;

template <typename T>
T Load(std::string_view v) {
  T x{};
  std::memcpy(&x, v.data(), std::min(sizeof(T), v.size()));
  return x;
}

void AppendInt(__int128 v, std::string* out) {
  char buf[48];
  char* p = buf + sizeof(buf);
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  do {
    *--p = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  if (neg) *--p = '-';
  out->append(p, buf + sizeof(buf) - p);
}

// An unscaled integer with `scale` decimal digits after the point: exact, no
// trailing zeros (a scale-2 125 is "1.25", 100 is "1").
void AppendDecimal(__int128 unscaled, int scale, std::string* out) {
  if (scale <= 0) {
    AppendInt(unscaled, out);
    return;
  }
  std::string digits;
  AppendInt(unscaled < 0 ? -unscaled : unscaled, &digits);
  if (digits.size() <= static_cast<size_t>(scale)) digits.insert(0, scale + 1 - digits.size(), '0');
  std::string frac = digits.substr(digits.size() - scale);
  digits.resize(digits.size() - scale);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (unscaled < 0 && (digits != "0" || !frac.empty())) out->push_back('-');
  out->append(digits);
  if (!frac.empty()) {
    out->push_back('.');
    out->append(frac);
  }
}

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

void Append2(unsigned v, std::string* out) {
  out->push_back(static_cast<char>('0' + v / 10 % 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

void AppendDate(int64_t days, std::string* out) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y >= 0 && y <= 9999) {
    char buf[8];
    auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), y);
    out->append(4 - (p - buf), '0');
    out->append(buf, p);
  } else {
    AppendInt(y, out);
  }
  out->push_back('-');
  Append2(m, out);
  out->push_back('-');
  Append2(d, out);
}

// A fraction of a second of `digits` digits (frac of 10^digits), when it is not
// zero: "." and its digits without trailing zeros.
void AppendFraction(int64_t frac, int digits, std::string* out) {
  if (frac == 0) return;
  std::string f = std::to_string(frac);
  f.insert(0, digits - f.size(), '0');
  while (f.back() == '0') f.pop_back();
  out->push_back('.');
  out->append(f);
}

// Time of day from a count of `per_second` units: "HH:MM:SS" and a fraction only
// when there is one, without trailing zeros.
void AppendTimeOfDay(int64_t units, int64_t per_second, int digits, std::string* out) {
  int64_t secs = units / per_second;
  int64_t frac = units % per_second;
  Append2(static_cast<unsigned>(secs / 3600), out);
  out->push_back(':');
  Append2(static_cast<unsigned>(secs / 60 % 60), out);
  out->push_back(':');
  Append2(static_cast<unsigned>(secs % 60), out);
  AppendFraction(frac, digits, out);
}

// Writes v (below 100) as two digits at p.
inline void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// The common case in 64 bits, written at once: "YYYY-MM-DD HH:MM:SS" of years
// 0 to 9999 (the same text as AppendTimestamp's general case, for a fraction of
// its cost); false when u is outside it. Inlined for each unit, so that the
// divisions are by constants.
[[gnu::always_inline]] inline bool AppendTimestamp64(int64_t u, int64_t per_second, int digits, std::string* out) {
  const int64_t pd = per_second * 86400;
  // Neighbouring values mostly fall on one day: its "YYYY-MM-DD " is kept.
  thread_local int64_t last_day = -1;
  thread_local char last_date[11];
  const int64_t day = u / pd;
  if (day != last_day) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(day, &y, &m, &d);
    if (y > 9999) return false;
    Put2(last_date, static_cast<unsigned>(y / 100));
    Put2(last_date + 2, static_cast<unsigned>(y % 100));
    last_date[4] = '-';
    Put2(last_date + 5, m);
    last_date[7] = '-';
    Put2(last_date + 8, d);
    last_date[10] = ' ';
    last_day = day;
  }
  const int64_t rest = u - day * pd, secs = rest / per_second, frac = rest - secs * per_second;
  const unsigned s = static_cast<unsigned>(secs);
  char buf[19];
  std::memcpy(buf, last_date, 11);
  Put2(buf + 11, s / 3600);
  buf[13] = ':';
  Put2(buf + 14, s / 60 % 60);
  buf[16] = ':';
  Put2(buf + 17, s % 60);
  out->append(buf, sizeof buf);
  AppendFraction(frac, digits, out);
  return true;
}

void AppendTimestamp(__int128 units, int64_t per_second, int digits, std::string* out) {
  const __int128 per_day = static_cast<__int128>(per_second) * 86400;
  if (units >= 0 && units <= INT64_MAX && per_day <= INT64_MAX) {
    const int64_t u = static_cast<int64_t>(units);
    bool done;
    switch (per_second) {
      case 1000: done = AppendTimestamp64(u, 1000, digits, out); break;
      case 1000000: done = AppendTimestamp64(u, 1000000, digits, out); break;
      case 1000000000: done = AppendTimestamp64(u, 1000000000, digits, out); break;
      default: done = AppendTimestamp64(u, per_second, digits, out); break;
    }
    if (done) return;
  }
  __int128 days = units / per_day;
  __int128 rest = units % per_day;
  if (rest < 0) {
    rest += per_day;
    days -= 1;
  }
  AppendDate(static_cast<int64_t>(days), out);
  out->push_back(' ');
  AppendTimeOfDay(static_cast<int64_t>(rest), per_second, digits, out);
}

int64_t PerSecond(TimeUnit unit, int* digits) {
  switch (unit) {
    case TimeUnit::kMillis: *digits = 3; return 1000;
    case TimeUnit::kMicros: *digits = 6; return 1000000;
    case TimeUnit::kNanos: *digits = 9; return 1000000000;
  }
  *digits = 3;
  return 1000;
}

// A big-endian two's-complement integer of up to 16 bytes (DECIMAL in a byte array).
bool BigEndianInt(std::string_view b, __int128* out) {
  if (b.empty()) {
    *out = 0;
    return true;
  }
  if (b.size() > 16) return false;
  unsigned __int128 u = (static_cast<unsigned char>(b[0]) & 0x80) ? ~static_cast<unsigned __int128>(0) : 0;
  for (char c : b) u = (u << 8) | static_cast<unsigned char>(c);
  *out = static_cast<__int128>(u);
  return true;
}

void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v < 0 ? "-inf" : "inf");
  } else if (v == 0) {
    out->push_back('0');  // -0.0 and 0.0 are one group
  } else if (std::fabs(v) >= 1e-6 && std::fabs(v) < 1e21) {
    char buf[400];
    auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    out->append(buf, p);
  } else {
    out->append(FormatDouble(v));
  }
}

void AppendHex(std::string_view b, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < b.size(); ++i) {
    if (b.size() == 16 && (i == 4 || i == 6 || i == 8 || i == 10)) out->push_back('-');
    out->push_back(kHex[static_cast<unsigned char>(b[i]) >> 4]);
    out->push_back(kHex[static_cast<unsigned char>(b[i]) & 15]);
  }
}

size_t FixedWidth(const Column& c) {
  switch (c.type) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat: return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble: return 8;
    case PhysicalType::kInt96: return 12;
    case PhysicalType::kFixedLenByteArray: return static_cast<size_t>(c.type_length);
    default: return 0;
  }
}

// Decodes `n` non-null values of `encoding` (not a dictionary one) from `data`
// into their canonical text.
class ValueDecoder {
 public:
  ValueDecoder(const Column& column, TextArena* arena) : column_(column), arena_(arena) {}

  // With a mask (one byte per value of the next Decode), values whose byte is
  // 0 are left as empty views rather than turned into text; nullptr: none.
  void SetWanted(const uint8_t* wanted) { wanted_ = wanted; }

  Status Decode(Encoding encoding, std::string_view data, size_t n, std::vector<std::string_view>* out) {
    out->clear();
    switch (encoding) {
      case Encoding::kPlain: return Plain(data, n, out);
      case Encoding::kRle: return RleBooleans(data, n, out);
      case Encoding::kDeltaBinaryPacked: return DeltaInts(data, n, out);
      case Encoding::kDeltaLengthByteArray: {
        if (column_.type != PhysicalType::kByteArray) return WrongType("DELTA_LENGTH_BYTE_ARRAY");
        if (n > data.size()) return Status::Corrupt("more values than bytes");
        views_.resize(n);
        RETURN_IF_ERROR(DecodeDeltaLengthByteArray(data, n, views_.data()));
        return EmitRaw(out);
      }
      case Encoding::kDeltaByteArray: {
        if (column_.type != PhysicalType::kByteArray && column_.type != PhysicalType::kFixedLenByteArray) {
          return WrongType("DELTA_BYTE_ARRAY");
        }
        if (n > data.size()) return Status::Corrupt("more values than bytes");
        views_.resize(n);
        RETURN_IF_ERROR(DecodeDeltaByteArray(data, n, &scratch_arena_, views_.data()));
        return EmitRaw(out);
      }
      case Encoding::kByteStreamSplit: {
        size_t w = FixedWidth(column_);
        if (w == 0 || column_.type == PhysicalType::kInt96) return WrongType("BYTE_STREAM_SPLIT");
        if (n > data.size() / w) return Status::Corrupt("BYTE_STREAM_SPLIT: fewer bytes than values");
        bytes_.resize(n * w);
        RETURN_IF_ERROR(DecodeByteStreamSplit(data, n, w, bytes_.data()));
        return EmitFixed(bytes_, n, w, out);
      }
      default:
        return Status::Unsupported("values in encoding " + std::to_string(static_cast<int>(encoding)));
    }
  }

 private:
  Status WrongType(const char* enc) { return Status::Corrupt(std::string(enc) + " for a column of this type"); }

  Status Plain(std::string_view data, size_t n, std::vector<std::string_view>* out) {
    size_t consumed = 0;
    if (column_.type == PhysicalType::kBoolean) {
      if (n > data.size() * 8) return Status::Corrupt("PLAIN booleans: fewer bits than values");
      flags_.resize(n);
      RETURN_IF_ERROR(DecodePlainBoolean(data, n, flags_.data(), &consumed));
      return EmitBooleans(out);
    }
    if (column_.type == PhysicalType::kByteArray) {
      if (n > data.size() / 4) return Status::Corrupt("PLAIN byte arrays: fewer bytes than values");
      views_.resize(n);
      RETURN_IF_ERROR(DecodePlainByteArray(data, n, views_.data(), &consumed));
      return EmitRaw(out);
    }
    size_t w = FixedWidth(column_);
    if (w == 0) return Status::Corrupt("a fixed-width column without a width");
    if (n > data.size() / w) return Status::Corrupt("PLAIN: fewer bytes than values");
    return EmitFixed(data.substr(0, n * w), n, w, out);
  }

  Status RleBooleans(std::string_view data, size_t n, std::vector<std::string_view>* out) {
    if (column_.type != PhysicalType::kBoolean) return WrongType("RLE");
    if (data.size() < 4) return Status::Corrupt("RLE booleans: no length");
    uint32_t len = Load<uint32_t>(data);
    if (len > data.size() - 4) return Status::Corrupt("RLE booleans: length past the page");
    RleDecoder rle(data.substr(4, len), 1);
    ints_.resize(n);
    RETURN_IF_ERROR(rle.Get(ints_.data(), n));
    flags_.resize(n);
    for (size_t i = 0; i < n; ++i) flags_[i] = static_cast<uint8_t>(ints_[i] != 0);
    return EmitBooleans(out);
  }

  Status DeltaInts(std::string_view data, size_t n, std::vector<std::string_view>* out) {
    size_t consumed = 0;
    if (column_.type == PhysicalType::kInt32) {
      std::vector<int32_t> v(n);
      RETURN_IF_ERROR(DecodeDeltaBinaryPacked32(data, n, v.data(), &consumed));
      bytes_.assign(reinterpret_cast<const char*>(v.data()), n * 4);
      return EmitFixed(bytes_, n, 4, out);
    }
    if (column_.type == PhysicalType::kInt64) {
      std::vector<int64_t> v(n);
      RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, n, v.data(), &consumed));
      bytes_.assign(reinterpret_cast<const char*>(v.data()), n * 8);
      return EmitFixed(bytes_, n, 8, out);
    }
    return WrongType("DELTA_BINARY_PACKED");
  }

  bool Unwanted(size_t i) const { return wanted_ != nullptr && wanted_[i] == 0; }

  Status EmitBooleans(std::vector<std::string_view>* out) {
    out->reserve(flags_.size());
    for (uint8_t f : flags_) out->push_back(f ? "true" : "false");
    return Status::OK();
  }

  Status EmitRaw(std::vector<std::string_view>* out) {
    out->reserve(views_.size());
    std::string text;
    for (size_t i = 0; i < views_.size(); ++i) {
      std::string_view v = views_[i];
      if (column_.logical == LogicalKind::kDecimal || column_.type == PhysicalType::kFixedLenByteArray) {
        if (column_.type == PhysicalType::kFixedLenByteArray && v.size() != static_cast<size_t>(column_.type_length)) {
          return Status::Corrupt("a FIXED_LEN_BYTE_ARRAY value of the wrong length");
        }
        if (Unwanted(i)) {
          out->emplace_back();
          continue;
        }
        text.clear();
        AppendCanonical(column_, v, &text);
        out->push_back(arena_->Add(text));
      } else {
        out->push_back(Unwanted(i) ? std::string_view() : arena_->Add(v));
      }
    }
    return Status::OK();
  }

  Status EmitFixed(std::string_view bytes, size_t n, size_t w, std::vector<std::string_view>* out) {
    out->reserve(n);
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      if (Unwanted(i)) {
        out->emplace_back();
        continue;
      }
      text.clear();
      AppendCanonical(column_, bytes.substr(i * w, w), &text);
      out->push_back(arena_->Add(text));
    }
    return Status::OK();
  }

  const Column& column_;
  TextArena* arena_;
  const uint8_t* wanted_ = nullptr;
  std::vector<std::string_view> views_;
  std::vector<uint8_t> flags_;
  std::vector<uint32_t> ints_;
  std::string bytes_;
  std::string scratch_arena_;
};

// Definition levels of `n` values into levels (max_def <= 1 here: flat columns).
Status ReadLevels(Encoding encoding, std::string_view data, int bit_width, size_t n, std::vector<uint32_t>* levels,
                  size_t* consumed) {
  levels->resize(n);
  if (encoding == Encoding::kBitPacked) {
    return DecodeBitPacked(data, bit_width, n, levels->data(), consumed);
  }
  if (encoding != Encoding::kRle) {
    return Status::Unsupported("definition levels in encoding " + std::to_string(static_cast<int>(encoding)));
  }
  RleDecoder rle(data, bit_width);
  RETURN_IF_ERROR(rle.Get(levels->data(), n));
  *consumed = data.size();
  return Status::OK();
}

// Whether RLE levels of bit width 1 begin with a repeated run of at least n ones
// (every value of a page without NULLs is present): the common case, told
// without decoding n levels.
bool LevelsAllOne(std::string_view rle, size_t n) {
  uint64_t header = 0;
  size_t i = 0;
  for (int shift = 0; i < rle.size() && i < 5; shift += 7) {
    unsigned char b = static_cast<unsigned char>(rle[i++]);
    header |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      return (header & 1) == 0 && (header >> 1) >= n && i < rle.size() && static_cast<unsigned char>(rle[i]) == 1;
    }
  }
  return false;
}

}  // namespace

std::string_view TextArena::Add(std::string_view text) {
  if (text.empty()) return {};
  if (blocks_.empty() || blocks_.back().capacity() - blocks_.back().size() < text.size()) {
    blocks_.emplace_back();
    blocks_.back().reserve(std::max(kArenaBlock, text.size()));
  }
  std::string& b = blocks_.back();
  size_t at = b.size();
  b.append(text);
  bytes_ += text.size();
  return std::string_view(b.data() + at, text.size());
}

void TextArena::Clear() {
  blocks_.clear();
  bytes_ = 0;
}

void AppendCanonical(const Column& c, std::string_view v, std::string* out) {
  switch (c.type) {
    case PhysicalType::kBoolean:
      out->append(!v.empty() && v[0] ? "true" : "false");
      return;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64: {
      __int128 x;
      if (c.type == PhysicalType::kInt32) {
        int32_t i = Load<int32_t>(v);
        x = (c.logical == LogicalKind::kInteger && !c.is_signed) ? static_cast<__int128>(static_cast<uint32_t>(i)) : i;
      } else {
        int64_t i = Load<int64_t>(v);
        x = (c.logical == LogicalKind::kInteger && !c.is_signed) ? static_cast<__int128>(static_cast<uint64_t>(i)) : i;
      }
      int digits;
      switch (c.logical) {
        case LogicalKind::kDecimal: AppendDecimal(x, c.scale, out); return;
        case LogicalKind::kDate: AppendDate(static_cast<int64_t>(x), out); return;
        case LogicalKind::kTimestamp: {
          int64_t per = PerSecond(c.unit, &digits);
          AppendTimestamp(x, per, digits, out);
          return;
        }
        case LogicalKind::kTime: {
          int64_t per = PerSecond(c.unit, &digits);
          if (x < 0 || x >= static_cast<__int128>(per) * 86400) {
            AppendInt(x, out);  // not a time of day: the number, not a made-up time
          } else {
            AppendTimeOfDay(static_cast<int64_t>(x), per, digits, out);
          }
          return;
        }
        default: AppendInt(x, out); return;
      }
    }
    case PhysicalType::kInt96: {
      // Nanoseconds of the day (8 bytes) then the Julian day (4), both little endian.
      int64_t nanos = Load<int64_t>(v.substr(0, 8));
      int32_t julian = v.size() >= 12 ? Load<int32_t>(v.substr(8, 4)) : 0;
      __int128 total = (static_cast<__int128>(julian) - 2440588) * 86400 * 1000000000 + nanos;
      AppendTimestamp(total, 1000000000, 9, out);
      return;
    }
    case PhysicalType::kFloat:
      AppendDouble(static_cast<double>(Load<float>(v)), out);
      return;
    case PhysicalType::kDouble:
      AppendDouble(Load<double>(v), out);
      return;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: {
      if (c.logical == LogicalKind::kDecimal) {
        __int128 x;
        if (BigEndianInt(v, &x)) {
          AppendDecimal(x, c.scale, out);
        } else {
          out->append("0x");
          AppendHex(v, out);
        }
        return;
      }
      if (c.logical == LogicalKind::kUuid && v.size() == 16) {
        AppendHex(v, out);
        return;
      }
      out->append(v);
      return;
    }
  }
}

Status ReadColumnChunk(const Column& column, const ColumnMetaData& meta, std::string_view chunk, uint64_t rows,
                       TextArena* arena, ChunkValues* out, const std::vector<uint32_t>* only) {
  if (column.nested || column.max_repetition_level > 0 || column.max_definition_level > 1) {
    return Status::Unsupported("column '" + column.name + "' is nested (a list, map or struct): it cannot be queried");
  }
  out->values.clear();
  out->codes.clear();
  out->dictionary.clear();
  // Codes while every data page is dictionary-encoded; views from the first
  // page that is not (the codes so far become views).
  out->coded = true;
  std::vector<std::string_view>* values = &out->values;
  std::vector<uint32_t>& codes = out->codes;
  auto done = [&]() { return out->coded ? codes.size() : values->size(); };
  if (rows > kMaxRowGroupRows) {
    return Status::Unsupported("a row group of " + std::to_string(rows) + " rows (fanout reads at most " +
                               std::to_string(kMaxRowGroupRows) + " per row group)");
  }
  const size_t reserve = static_cast<size_t>(std::min<uint64_t>(rows, uint64_t{1} << 24));
  ValueDecoder decoder(column, arena);
  std::vector<std::string_view>& dictionary = out->dictionary;
  std::vector<std::string_view>& page_values = out->scratch.page_values;
  uint32_t null_code = 0;  // dictionary.size() before NULL's entry
  bool have_dictionary = false;
  std::vector<uint32_t>& levels = out->scratch.levels;
  std::vector<uint32_t>& indices = out->scratch.indices;
  std::string& buffer = out->scratch.buffer;
  size_t pos = 0;
  const int def_width = column.max_definition_level > 0 ? 1 : 0;
  size_t next_only = 0;           // with `only`: the first of its rows not yet passed
  std::vector<uint8_t> wanted;    // with `only`: per present value of a page, whether its row is one
  // With `only`, a dictionary's entries stay as stored (views into a copy of
  // its page) until a wanted row needs one: then it is turned into text.
  bool lazy_dictionary = false;
  std::string dictionary_page_bytes;
  std::vector<std::string_view> stored_entries;
  std::vector<uint8_t> entry_ready;
  std::string entry_text;
  auto ensure = [&](uint32_t c) {
    if (!lazy_dictionary || c >= stored_entries.size() || entry_ready[c]) return;  // (NULL's entry is "")
    entry_text.clear();
    AppendCanonical(column, stored_entries[c], &entry_text);
    dictionary[c] = arena->Add(entry_text);
    entry_ready[c] = 1;
  };
  auto ensure_wanted_codes = [&]() {  // the entries of the wanted rows coded so far
    if (!lazy_dictionary) return;
    for (uint32_t r : *only) {
      if (r >= codes.size()) break;
      ensure(codes[r]);
    }
  };
  auto to_views = [&]() {         // from codes to views
    ensure_wanted_codes();
    values->reserve(reserve);
    for (uint32_t c : codes) values->push_back(dictionary[c]);
    codes.clear();
    codes.shrink_to_fit();
    out->coded = false;
  };
  while (done() < rows) {
    if (pos >= chunk.size()) {
      return Status::Corrupt("the column chunk ends after " + std::to_string(done()) + " of " +
                             std::to_string(rows) + " values");
    }
    size_t header_bytes = 0;
    ASSIGN_OR_RETURN(PageHeader header, ParsePageHeader(chunk.substr(pos), &header_bytes));
    pos += header_bytes;
    if (header.compressed_page_size < 0 || static_cast<size_t>(header.compressed_page_size) > chunk.size() - pos) {
      return Status::Corrupt("a page runs past the end of its column chunk");
    }
    std::string_view stored = chunk.substr(pos, header.compressed_page_size);
    pos += header.compressed_page_size;
    if (header.type == PageType::kDictionaryPage) {
      if (have_dictionary) return Status::Corrupt("a second dictionary page");
      const DictionaryPageHeader& d = *header.dictionary_page_header;
      if (d.encoding != Encoding::kPlain && d.encoding != Encoding::kPlainDictionary) {
        return Status::Unsupported("a dictionary page in encoding " + std::to_string(static_cast<int>(d.encoding)));
      }
      std::string_view page;
      RETURN_IF_ERROR(DecompressPageView(meta.codec, stored, header.uncompressed_page_size, &buffer, &page));
      if (d.num_values < 0) return Status::Corrupt("a dictionary of a negative size");
      if (only != nullptr && column.type != PhysicalType::kBoolean) {
        dictionary_page_bytes.assign(page);
        std::string_view bytes = dictionary_page_bytes;
        const size_t n = static_cast<size_t>(d.num_values);
        if (column.type == PhysicalType::kByteArray) {
          if (n > bytes.size() / 4) return Status::Corrupt("PLAIN byte arrays: fewer bytes than values");
          stored_entries.resize(n);
          size_t consumed = 0;
          RETURN_IF_ERROR(DecodePlainByteArray(bytes, n, stored_entries.data(), &consumed));
        } else {
          size_t w = FixedWidth(column);
          if (w == 0) return Status::Corrupt("a fixed-width column without a width");
          if (n > bytes.size() / w) return Status::Corrupt("PLAIN: fewer bytes than values");
          stored_entries.resize(n);
          for (size_t i = 0; i < n; ++i) stored_entries[i] = bytes.substr(i * w, w);
        }
        dictionary.assign(n, std::string_view());
        entry_ready.assign(n, 0);
        lazy_dictionary = true;
      } else {
        RETURN_IF_ERROR(decoder.Decode(Encoding::kPlain, page, d.num_values, &dictionary));
      }
      if (dictionary.size() >= std::numeric_limits<uint32_t>::max()) return Status::Corrupt("a dictionary too large");
      null_code = static_cast<uint32_t>(dictionary.size());
      dictionary.emplace_back();
      have_dictionary = true;
      continue;
    }
    if (header.type != PageType::kDataPage && header.type != PageType::kDataPageV2) continue;  // index pages
    size_t n = 0;
    Encoding encoding;
    std::string_view levels_bytes, value_bytes;
    Encoding def_encoding = Encoding::kRle;
    bool v1_levels = false;
    if (header.type == PageType::kDataPage) {
      const DataPageHeader& h = *header.data_page_header;
      if (h.num_values < 0) return Status::Corrupt("a page of a negative number of values");
      n = static_cast<size_t>(h.num_values);
      encoding = h.encoding;
      def_encoding = h.definition_level_encoding;
    } else {
      const DataPageHeaderV2& h = *header.data_page_header_v2;
      if (h.num_values < 0 || h.repetition_levels_byte_length < 0 || h.definition_levels_byte_length < 0) {
        return Status::Corrupt("a v2 page of negative sizes");
      }
      n = static_cast<size_t>(h.num_values);
      encoding = h.encoding;
    }
    if (n > kMaxPageValues) return Status::Corrupt("a page of " + std::to_string(n) + " values");
    if (n > rows - done()) return Status::Corrupt("more values in the pages than rows in the row group");
    const bool dictionary_page = encoding == Encoding::kPlainDictionary || encoding == Encoding::kRleDictionary;
    if (dictionary_page && !have_dictionary) {
      return Status::Corrupt("a dictionary-encoded page without a dictionary page");
    }
    // With `only`: a page none of whose rows are wanted is passed over unread.
    const size_t row0 = done();
    bool some_wanted = only == nullptr;
    if (only != nullptr) {
      while (next_only < only->size() && (*only)[next_only] < row0) ++next_only;
      some_wanted = next_only < only->size() && (*only)[next_only] < row0 + n;
    }
    if (!some_wanted) {
      if (!dictionary_page && out->coded) to_views();
      if (out->coded) {
        codes.insert(codes.end(), n, null_code);
      } else {
        values->insert(values->end(), n, std::string_view());
      }
      continue;
    }
    if (header.type == PageType::kDataPage) {
      std::string_view page;
      RETURN_IF_ERROR(DecompressPageView(meta.codec, stored, header.uncompressed_page_size, &buffer, &page));
      value_bytes = page;
      v1_levels = true;
    } else {
      const DataPageHeaderV2& h = *header.data_page_header_v2;
      size_t lv = static_cast<size_t>(h.repetition_levels_byte_length) + h.definition_levels_byte_length;
      if (lv > stored.size()) return Status::Corrupt("a v2 page's levels run past the page");
      levels_bytes = stored.substr(h.repetition_levels_byte_length, h.definition_levels_byte_length);
      std::string_view rest = stored.substr(lv);
      if (h.is_compressed) {
        if (header.uncompressed_page_size < 0 || static_cast<size_t>(header.uncompressed_page_size) < lv) {
          return Status::Corrupt("a v2 page smaller than its levels");
        }
        RETURN_IF_ERROR(DecompressPageView(meta.codec, rest, header.uncompressed_page_size - lv, &buffer, &value_bytes));
      } else {
        value_bytes = rest;
      }
    }
    // Definition levels: which of the n values are present.
    size_t present = n;
    if (def_width > 0) {
      size_t used = 0;
      bool all_one = false;
      if (v1_levels && def_encoding == Encoding::kRle) {
        if (value_bytes.size() < 4) return Status::Corrupt("a page without its definition levels' length");
        uint32_t len = Load<uint32_t>(value_bytes);
        if (len > value_bytes.size() - 4) return Status::Corrupt("definition levels past the end of the page");
        all_one = LevelsAllOne(value_bytes.substr(4, len), n);
        if (!all_one) RETURN_IF_ERROR(ReadLevels(Encoding::kRle, value_bytes.substr(4, len), def_width, n, &levels, &used));
        value_bytes.remove_prefix(4 + len);
      } else if (v1_levels) {
        RETURN_IF_ERROR(ReadLevels(def_encoding, value_bytes, def_width, n, &levels, &used));
        value_bytes.remove_prefix(used);
      } else {
        all_one = LevelsAllOne(levels_bytes, n);
        if (!all_one) RETURN_IF_ERROR(ReadLevels(Encoding::kRle, levels_bytes, def_width, n, &levels, &used));
      }
      if (!all_one) {
        present = 0;
        for (size_t i = 0; i < n; ++i) {
          if (levels[i] > 1) return Status::Corrupt("a definition level above the column's maximum");
          present += levels[i];
        }
      }
    }
    // The present values.
    if (!dictionary_page && out->coded) to_views();
    if (only != nullptr && !(dictionary_page && out->coded)) {  // which present values are of wanted rows (codes need none)
      wanted.assign(present, 0);
      size_t k = next_only;
      const bool dense = def_width == 0 || present == n;
      for (size_t i = 0, p = 0; i < n && k < only->size(); ++i) {
        const bool here = dense || levels[i] != 0;
        if ((*only)[k] == row0 + i) {
          if (here) wanted[p] = 1;
          ++k;
        }
        p += here;
      }
    }
    if (dictionary_page) {
      // The indices, checked against the dictionary's size.
      uint32_t* at = nullptr;
      if (out->coded) {
        if (codes.capacity() == 0) codes.reserve(reserve);
        size_t old = codes.size();
        codes.resize(old + n);
        at = codes.data() + old;
      } else {
        indices.resize(present);
        at = indices.data();
      }
      if (value_bytes.empty()) {
        if (present > 0) return Status::Corrupt("a dictionary-encoded page without its indices");
      } else {
        int width = static_cast<unsigned char>(value_bytes[0]);
        if (width > 32) return Status::Corrupt("a dictionary index width of " + std::to_string(width) + " bits");
        RleDecoder rle(value_bytes.substr(1), width);
        RETURN_IF_ERROR(rle.Get(at, present));
        uint32_t top = 0;
        for (size_t i = 0; i < present; ++i) top = std::max(top, at[i]);
        if (present > 0 && top >= null_code) return Status::Corrupt("a dictionary index past the dictionary");
      }
      if (out->coded) {
        if (present < n) {  // NULLs: spread the present codes over the rows, from the back
          size_t k = present;
          for (size_t i = n; i-- > 0;) at[i] = levels[i] ? at[--k] : null_code;
        }
        continue;
      }
      page_values.resize(present);
      for (size_t i = 0; i < present; ++i) {
        if (only != nullptr && wanted[i]) ensure(indices[i]);
        page_values[i] = dictionary[indices[i]];
      }
    } else {
      if (only != nullptr) decoder.SetWanted(wanted.data());
      Status decoded = decoder.Decode(encoding, value_bytes, present, &page_values);
      decoder.SetWanted(nullptr);
      RETURN_IF_ERROR(decoded);
    }
    if (def_width == 0 || present == n) {
      values->insert(values->end(), page_values.begin(), page_values.end());
    } else {
      size_t k = 0;
      for (size_t i = 0; i < n; ++i) values->push_back(levels[i] ? page_values[k++] : std::string_view());
    }
  }
  if (out->coded) ensure_wanted_codes();
  return Status::OK();
}

Status ReadColumnChunk(const Column& column, const ColumnMetaData& meta, std::string_view chunk, uint64_t rows,
                       TextArena* arena, std::vector<std::string_view>* values) {
  ChunkValues out;
  Status s = ReadColumnChunk(column, meta, chunk, rows, arena, &out);
  values->clear();
  if (!s.ok()) return s;  // (the codes of a damaged chunk may point anywhere)
  if (out.coded) {
    values->clear();
    values->reserve(out.codes.size());
    for (uint32_t c : out.codes) values->push_back(out.dictionary[c]);
  } else {
    *values = std::move(out.values);
  }
  return s;
}

}  // namespace fanout::parquet
