// FaultStore: a Store that passes every call to another and injects faults by
// rule, for tests (leveldb's FaultInjectionTestEnv): calls that fail, streams
// that end early, reads that stall, and objects that changed. Rules match a
// substring of the URL, so a test can break one object, or one range of it (a
// byte offset), and leave the rest alone.
//
//   io::FaultStore store(io::LocalFiles(), {io::FaultRule::ShortRead("b.csv", 100),
//                                           io::FaultRule::Error("c.csv", io::FaultOp::kOpen).Times(1)});
//   scan.store = &store;  // b.csv's reads end at byte 100; c.csv's first open fails
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/store.h"

namespace fanout::io {

enum class FaultOp { kList, kStat, kOpen, kRead, kPut };

class FaultStream;

struct FaultRule {
  enum class Kind {
    // The call `op` fails with `code` and "URL: message" (List: the pattern).
    // On kRead, the read that reaches object byte `at` fails, after every byte
    // before it was delivered.
    kError,
    // A stream ends (Read returns 0, no error) at object byte `at`: a store that
    // delivers fewer bytes than it should, which OpenRaw/OpenMapped turn into an
    // error.
    kShortRead,
    // The read that reaches object byte `at` first waits `stall` (or until
    // ReleaseStalls), then goes on as it would have: a server that stops
    // sending for a while.
    kStall,
    // List and Stat report the object one byte larger, with another ETag and
    // modification time, as if it had been rewritten since it was read: a
    // reader that opens it as listed meets a store that says it changed.
    kChangedStat,
    // From object byte `at` on, every digit read is one higher (9 reads 0), so
    // rows keep their shape and their values change, the hardest change to see;
    // and the stream's CheckUnchanged says the object changed while it was
    // being read (as a local file rewritten under its mapping does).
    kChangedBytes,
  };

  Kind kind = Kind::kError;
  std::string match;             // a substring of the URL; empty matches every URL
  FaultOp op = FaultOp::kRead;   // kError: which call fails
  uint64_t at = 0;               // read faults: the object byte where it happens
  std::chrono::milliseconds stall{0};
  StatusCode code = StatusCode::kIoError;
  std::string message = "injected fault";
  int times = -1;                // how many times it fires (a stream counts once); -1: every time

  static FaultRule Error(std::string match, FaultOp op, std::string message = "injected fault",
                         StatusCode code = StatusCode::kIoError);
  static FaultRule ErrorAt(std::string match, uint64_t at, std::string message = "injected fault",
                           StatusCode code = StatusCode::kIoError);  // a read error at byte `at`
  static FaultRule ShortRead(std::string match, uint64_t at);
  static FaultRule Stall(std::string match, std::chrono::milliseconds stall, uint64_t at = 0);
  static FaultRule ChangedStat(std::string match);
  static FaultRule ChangedBytes(std::string match, uint64_t at = 0);
  FaultRule& Times(int n) {
    times = n;
    return *this;
  }
};

class FaultStore final : public Store {
 public:
  // Passes calls to `inner`, which must outlive this store.
  FaultStore(Store* inner, std::vector<FaultRule> rules);
  ~FaultStore() override;  // ends every stall (the streams must be gone)

  Result<std::vector<ObjectInfo>> List(const std::string& pattern) override;
  Result<ObjectInfo> Stat(const std::string& url) override;
  // A stream that no read rule matches is the inner store's own (mapped, if it
  // was); any other reads through Read only.
  Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                           Access access) override;
  Status Put(const std::string& url, std::string_view content) override;

  // Ends every stall now and lets none start from here on (a cancellation).
  void ReleaseStalls();
  // How many times rule `rule` (its index) has fired so far.
  int Fired(size_t rule) const;

 private:
  friend class FaultStream;

  // Takes one firing of rule `rule`; false once its `times` are used up.
  bool Claim(size_t rule);
  // Waits `ms`, or less once ReleaseStalls is called.
  void WaitStall(std::chrono::milliseconds ms);
  // The indexes of the rules of `kind` (and `op`, for kError) whose match is in `url`.
  std::vector<size_t> Matching(std::string_view url, FaultRule::Kind kind, FaultOp op) const;
  // The first error rule for `op` on `url` that fires, as a Status; OK if none.
  Status ErrorFor(FaultOp op, const std::string& url);
  // `o` as kChangedStat rules make it look (each matching rule that fires).
  ObjectInfo AsChanged(ObjectInfo o);

  Store* const inner_;
  const std::vector<FaultRule> rules_;

  mutable std::mutex mu_;
  std::condition_variable released_cv_;
  std::vector<int> fired_;  // guarded by mu_: per rule
  bool released_ = false;   // guarded by mu_
};

}  // namespace fanout::io
