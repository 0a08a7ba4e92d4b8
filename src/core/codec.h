// Payload encoding: little-endian integers and length-prefixed byte strings,
// as the worker protocol's frames (docs/protocol.md) and every job's and
// task output's wire form are built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace fanout {

// Builds a payload.
class Encoder {
 public:
  Encoder& U8(uint8_t v);
  Encoder& U32(uint32_t v);
  Encoder& U64(uint64_t v);
  Encoder& Str(std::string_view s);  // u32 length + bytes
  Encoder& Raw(std::string_view s);  // bytes as they are
  Encoder& Strs(const std::vector<std::string>& v);  // u32 count + each as Str
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

// Reads a payload; every read fails (Corrupt) past the end, and Finish checks
// nothing is left over.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  Result<uint8_t> U8();
  Result<uint32_t> U32();
  Result<uint64_t> U64();
  Result<std::string> Str();
  Result<std::vector<std::string>> Strs();  // what Encoder::Strs wrote
  Status Finish() const;

 private:
  Status Need(size_t n) const;
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace fanout
