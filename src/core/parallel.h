// ParallelFor: fn(0) .. fn(n - 1) at once, each on a thread of its own (fn(0)
// on the caller's); returns when all are done. For a few coarse slices of
// work, such as sorting or formatting a big result: n is a thread count.
#pragma once

#include <cstddef>
#include <thread>
#include <vector>

namespace fanout {

template <typename Fn>
void ParallelFor(size_t n, const Fn& fn) {
  std::vector<std::thread> threads;
  threads.reserve(n > 0 ? n - 1 : 0);
  for (size_t i = 1; i < n; ++i) threads.emplace_back([&fn, i] { fn(i); });
  if (n > 0) fn(0);
  for (std::thread& t : threads) t.join();
}

}  // namespace fanout
