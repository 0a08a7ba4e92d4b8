#include "parquet/thrift.h"

namespace fanout::parquet::thrift {
namespace {

// A varint of a 64-bit value takes at most 10 bytes (7 bits each); one of a 16- or
// 32-bit value at most 3 or 5.
constexpr int kMaxVarint16Bytes = 3;
constexpr int kMaxVarint32Bytes = 5;
constexpr int kMaxVarint64Bytes = 10;
// A list header's count nibble; 15 says the count follows as a varint.
constexpr uint8_t kLongListCount = 15;
constexpr size_t kDoubleBytes = 8;
constexpr size_t kUuidBytes = 16;

int64_t ZigZag(uint64_t n) { return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1); }

bool IsInt(WireType t) {
  return t == WireType::kByte || t == WireType::kI16 || t == WireType::kI32 || t == WireType::kI64;
}

bool IsBool(WireType t) { return t == WireType::kBoolTrue || t == WireType::kBoolFalse; }

const char* TypeName(WireType t) {
  switch (t) {
    case WireType::kStop: return "stop";
    case WireType::kBoolTrue:
    case WireType::kBoolFalse: return "bool";
    case WireType::kByte: return "byte";
    case WireType::kI16: return "i16";
    case WireType::kI32: return "i32";
    case WireType::kI64: return "i64";
    case WireType::kDouble: return "double";
    case WireType::kBinary: return "binary";
    case WireType::kList: return "list";
    case WireType::kSet: return "set";
    case WireType::kMap: return "map";
    case WireType::kStruct: return "struct";
    case WireType::kUuid: return "uuid";
  }
  return "unknown";
}

// The fewest bytes one value of the type takes as a list element: what bounds a count.
size_t MinElementBytes(WireType t) {
  switch (t) {
    case WireType::kDouble: return kDoubleBytes;
    case WireType::kUuid: return kUuidBytes;
    default: return 1;  // a bool or byte, a one-byte varint, an empty struct's stop, a zero length or count
  }
}

// Whether a type code read from the bytes is one the protocol defines.
bool ValidCode(uint8_t code) { return code <= static_cast<uint8_t>(WireType::kUuid); }

}  // namespace

Status Reader::ErrorAt(std::string_view name, std::string_view problem, size_t at) const {
  std::string m(name);
  m += ": ";
  m += problem;
  m += " at byte ";
  m += std::to_string(at);
  return Status::Corrupt(std::move(m));
}

Status Reader::ReadByte(std::string_view name, uint8_t* out) {
  if (pos_ >= bytes_.size()) return Error(name, "truncated");
  *out = static_cast<uint8_t>(bytes_[pos_++]);
  return Status::OK();
}

Status Reader::Advance(std::string_view name, uint64_t n) {
  if (n > remaining()) return ErrorAt(name, "length " + std::to_string(n) + " past the end", pos_);
  pos_ += n;
  return Status::OK();
}

Status Reader::ReadVarint(std::string_view name, int max_bytes, uint64_t* out) {
  size_t start = pos_;
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (pos_ >= bytes_.size()) return ErrorAt(name, "truncated varint", start);
    uint8_t b = static_cast<uint8_t>(bytes_[pos_++]);
    // A final tenth byte carries bit 63 alone; more is a value no integer holds.
    if (i == kMaxVarint64Bytes - 1 && b > 1 && (b & 0x80) == 0) {
      return ErrorAt(name, "varint overflows 64 bits", start);
    }
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *out = v;
      return Status::OK();
    }
  }
  return ErrorAt(name, "varint longer than " + std::to_string(max_bytes) + " bytes", start);
}

