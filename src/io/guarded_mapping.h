// A read-only file mapping that survives the file shrinking under it.
//
// Touching a mapped page that lies past a file's end raises SIGBUS, which would
// end the process. Every GuardedMapping is registered in a process-wide table
// that a SIGBUS handler consults: a fault inside a registered mapping replaces
// the rest of that mapping with zero pages (so the faulting access completes and
// reads zeros) and marks the mapping as faulted, for its owner to report when it
// checks (faulted()). The reader itself needs no change: it simply reads zeros
// from there on, and whoever checks the mapping turns the read into an error.
// A SIGBUS anywhere else goes to the handler that was there before (by default
// it still ends the process).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fanout::io {

class GuardedMapping {
 public:
  // Maps `length` bytes of `fd` from `offset` (a multiple of the page size),
  // read-only and private. Returns nullptr with errno set when mmap fails, or
  // with errno = EMFILE when every slot of the table is taken (the caller then
  // reads the file without mapping it).
  static std::unique_ptr<GuardedMapping> Map(int fd, uint64_t offset, size_t length);
  ~GuardedMapping();  // unregisters, then unmaps
  GuardedMapping(const GuardedMapping&) = delete;
  GuardedMapping& operator=(const GuardedMapping&) = delete;

  char* data() const { return data_; }
  size_t size() const { return size_; }
  // True once an access to the mapping faulted (the file shrank while mapped):
  // bytes read from the faulting page on are zeros, not the file's. Safe to call
  // from any thread.
  bool faulted() const;

 private:
  GuardedMapping(char* data, size_t size, int slot) : data_(data), size_(size), slot_(slot) {}
  char* data_;
  size_t size_;
  int slot_;  // index in the handler's table
};

}  // namespace fanout::io
