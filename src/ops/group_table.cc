#include "ops/group_table.h"

#include <xxhash.h>

namespace fanout::ops {

GroupTable::GroupTable() : slots_(kInitialSlots, Slot{0, kEmpty}), mask_(kInitialSlots - 1), offsets_{0} {}

uint64_t GroupTable::Hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

uint32_t GroupTable::FindOrInsert(std::string_view key, uint64_t hash) {
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.id == kEmpty) {
      s = {hash, static_cast<uint32_t>(size())};
      arena_.append(key);
      offsets_.push_back(arena_.size());
      // Keep the load factor under 1/2.
      if (size() * 2 > slots_.size()) Grow();
      return static_cast<uint32_t>(size() - 1);
    }
    if (s.hash == hash && this->key(s.id) == key) return s.id;
  }
}

void GroupTable::Grow() {
  std::vector<Slot> old(slots_.size() * 2, Slot{0, kEmpty});
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.id == kEmpty) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].id != kEmpty) i = (i + 1) & mask_;
    slots_[i] = s;
  }
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

std::vector<std::string_view> DecodeKey(std::string_view key) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < key.size()) {
    size_t n = 0;
    int shift = 0;
    while (i < key.size()) {
      unsigned char b = static_cast<unsigned char>(key[i++]);
      n |= static_cast<size_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    fields.push_back(key.substr(i, n));
    i += n;
  }
  return fields;
}

}  // namespace fanout::ops
