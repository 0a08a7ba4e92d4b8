// ObjectOutputs: one output file per input object, made of its ranges'
// outputs in range order, that appears complete or not at all — in an --out
// directory (select, run --out DIR), in a spool directory (run --merge), or
// uploaded to s3://bucket/prefix/ once complete (run --out s3://).
//
// Temporary names start with a dot and the output's name and hold the writing
// process's id: ".NAME.partK.tmpPID.N" (range K of the object, attempt N) and
// ".NAME.tmpPID" (the parts put together). Prepare removes those of a process
// that is gone; the destructor removes this process's that are left.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "core/status.h"
#include "exec/plan.h"

namespace fanout::exec {

// Told of every temporary file before it is created and after it is renamed
// or removed (so a signal handler can remove what is left).
class TempRegistry {
 public:
  virtual ~TempRegistry() = default;
  virtual void Add(const std::string& path) = 0;
  virtual void Forget(const std::string& path) = 0;
};

// The name an object's output gets: its base name, less a compression suffix;
// a Parquet object's (whose output is text) with .csv in place of .parquet.
std::string OutputName(const ObjectPlan& object);

class ObjectOutputs {
 public:
  struct Options {
    std::string dir;        // where the outputs go (created if missing)
    bool spool = false;     // outputs are named by object number, for a merge to read (dir exists)
    std::string s3_prefix;  // non-empty: each complete output is uploaded as PREFIX<name>, then removed
    bool overwrite = true;  // false: an output that exists already is an error
  };
  ObjectOutputs(const Plan& plan, Options options, TempRegistry* temps = nullptr);
  ~ObjectOutputs();
  ObjectOutputs(const ObjectOutputs&) = delete;
  ObjectOutputs& operator=(const ObjectOutputs&) = delete;

  // Makes the directory, refuses two objects with one output name (and, unless
  // overwrite, outputs that exist), and removes stale temporaries of ours.
  [[nodiscard]] Status Prepare();

  // A fresh temporary path for one attempt at range `t` of its object.
  std::string PartPath(const Task& t);
  // Range `t`'s output, in the file `part` (taken over); ranges of an object
  // come in order, and the last completes the output (synced and renamed).
  [[nodiscard]] Status Commit(const Task& t, const std::string& part);
  // The same for output held in memory.
  [[nodiscard]] Status CommitData(const Task& t, std::string_view data);

  // Where object `o`'s complete output is (spool: the merge reads it there).
  std::string FinalPath(uint32_t o) const;

 private:
  std::string TempPrefix(const Task& t) const;
  void RemoveStale();
  void Track(const std::string& path);
  void Untrack(const std::string& path);

  const Plan& plan_;
  Options options_;
  TempRegistry* temps_;
  std::atomic<uint64_t> counter_{0};
  std::mutex mu_;
  std::set<std::string> own_;  // temporaries not yet renamed or removed; guarded by mu_
};

}  // namespace fanout::exec