Status Reader::Nest(std::string_view name) {
  if (depth_ >= kMaxDepth) return Error(name, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
  ++depth_;
  return Status::OK();
}

Status Reader::EnterStruct(std::string_view name) { return Nest(name); }

Status Reader::ReadFieldHeader(std::string_view name, int16_t* last_id, FieldHeader* out) {
  size_t start = pos_;
  uint8_t b = 0;
  if (pos_ >= bytes_.size()) return Error(name, "truncated struct (no stop field)");
  RETURN_IF_ERROR(ReadByte(name, &b));
  uint8_t code = b & 0x0f;
  if (code == static_cast<uint8_t>(WireType::kStop)) {
    *out = FieldHeader{};
    return Status::OK();
  }
  if (!ValidCode(code)) return ErrorAt(name, "unknown field type " + std::to_string(code), start);
  int delta = b >> 4;
  int64_t id = 0;
  if (delta != 0) {
    id = int64_t{*last_id} + delta;
  } else {
    uint64_t raw = 0;
    RETURN_IF_ERROR(ReadVarint(name, kMaxVarint16Bytes, &raw));
    id = ZigZag(raw);
  }
  if (id < std::numeric_limits<int16_t>::min() || id > std::numeric_limits<int16_t>::max()) {
    return ErrorAt(name, "field id " + std::to_string(id) + " out of range", start);
  }
  out->id = static_cast<int16_t>(id);
  out->type = static_cast<WireType>(code);
  *last_id = out->id;
  return Status::OK();
}

Status Reader::ReadInt(WireType type, std::string_view name, int64_t min, int64_t max, int64_t* out) {
  size_t start = pos_;
  if (!IsInt(type)) return Error(name, std::string("expected an integer, found ") + TypeName(type));
  int64_t v = 0;
  if (type == WireType::kByte) {
    uint8_t b = 0;
    RETURN_IF_ERROR(ReadByte(name, &b));
    v = static_cast<int8_t>(b);
  } else {
    int max_bytes = type == WireType::kI16 ? kMaxVarint16Bytes
                    : type == WireType::kI32 ? kMaxVarint32Bytes
                                             : kMaxVarint64Bytes;
    uint64_t raw = 0;
    RETURN_IF_ERROR(ReadVarint(name, max_bytes, &raw));
    v = ZigZag(raw);
  }
  if (v < min || v > max) return ErrorAt(name, "value " + std::to_string(v) + " out of range", start);
  *out = v;
  return Status::OK();
}

Status Reader::ReadBool(WireType type, std::string_view name, bool* out) {
  if (!IsBool(type)) return Error(name, std::string("expected a bool, found ") + TypeName(type));
  *out = type == WireType::kBoolTrue;
  return Status::OK();
}

Status Reader::ReadBinary(WireType type, std::string_view name, std::string* out) {
  if (type != WireType::kBinary) return Error(name, std::string("expected binary, found ") + TypeName(type));
  uint64_t length = 0;
  RETURN_IF_ERROR(ReadVarint(name, kMaxVarint32Bytes, &length));
  size_t start = pos_;
  RETURN_IF_ERROR(Advance(name, length));
  out->assign(bytes_.substr(start, length));
  return Status::OK();
}

Status Reader::ReadListHeader(WireType type, std::string_view name, WireType* element, uint32_t* count) {
  if (type != WireType::kList && type != WireType::kSet) {
    return Error(name, std::string("expected a list, found ") + TypeName(type));
  }
  size_t start = pos_;
  uint8_t b = 0;
  RETURN_IF_ERROR(ReadByte(name, &b));
  uint8_t code = b & 0x0f;
  if (code == static_cast<uint8_t>(WireType::kStop) || !ValidCode(code)) {
    return ErrorAt(name, "list of unknown element type " + std::to_string(code), start);
  }
  uint64_t n = b >> 4;
  if (n == kLongListCount) RETURN_IF_ERROR(ReadVarint(name, kMaxVarint32Bytes, &n));
  *element = static_cast<WireType>(code);
  if (*element == WireType::kBoolFalse) *element = WireType::kBoolTrue;  // either code means bool here
  if (n > remaining() / MinElementBytes(*element)) {
    return ErrorAt(name, "list of " + std::to_string(n) + " elements is longer than the " +
                             std::to_string(remaining()) + " bytes left", start);
  }
  *count = static_cast<uint32_t>(n);
  return Status::OK();
}

Status Reader::Skip(WireType type, std::string_view name, bool in_list) {
  uint64_t ignored = 0;
  switch (type) {
    case WireType::kBoolTrue:
    case WireType::kBoolFalse: return in_list ? Advance(name, 1) : Status::OK();
    case WireType::kByte: return Advance(name, 1);
    case WireType::kI16: return ReadVarint(name, kMaxVarint16Bytes, &ignored);
    case WireType::kI32: return ReadVarint(name, kMaxVarint32Bytes, &ignored);
    case WireType::kI64: return ReadVarint(name, kMaxVarint64Bytes, &ignored);
    case WireType::kDouble: return Advance(name, kDoubleBytes);
    case WireType::kUuid: return Advance(name, kUuidBytes);
    case WireType::kBinary:
      RETURN_IF_ERROR(ReadVarint(name, kMaxVarint32Bytes, &ignored));
      return Advance(name, ignored);
    case WireType::kList:
    case WireType::kSet: return SkipCollection(type, name);
    case WireType::kMap: return SkipMap(name);
    case WireType::kStruct:
      return ReadStruct(*this, name, [&](const FieldHeader& f) { return Skip(f.type, name); });
    case WireType::kStop: break;
  }
  return Error(name, "cannot skip a value of type " + std::to_string(static_cast<int>(type)));
}

Status Reader::SkipCollection(WireType type, std::string_view name) {
  RETURN_IF_ERROR(Nest(name));
  WireType element;
  uint32_t count = 0;
  RETURN_IF_ERROR(ReadListHeader(type, name, &element, &count));
  for (uint32_t i = 0; i < count; ++i) RETURN_IF_ERROR(Skip(element, name, /*in_list=*/true));
  --depth_;
  return Status::OK();
}

// A map is a varint count, then (when not empty) one byte of key and value types,
// then the pairs.
Status Reader::SkipMap(std::string_view name) {
  RETURN_IF_ERROR(Nest(name));
  size_t start = pos_;
  uint64_t n = 0;
  RETURN_IF_ERROR(ReadVarint(name, kMaxVarint32Bytes, &n));
  if (n > 0) {
    uint8_t b = 0;
    RETURN_IF_ERROR(ReadByte(name, &b));
    uint8_t key_code = b >> 4, value_code = b & 0x0f;
    if (key_code == 0 || value_code == 0 || !ValidCode(key_code) || !ValidCode(value_code)) {
      return ErrorAt(name, "map of unknown key or value type", start);
    }
    WireType key = static_cast<WireType>(key_code), value = static_cast<WireType>(value_code);
    if (n > remaining() / (MinElementBytes(key) + MinElementBytes(value))) {
      return ErrorAt(name, "map of " + std::to_string(n) + " entries is longer than the bytes left", start);
    }
    for (uint64_t i = 0; i < n; ++i) {
      RETURN_IF_ERROR(Skip(key, name, /*in_list=*/true));
      RETURN_IF_ERROR(Skip(value, name, /*in_list=*/true));
    }
  }
  --depth_;
  return Status::OK();
}

}  // namespace fanout::parquet::thrift
