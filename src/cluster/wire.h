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

#include "core/codec.h"
#include "core/status.h"

namespace fanout::cluster {

// 2: stage jobs and staged pieces; 3: fail kinds, run results with lines, range
// starts and ends as the three quote states and the line end (csv/chain.h); 4:
// a job frame is a registered job kind by name, the common fields, then the
// kind's own (exec/job_registry.h); 5: the notice frame and the job's
// watch_interruptions
constexpr uint32_t kProtocolVersion = 6;
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
  kNotice = 12,    // worker -> coordinator: its machine is about to be taken away (spot interruption)
};

const char* FrameTypeName(FrameType type);

using fanout::Decoder;
using fanout::Encoder;

// The whole frame: length, type, payload.
std::string Frame(FrameType type, const Encoder& payload);

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
