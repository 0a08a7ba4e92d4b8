// SmallKeyMap: a cache from short single-column keys, packed into one integer,
// to group ids — the hot path of group-by on low-cardinality columns (passenger
// counts, vendor ids): no hashing of strings, no key encoding, no memcmp. It
// holds at most kMaxEntries keys: past that the column is not low-cardinality,
// the group table does the work, and a bigger cache would only cost memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace fanout::ops {

class SmallKeyMap {
 public:
  static constexpr size_t kMaxKeyBytes = 7;  // the eighth byte holds the length
  static constexpr uint32_t kMissing = UINT32_MAX;
  static constexpr size_t kMaxEntries = 1 << 16;

  SmallKeyMap() : slots_(kInitialSlots, Slot{0, kMissing}), mask_(kInitialSlots - 1) {}

  // Packs a key of at most kMaxKeyBytes bytes; distinct keys give distinct values.
  static uint64_t Pack(std::string_view key) {
    uint64_t v = 0;
    for (size_t i = 0; i < key.size(); ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(key[i])) << (8 * i);
    return v | (static_cast<uint64_t>(key.size()) << 56);
  }

  // The group id cached for `packed`, or kMissing.
  uint32_t Find(uint64_t packed) const {
    for (size_t i = Slot::Hash(packed) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kMissing || s.packed == packed) return s.id;
    }
  }

  // Caches `packed` -> `id` (not cached yet), unless the cache is full.
  void Insert(uint64_t packed, uint32_t id) {
    if (size_ >= kMaxEntries) return;
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    Place(packed, id);
    ++size_;
  }

 private:
  static constexpr size_t kInitialSlots = 64;
  struct Slot {
    uint64_t packed;
    uint32_t id;
    static uint64_t Hash(uint64_t v) { return (v * 0x9E3779B97F4A7C15ull) >> 32; }
  };

  void Place(uint64_t packed, uint32_t id) {
    size_t i = Slot::Hash(packed) & mask_;
    while (slots_[i].id != kMissing) i = (i + 1) & mask_;
    slots_[i] = {packed, id};
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{0, kMissing});
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id != kMissing) Place(s.packed, s.id);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_;
  size_t size_ = 0;
};

}  // namespace fanout::ops
