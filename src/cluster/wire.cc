#include "cluster/wire.h"

namespace fanout::cluster {

const char* FrameTypeName(FrameType type) {
  switch (type) {
    case FrameType::kHello: return "hello";
    case FrameType::kJob: return "job";
    case FrameType::kTask: return "task";
    case FrameType::kProgress: return "progress";
    case FrameType::kDone: return "done";
    case FrameType::kFail: return "fail";
    case FrameType::kHeartbeat: return "heartbeat";
    case FrameType::kBye: return "bye";
    case FrameType::kCancel: return "cancel";
    case FrameType::kNeed: return "need";
    case FrameType::kFile: return "file";
  }
  return "unknown";
}

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

std::string Encoder::Frame(FrameType type) const {
  Encoder e;
  e.U32(static_cast<uint32_t>(out_.size() + 1)).U8(static_cast<uint8_t>(type));
  std::string f = e.out_;
  f += out_;
  return f;
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

Status FrameReader::Next(bool* ready, FrameType* type, std::string* payload) {
  *ready = false;
  if (buffered() < 4) return Status::OK();
  uint32_t len = 0;
  for (int i = 0; i < 4; ++i) len |= static_cast<uint32_t>(static_cast<uint8_t>(buf_[pos_ + i])) << (8 * i);
  if (len == 0 || len > kMaxFrameBytes) {
    return Status::Corrupt("bad frame length " + std::to_string(len) + " (not a fanout worker stream?)");
  }
  uint8_t t = static_cast<uint8_t>(buf_[pos_ + 4]);
  if (t < static_cast<uint8_t>(FrameType::kHello) || t > static_cast<uint8_t>(FrameType::kFile)) {
    return Status::Corrupt("unknown frame type " + std::to_string(t) + " (not a fanout worker stream?)");
  }
  if (buffered() < 4 + static_cast<size_t>(len)) return Status::OK();
  *type = static_cast<FrameType>(t);
  payload->assign(buf_, pos_ + 5, len - 1);
  pos_ += 4 + len;
  if (pos_ > (1u << 20) && pos_ * 2 > buf_.size()) {  // drop consumed bytes now and then
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  *ready = true;
  return Status::OK();
}

}  // namespace fanout::cluster
