#include "core/codec.h"

namespace fanout {

Encoder& Encoder::U8(uint8_t v) {
  out_.push_back(static_cast<char>(v));
  return *this;
}

Encoder& Encoder::U32(uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return *this;
}

Encoder& Encoder::U64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return *this;
}

Encoder& Encoder::Str(std::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  out_.append(s);
  return *this;
}

Encoder& Encoder::Raw(std::string_view s) {
  out_.append(s);
  return *this;
}

Encoder& Encoder::Strs(const std::vector<std::string>& v) {
  U32(static_cast<uint32_t>(v.size()));
  for (const std::string& s : v) Str(s);
  return *this;
}

Result<std::vector<std::string>> Decoder::Strs() {
  ASSIGN_OR_RETURN(uint32_t n, U32());
  std::vector<std::string> out;
  for (uint32_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(std::string s, Str());
    out.push_back(std::move(s));
  }
  return out;
}

Status Decoder::Need(size_t n) const {
  if (in_.size() - pos_ < n) return Status::Corrupt("truncated frame payload");
  return Status::OK();
}

Result<uint8_t> Decoder::U8() {
  RETURN_IF_ERROR(Need(1));
  return static_cast<uint8_t>(in_[pos_++]);
}

Result<uint32_t> Decoder::U32() {
  RETURN_IF_ERROR(Need(4));
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 4;
  return v;
}

Result<uint64_t> Decoder::U64() {
  RETURN_IF_ERROR(Need(8));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return v;
}

Result<std::string> Decoder::Str() {
  ASSIGN_OR_RETURN(uint32_t n, U32());
  RETURN_IF_ERROR(Need(n));
  std::string s(in_.substr(pos_, n));
  pos_ += n;
  return s;
}

Status Decoder::Finish() const {
  if (pos_ != in_.size()) return Status::Corrupt("frame payload has " + std::to_string(in_.size() - pos_) + " extra bytes");
  return Status::OK();
}

}  // namespace fanout
