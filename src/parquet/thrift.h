// A reader of the Thrift compact protocol (thrift/doc/specs/thrift-compact-protocol.md),
// the encoding of Parquet's footer and page headers, written for bytes from outside.
//
// Every read is checked against the bytes given: a truncated varint, a length or a
// list count past the end, an unknown type code, a value of the wrong type for its
// field, or structs and lists nested deeper than kMaxDepth are Corrupt, with the
// message "FIELD: what at byte N" (FIELD as the caller names it, e.g.
// "RowGroup.num_rows"; N from the start of the bytes). No read allocates more than
// the bytes it consumes: a list's count is checked against the bytes left before any
// element is read. Fields of any type can be skipped, so structs from newer writers,
// with fields this reader does not know, still decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace fanout::parquet::thrift {

// The compact protocol's type codes: the low nibble of a field header, and the
// element types of lists, sets and maps. A bool field carries its value in its type
// (kBoolTrue, kBoolFalse); a bool inside a list is one byte.
enum class WireType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
  kUuid = 13,
};

// How deep structs, lists and maps may nest. Parquet's own structs nest six deep;
// the limit keeps a hostile footer from exhausting the stack while skipping.
inline constexpr int kMaxDepth = 64;

// One field header inside a struct. type == kStop ends the struct (id is then 0).
struct FieldHeader {
  int16_t id = 0;
  WireType type = WireType::kStop;
};

// Reads values in order from `bytes`, which must outlive the reader. Each method
// takes the name of the field being read, for its error; after an error the reader's
// position is unspecified and it should not be used further.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }

  // Struct framing: Enter counts one level of nesting (Corrupt past kMaxDepth), Leave
  // gives it back. ReadFieldHeader reads the next field header; *last_id is the id of
  // the struct's previous field (0 before the first) and is updated, as the short form
  // of a header stores the difference from it.
  [[nodiscard]] Status EnterStruct(std::string_view name);
  void LeaveStruct() { --depth_; }
  [[nodiscard]] Status ReadFieldHeader(std::string_view name, int16_t* last_id, FieldHeader* out);

  // An integer of any wire width (kByte, kI16, kI32, kI64: writers differ on the
  // width of a few fields) that must lie in [min, max].
  [[nodiscard]] Status ReadInt(WireType type, std::string_view name, int64_t min, int64_t max, int64_t* out);
  template <typename T>
  [[nodiscard]] Status ReadInt(WireType type, std::string_view name, T* out) {
    int64_t v = 0;
    RETURN_IF_ERROR(ReadInt(type, name, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), &v));
    *out = static_cast<T>(v);
    return Status::OK();
  }
  // A bool field (its value is its wire type; nothing is read).
  [[nodiscard]] Status ReadBool(WireType type, std::string_view name, bool* out);
  // A binary or string value: a varint length and that many bytes.
  [[nodiscard]] Status ReadBinary(WireType type, std::string_view name, std::string* out);
  // A list (or set) header: the element type and the count, which is at most the
  // number of elements the bytes left could hold.
  [[nodiscard]] Status ReadListHeader(WireType type, std::string_view name, WireType* element, uint32_t* count);

  // Skips one value of the given type, nested values included. `in_list` says the
  // value is a list, set or map element, where a bool is a byte of its own.
  [[nodiscard]] Status Skip(WireType type, std::string_view name, bool in_list = false);

  // Corrupt "name: problem at byte position()".
  Status Error(std::string_view name, std::string_view problem) const { return ErrorAt(name, problem, pos_); }

 private:
  Status ErrorAt(std::string_view name, std::string_view problem, size_t at) const;
  [[nodiscard]] Status ReadVarint(std::string_view name, int max_bytes, uint64_t* out);
  [[nodiscard]] Status ReadByte(std::string_view name, uint8_t* out);
  [[nodiscard]] Status Advance(std::string_view name, uint64_t n);
  [[nodiscard]] Status SkipCollection(WireType type, std::string_view name);
  [[nodiscard]] Status SkipMap(std::string_view name);
  [[nodiscard]] Status Nest(std::string_view name);  // one level deeper, or Corrupt

  std::string_view bytes_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// Reads one struct: calls on_field(const FieldHeader&) for each field up to the stop
// field, in the order stored (any order); on_field reads the value (through r) or
// skips it, and returns a Status.
template <typename OnField>
[[nodiscard]] Status ReadStruct(Reader& r, std::string_view name, OnField&& on_field) {
  RETURN_IF_ERROR(r.EnterStruct(name));
  int16_t last_id = 0;
  for (;;) {
    FieldHeader field;
    RETURN_IF_ERROR(r.ReadFieldHeader(name, &last_id, &field));
    if (field.type == WireType::kStop) break;
    RETURN_IF_ERROR(on_field(field));
  }
  r.LeaveStruct();
  return Status::OK();
}

// The same for a field or list element of wire type `type`, which must be a struct.
template <typename OnField>
[[nodiscard]] Status ReadStruct(Reader& r, WireType type, std::string_view name, OnField&& on_field) {
  if (type != WireType::kStruct) return r.Error(name, "expected a struct");
  return ReadStruct(r, name, std::forward<OnField>(on_field));
}

// Reads a list of structs or values: checks the header's element type is `want`
// (kBoolTrue stands for both bool codes), then calls on_element(WireType) count times.
template <typename OnElement>
[[nodiscard]] Status ReadList(Reader& r, WireType type, std::string_view name, WireType want,
                              OnElement&& on_element) {
  WireType element;
  uint32_t count = 0;
  RETURN_IF_ERROR(r.ReadListHeader(type, name, &element, &count));
  auto is_int = [](WireType t) {
    return t == WireType::kByte || t == WireType::kI16 || t == WireType::kI32 || t == WireType::kI64;
  };
  bool fits = element == want || (is_int(want) && is_int(element));
  if (count > 0 && !fits) return r.Error(name, "list of the wrong element type");
  for (uint32_t i = 0; i < count; ++i) RETURN_IF_ERROR(on_element(element));
  return Status::OK();
}

}  // namespace fanout::parquet::thrift
