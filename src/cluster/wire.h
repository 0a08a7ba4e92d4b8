// The worker protocol's framing (docs/protocol.md): every message is one frame,
//
//   u32 length (little endian, bytes after this field) | u8 type | payload
//
// and payloads are built from little-endian integers and length-prefixed byte
// strings. Keys and URLs travel inside frames, never through a command line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace fanout::cluster {

// 2: stage jobs and staged pieces; 3: fail kinds, run results with lines, range
// starts and ends as the three quote states and the line end (csv/chain.h)
constexpr uint32_t kProtocolVersion = 3;
constexpr uint32_t kMaxFrameBytes = 1u << 30;  // a partial result with millions of groups fits

enum class FrameType : uint8_t {
  kHello = 1,      // worker -> coordinator, first frame: version, cores, host, fanout version
  kJob = 2,        // coordinator -> worker: what every task of this job computes
  kTask = 3,       // coordinator -> worker: one task (an object or a byte range of one)
  kProgress = 4,   // worker -> coordinator: bytes and rows done since the last progress frame
  kDone = 5,       // worker -> coordinator: a task's serialized partial result
  kFail = 6,       // worker -> coordinator: a task failed, retryable or not
  kHeartbeat = 7,  // both ways, every second: "still here"
  kBye = 8,        // coordinator -> worker: finish now and exit; worker -> coordinator: exiting
  kCancel = 9,     // coordinator -> worker: stop a task (another attempt already finished it)
  kNeed = 10,      // worker -> coordinator: the shipped files (by sha256) it does not have yet
  kFile = 11,      // coordinator -> worker: one shipped file's bytes
};

const char* FrameTypeName(FrameType type);

// Builds a payload.
class Encoder {
 public:
  Encoder& U8(uint8_t v);
  Encoder& U32(uint32_t v);
  Encoder& U64(uint64_t v);
  Encoder& Str(std::string_view s);  // u32 length + bytes
  const std::string& bytes() const { return out_; }
  // The whole frame: length, type, payload.
  std::string Frame(FrameType type) const;

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
  Status Finish() const;

 private:
  Status Need(size_t n) const;
  std::string_view in_;
  size_t pos_ = 0;
};

// Incremental frame parser for a byte stream: feed bytes as they arrive, take
// whole frames out. A frame longer than kMaxFrameBytes, or an unknown type, is
// Corrupt (the peer is not speaking this protocol).
class FrameReader {
 public:
  void Feed(const char* data, size_t n) { buf_.append(data, n); }
  // The next whole frame, if one has arrived: *ready says whether it did.
  Status Next(bool* ready, FrameType* type, std::string* payload);
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
};

}  // namespace fanout::cluster
