// One response body read in order as it arrives: for a server that ignores
// Range requests, where an object can only be read as one whole GET.
//
// The GET runs on a thread of the pipe's own (not on the shared FetchPool, whose
// threads may all be busy with parts that wait for readers) and hands its bytes
// over through a queue of at most `max_buffered` bytes: the transfer waits for
// the reader, never the other way round beyond that bound.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "io/http.h"

namespace fanout::io {

class BodyPipe {
 public:
  // Receives the body's bytes in order; returns false when the reader is gone
  // (the fetch should then stop at once).
  using Sink = std::function<bool(const char*, size_t)>;
  // Sends the request(s) for the body on the pipe's thread with its own client,
  // passing every byte to `sink` exactly once, and returns OK once all of it was
  // passed, or the error that ended it. Must return promptly once *cancel is set.
  using Fetch = std::function<Status(HttpClient* client, const Sink& sink, const std::atomic<bool>* cancel)>;

  BodyPipe(Fetch fetch, size_t max_buffered);
  ~BodyPipe();  // stops the transfer and waits for the thread
  BodyPipe(const BodyPipe&) = delete;
  BodyPipe& operator=(const BodyPipe&) = delete;

  // The next bytes, in order; an empty view at the end. The view stays valid
  // until the next call. The fetch's error is returned once every byte before it
  // was, and again on every later call.
  Result<std::string_view> Next();

 private:
  bool Push(const char* data, size_t n);
  void Run(const Fetch& fetch);

  const size_t max_buffered_;
  std::atomic<bool> cancel_{false};
  std::string current_;  // the bytes last returned by Next; only the reader touches it

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;  // guarded by mu_
  size_t buffered_ = 0;             // guarded by mu_: bytes in chunks_
  bool done_ = false;               // guarded by mu_: the fetch returned
  Status status_;                   // guarded by mu_: what it returned

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace fanout::io
