#include "ops/group_table.h"

#include <xxhash.h>

#include <algorithm>

namespace fanout::ops {

namespace {
// The index doubles when more than 3/4 of its slots are used: linear probing
// stays short at that load, and a slot is 8 bytes.
constexpr size_t kLoadNumerator = 3, kLoadDenominator = 4;
}  // namespace

GroupTable::GroupTable() : slots_(kInitialSlots, Slot{kEmpty, 0}), mask_(kInitialSlots - 1), offsets_{0} {}

uint64_t GroupTable::Hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

uint32_t GroupTable::FindOrInsert(std::string_view key, uint64_t hash) {
  if (slots_.empty()) Rebuild(kInitialSlots);
  uint32_t tag = Tag(hash);
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.id == kEmpty) {
      uint32_t id = static_cast<uint32_t>(size());
      s = {id, tag};
      arena_.append(key);
      offsets_.push_back(arena_.size());
      if (size() * kLoadDenominator > slots_.size() * kLoadNumerator) Rebuild(slots_.size() * 2);
      return id;
    }
    if (s.tag == tag && this->key(s.id) == key) return s.id;
  }
}

void GroupTable::Rebuild(size_t slots) {
  // Slots keep half the hash only, so the keys are hashed again: in id order,
  // which reads the arena front to back.
  while (size() * kLoadDenominator > slots * kLoadNumerator) slots *= 2;
  GroupVector<Slot>(slots, Slot{kEmpty, 0}).swap(slots_);
  mask_ = slots - 1;
  for (uint32_t id = 0; id < size(); ++id) {
    uint64_t hash = Hash(key(id));
    size_t i = hash & mask_;
    while (slots_[i].id != kEmpty) i = (i + 1) & mask_;
    slots_[i] = {id, Tag(hash)};
  }
}

void GroupTable::ReleaseIndex() {
  GroupVector<Slot>().swap(slots_);
  mask_ = 0;
}

size_t GroupTable::MemoryBytes() const {
  return slots_.capacity() * sizeof(Slot) + arena_.capacity() + offsets_.capacity() * sizeof(uint64_t);
}

void AppendKeyField(std::string* key, std::string_view field) {
  size_t n = field.size();
  while (n >= 0x80) {
    key->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  key->push_back(static_cast<char>(n));
  key->append(field);
}

bool NextKeyField(std::string_view* key, std::string_view* field) {
  if (key->empty()) return false;
  size_t i = 0, n = 0;
  int shift = 0;
  while (i < key->size()) {
    unsigned char b = static_cast<unsigned char>((*key)[i++]);
    if (shift < 64) n |= static_cast<size_t>(b & 0x7f) << shift;  // (garbage may run long)
    shift += 7;
    if ((b & 0x80) == 0) break;
  }
  *field = key->substr(i, n);  // (a length past the end is cut at the end)
  key->remove_prefix(std::min(key->size(), i + n));
  return true;
}

std::vector<std::string_view> DecodeKey(std::string_view key) {
  std::vector<std::string_view> fields;
  std::string_view f;
  while (NextKeyField(&key, &f)) fields.push_back(f);
  return fields;
}

}  // namespace fanout::ops
