// GroupTable: maps encoded group keys to dense ids 0, 1, 2, ... (open addressing).
// Keys live in one arena; looking up an existing key allocates nothing. Each key
// costs its bytes, an 8-byte offset and 8 to 16 bytes of index (one 8-byte slot
// per key at a load between 3/8 and 3/4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/huge_pages.h"

namespace fanout::ops {

// Containers for per-group arrays: big ones are read at random, so they take
// huge pages where the system gives them (core/huge_pages.h).
template <typename T>
using GroupVector = std::vector<T, HugePageAllocator<T>>;
using GroupBytes = std::basic_string<char, std::char_traits<char>, HugePageAllocator<char>>;

class GroupTable {
 public:
  GroupTable();

  static uint64_t Hash(std::string_view key);

  // Returns the id of `key` (whose Hash is `hash`), inserting it with the next id if new.
  uint32_t FindOrInsert(std::string_view key, uint64_t hash);
  uint32_t FindOrInsert(std::string_view key) { return FindOrInsert(key, Hash(key)); }

  size_t size() const { return offsets_.size() - 1; }
  std::string_view key(uint32_t id) const {
    return std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  // Hints that key(id) will be read soon, for readers that visit keys out of
  // id order: its offset first, then (a little later) its bytes.
  void PrefetchOffset(uint32_t id) const { __builtin_prefetch(offsets_.data() + id); }
  void PrefetchKey(uint32_t id) const { __builtin_prefetch(arena_.data() + offsets_[id]); }

  // Frees the lookup index (the keys stay readable); the next FindOrInsert
  // builds it again. For a table that is done growing and is only read.
  void ReleaseIndex();

  // The bytes the table holds on the heap (capacities, not sizes).
  size_t MemoryBytes() const;

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kInitialSlots = 64;
  struct Slot {
    uint32_t id;   // kEmpty for a free slot
    uint32_t tag;  // the hash's upper half: most mismatches never touch the arena
  };
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }
  void Rebuild(size_t slots);  // a fresh index of `slots` slots over every key

  GroupVector<Slot> slots_;
  size_t mask_;
  GroupBytes arena_;
  GroupVector<uint64_t> offsets_;  // key i is arena_[offsets_[i], offsets_[i+1])
};

// Group keys are encoded as, per key column, a varint length and the bytes.
void AppendKeyField(std::string* key, std::string_view field);
// Takes the first field off an encoded key: stores it in *field, advances *key
// past it and returns true; returns false when *key is empty. Allocates nothing.
bool NextKeyField(std::string_view* key, std::string_view* field);
// Splits an encoded key back into its fields.
std::vector<std::string_view> DecodeKey(std::string_view key);

}  // namespace fanout::ops
