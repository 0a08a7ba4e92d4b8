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
    case FrameType::kNotice: return "notice";
  }
  return "unknown";
}

std::string Frame(FrameType type, const Encoder& payload) {
  Encoder e;
  e.U32(static_cast<uint32_t>(payload.bytes().size() + 1)).U8(static_cast<uint8_t>(type));
  std::string f = e.bytes();
  f += payload.bytes();
  return f;
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
  if (t < static_cast<uint8_t>(FrameType::kHello) || t > static_cast<uint8_t>(FrameType::kNotice)) {
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
