#include "cli/result_order.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/number.h"

namespace fanout::cli {

namespace {

// Key fields order numbers first (by value, then bytes), then other text (by bytes).
bool FieldLess(std::string_view a, std::string_view b) {
  double x, y;
  bool na = ParseDouble(a, &x), nb = ParseDouble(b, &y);
  if (na != nb) return na;
  if (na && x != y) return x < y;
  return a < b;  // char_traits<char> compares bytes as unsigned
}

// A group's place in the order, as far as its count and a 64-bit prefix of its
// first key field tell: the prefix never orders two keys the other way round
// from KeyLess, and keys with equal prefixes are compared in full.
struct Entry {
  uint64_t count;
  uint64_t prefix;
  uint32_t group;
};

constexpr uint64_t kTextBit = uint64_t{1} << 63;  // text after every number

// Order-preserving: numbers map to [0, 2^63) by value (-0 as 0), text to
// [2^63, 2^64) by its first 63 bits, big-endian.
uint64_t Prefix(std::string_view field) {
  double v;
  if (ParseDouble(field, &v)) {
    if (v == 0) v = 0;  // -0 and 0 are equal values
    uint64_t bits = std::bit_cast<uint64_t>(v);
    uint64_t ordered = bits & kTextBit ? ~bits : bits | kTextBit;  // monotone in v over all of uint64
    return ordered >> 1;
  }
  unsigned char bytes[8] = {};
  std::memcpy(bytes, field.data(), std::min<size_t>(field.size(), sizeof bytes));
  uint64_t be = 0;
  for (unsigned char b : bytes) be = be << 8 | b;
  return kTextBit | be >> 1;
}

Entry MakeEntry(const ops::Partial& p, uint32_t g) {
  std::string_view key = p.key(g), first;
  ops::NextKeyField(&key, &first);
  return Entry{p.count(g), Prefix(first), g};
}

}  // namespace

bool KeyLess(std::string_view a, std::string_view b) {
  std::string_view fa, fb;
  for (;;) {
    bool more_a = ops::NextKeyField(&a, &fa), more_b = ops::NextKeyField(&b, &fb);
    if (!more_a || !more_b) return more_b && !more_a;  // fewer fields first
    if (FieldLess(fa, fb)) return true;
    if (FieldLess(fb, fa)) return false;
  }
}

std::vector<uint32_t> OrderGroups(const ops::Partial& partial, int64_t top) {
  auto less = [&partial](const Entry& a, const Entry& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return KeyLess(partial.key(a.group), partial.key(b.group));
  };
  size_t n = partial.num_groups();
  size_t keep = top >= 0 && static_cast<uint64_t>(top) < n ? static_cast<size_t>(top) : n;
  std::vector<Entry> entries;
  if (keep < n) {
    // A max-heap of the best `keep` so far: its front is the worst of them.
    entries.reserve(keep);
    for (uint32_t g = 0; g < n && keep > 0; ++g) {
      Entry e = MakeEntry(partial, g);
      if (entries.size() < keep) {
        entries.push_back(e);
        std::push_heap(entries.begin(), entries.end(), less);
      } else if (less(e, entries.front())) {
        std::pop_heap(entries.begin(), entries.end(), less);
        entries.back() = e;
        std::push_heap(entries.begin(), entries.end(), less);
      }
    }
    std::sort_heap(entries.begin(), entries.end(), less);
  } else {
    entries.reserve(n);
    for (uint32_t g = 0; g < n; ++g) entries.push_back(MakeEntry(partial, g));
    std::sort(entries.begin(), entries.end(), less);
  }
  std::vector<uint32_t> order;
  order.reserve(entries.size());
  for (const Entry& e : entries) order.push_back(e.group);
  return order;
}

}  // namespace fanout::cli
