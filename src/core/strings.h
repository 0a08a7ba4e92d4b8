// Small string helpers.
#pragma once

#include <string>
#include <string_view>

namespace fanout {

// The items (strings) joined with `sep`: {"h1", "h2"}, ", " -> "h1, h2".
template <typename Container>
std::string Join(const Container& items, std::string_view sep) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += sep;
    out += item;
    first = false;
  }
  return out;
}

}  // namespace fanout
