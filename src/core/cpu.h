// How many cores this machine has: asked of the system in one place.
#pragma once

#include <thread>

namespace fanout {

// The hardware threads this machine runs at once
// (std::thread::hardware_concurrency), at least 1 when the system does not say.
inline int CoreCount() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace fanout
