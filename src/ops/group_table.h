// GroupTable: maps encoded group keys to dense ids 0, 1, 2, ... (open addressing).
// Keys live in one arena; looking up an existing key allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::ops {

class GroupTable {
 public:
  GroupTable();

  static uint64_t Hash(std::string_view key);

  // Returns the id of `key` (whose Hash is `hash`), inserting it with the next id if new.
  uint32_t FindOrInsert(std::string_view key, uint64_t hash);
  uint32_t FindOrInsert(std::string_view key) { return FindOrInsert(key, Hash(key)); }

  size_t size() const { return offsets_.size() - 1; }
  std::string_view key(uint32_t id) const {
    return std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kInitialSlots = 64;
  struct Slot {
    uint64_t hash;
    uint32_t id;
  };
  void Grow();

  std::vector<Slot> slots_;
  size_t mask_;
  std::string arena_;
  std::vector<uint64_t> offsets_;  // key i is arena_[offsets_[i], offsets_[i+1])
};

// Group keys are encoded as, per key column, a varint length and the bytes.
void AppendKeyField(std::string* key, std::string_view field);
// Splits an encoded key back into its fields.
std::vector<std::string_view> DecodeKey(std::string_view key);

}  // namespace fanout::ops
