// Private temporary directories that never outlive their job: removed with all
// they hold when their owner ends normally, and recognised as stale and removed
// by a later job when their owner died (killed, or the machine went down).
//
// A directory is named PREFIX.<pid>.XXXXXX and holds a lock file that its owner
// keeps locked (flock) while it lives. A directory is stale when the pid in its
// name is not a live process here *and* its lock is free: a live owner in
// another pid namespace still holds the lock, and one whose pid was reused by
// an unrelated process is left for a later job.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace fanout {

// $TMPDIR when set and not empty, else /tmp.
std::string TempDirectory();

class OwnedTempDir {
 public:
  // Makes PARENT/PREFIX.<pid>.XXXXXX (mode 0700) and locks it. `prefix` must
  // not contain '/'.
  static Result<std::unique_ptr<OwnedTempDir>> Make(const std::string& parent, const std::string& prefix);
  ~OwnedTempDir();  // removes the directory and everything below it
  OwnedTempDir(const OwnedTempDir&) = delete;
  OwnedTempDir& operator=(const OwnedTempDir&) = delete;

  const std::string& path() const { return path_; }
  // Removes it now (the destructor then does nothing). Safe to call twice.
  void Remove();

 private:
  OwnedTempDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_;
};

// Removes every stale PARENT/PREFIX.<pid>.* directory owned by this user (see
// above); returns how many it removed. Never fails: what it cannot remove stays.
int RemoveStaleDirs(const std::string& parent, const std::string& prefix);

}  // namespace fanout
