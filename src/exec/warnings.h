// Warnings: what a job noticed that leaves its answer exact but that its user
// must hear of, even with --quiet (a row skipped because its object ends inside
// a quoted field). Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "csv/chain.h"

namespace fanout::exec {

class Warnings {
 public:
  static constexpr size_t kMaxKept = 20;  // more are counted, not kept

  void Add(std::string warning) {
    std::lock_guard<std::mutex> lock(mu_);
    if (kept_.size() < kMaxKept) {
      kept_.push_back(std::move(warning));
    } else {
      ++dropped_;
    }
  }

  // What was added, in order, and a last line counting the ones not kept.
  std::vector<std::string> Lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out = kept_;
    if (dropped_ > 0) out.push_back("... and " + std::to_string(dropped_) + " more like these");
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> kept_;  // guarded by mu_
  size_t dropped_ = 0;             // guarded by mu_
};

// The warning for an object one of whose settled ranges skipped the object's
// last row for ending inside a quoted field (RangeEnd::unterminated), or "".
inline std::string UnterminatedWarning(const std::string& object, const std::vector<csv::RangeEnd>& ranges) {
  for (const csv::RangeEnd& r : ranges) {
    if (r.unterminated == 0) continue;
    return object + " ends inside a quoted field: its last row (at byte " + std::to_string(r.unterminated - 1) +
           ") is skipped; --strict makes this an error";
  }
  return "";
}

}  // namespace fanout::exec
