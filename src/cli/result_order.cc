#include "cli/result_order.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/number.h"
#include "csv/header.h"
#include "core/parallel.h"

namespace fanout::cli {

namespace {

// Below this many groups one thread sorts faster than starting others.
constexpr size_t kMinParallelGroups = size_t{1} << 16;

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
// from KeyLess, and keys with equal prefixes are compared in full. 16 bytes:
// the count is held up to 2^32 - 1 (kCountCap); groups counted more (rare)
// compare their counts from the partial.
struct Entry {
  uint64_t prefix;
  uint32_t group;
  uint32_t count;  // min(count, kCountCap)
};
constexpr uint32_t kCountCap = UINT32_MAX;

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
  // (An empty field's data may be null: no key at all, without --by.)
  if (!field.empty()) std::memcpy(bytes, field.data(), std::min<size_t>(field.size(), sizeof bytes));
  uint64_t be = 0;
  for (unsigned char b : bytes) be = be << 8 | b;
  return kTextBit | be >> 1;
}

Entry MakeEntry(const ops::Partial& p, uint32_t g) {
  std::string_view key = p.key(g), first;
  ops::NextKeyField(&key, &first);
  return Entry{Prefix(first), g, static_cast<uint32_t>(std::min<uint64_t>(p.count(g), kCountCap))};
}

// Result order on entries.
struct EntryLess {
  const ops::Partial* partial;
  bool operator()(const Entry& a, const Entry& b) const {
    if (a.count != b.count) return a.count > b.count;
    if (a.count == kCountCap && partial->count(a.group) != partial->count(b.group)) {
      return partial->count(a.group) > partial->count(b.group);
    }
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return KeyLess(partial->key(a.group), partial->key(b.group));
  }
};

// The best `keep` (fewer than all) entries in order: a max-heap of the best so
// far, whose front is the worst of them.
ops::GroupVector<Entry> TopEntries(const ops::Partial& partial, size_t keep, EntryLess less) {
  ops::GroupVector<Entry> heap;
  heap.reserve(keep);
  for (uint32_t g = 0; g < partial.num_groups() && keep > 0; ++g) {
    Entry e = MakeEntry(partial, g);
    if (heap.size() < keep) {
      heap.push_back(e);
      std::push_heap(heap.begin(), heap.end(), less);
    } else if (less(e, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), less);
      heap.back() = e;
      std::push_heap(heap.begin(), heap.end(), less);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), less);
  return heap;
}

// Every entry in order: `threads` slices made and sorted at once, then merged
// pairwise (in parallel too) until one is left.
ops::GroupVector<Entry> AllEntries(const ops::Partial& partial, int threads, EntryLess less) {
  size_t n = partial.num_groups();
  size_t slices = n < kMinParallelGroups ? 1 : static_cast<size_t>(std::max(1, threads));
  ops::GroupVector<Entry> entries(n);
  std::vector<size_t> bounds;
  for (size_t s = 0; s <= slices; ++s) bounds.push_back(n * s / slices);
  auto at = [&](size_t s) { return entries.begin() + static_cast<ptrdiff_t>(bounds[s]); };
  ParallelFor(slices, [&](size_t s) {
    for (size_t g = bounds[s]; g < bounds[s + 1]; ++g) entries[g] = MakeEntry(partial, static_cast<uint32_t>(g));
    std::sort(at(s), at(s + 1), less);
  });
  for (size_t width = 1; width < slices; width *= 2) {
    size_t pairs = (slices + 2 * width - 1) / (2 * width);
    ParallelFor(pairs, [&](size_t p) {
      size_t lo = 2 * width * p, mid = std::min(lo + width, slices), hi = std::min(lo + 2 * width, slices);
      std::inplace_merge(at(lo), at(mid), at(hi), less);
    });
  }
  return entries;
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

std::vector<uint32_t> OrderGroups(const ops::Partial& partial, int64_t top, int threads) {
  EntryLess less{&partial};
  size_t n = partial.num_groups();
  size_t keep = top >= 0 && static_cast<uint64_t>(top) < n ? static_cast<size_t>(top) : n;
  ops::GroupVector<Entry> entries = keep < n ? TopEntries(partial, keep, less) : AllEntries(partial, threads, less);
  std::vector<uint32_t> order;
  order.reserve(entries.size());
  for (const Entry& e : entries) order.push_back(e.group);
  return order;
}

Result<std::vector<SortKey>> ParseSort(const std::string& text, const ops::Query& query) {
  std::vector<SortKey> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(at, comma - at);
    at = comma + 1;
    SortKey k;
    size_t colon = item.rfind(':');
    if (colon != std::string::npos) {
      std::string dir = item.substr(colon + 1);
      if (dir != "asc" && dir != "desc") {
        return Status::InvalidArgument("--sort: '" + item + "': the direction is :asc or :desc, not :" + dir);
      }
      k.desc = dir == "desc";
      item.resize(colon);
    }
    std::string name = csv::NormalizeColumnName(item);
    bool found = false;
    if (name == "count") {
      k.kind = SortKey::Kind::kCount;
      found = true;
    }
    // A key as --by wrote it: the same function (and arguments) of the same column.
    Result<std::vector<ops::KeyExpr>> typed = ops::ParseKeyList(item);
    for (size_t j = 0; j < query.keys.size() && !found && typed.ok() && typed->size() == 1; ++j) {
      const ops::KeyExpr& t = (*typed)[0];
      ops::KeyFn fn = j < query.key_fns.size() ? query.key_fns[j] : ops::KeyFn{};
      const csv::ColumnSpec& c = query.keys[j];
      bool same_fn = t.fn.kind == fn.kind && t.fn.start == fn.start && t.fn.length == fn.length &&
                     t.fn.digits == fn.digits && t.fn.width == fn.width;
      bool same_column = (c.index >= 0 && c.index == t.column.index) || (!c.names.empty() && c.names == t.column.names);
      if (same_fn && same_column && !fn.none()) {
        k.kind = SortKey::Kind::kKey;
        k.index = j;
        found = true;
      }
    }
    for (size_t j = 0; j < query.keys.size() && !found; ++j) {
      const csv::ColumnSpec& c = query.keys[j];
      bool named = csv::NormalizeColumnName(c.label) == name ||
                   std::find(c.names.begin(), c.names.end(), name) != c.names.end() ||
                   (c.index >= 0 && name == std::to_string(c.index + 1));
      if (named) {
        k.kind = SortKey::Kind::kKey;
        k.index = j;
        found = true;
      }
    }
    for (size_t j = 0; j < query.aggs.size() && !found; ++j) {
      if (query.aggs[j].kind != ops::AggKind::kSquares && csv::NormalizeColumnName(query.aggs[j].Label()) == name) {
        k.kind = SortKey::Kind::kAgg;
        k.index = j;
        found = true;
      }
    }
    if (!found) {
      std::string known = "count";
      for (const csv::ColumnSpec& c : query.keys) known += ", " + c.label;
      for (const ops::AggSpec& a : query.aggs) {
        if (a.kind != ops::AggKind::kSquares) known += ", " + a.Label();
      }
      return Status::InvalidArgument("--sort: '" + item + "' is not a column of the result (" + known + ")");
    }
    out.push_back(k);
  }
  return out;
}

namespace {

// A key field of group g (the `index`th).
std::string_view KeyField(const ops::Partial& p, uint32_t g, size_t index) {
  std::string_view key = p.key(g), f;
  for (size_t i = 0; i <= index; ++i) {
    if (!ops::NextKeyField(&key, &f)) return {};
  }
  return f;
}

// <0, 0, >0 as aggregate `a` of g orders before, with or after h's (both
// have values).
int CompareAgg(const ops::Partial& p, const ops::Query& q, size_t a, uint32_t g, uint32_t h) {
  const ops::AggCell &x = p.cell(g, a), &y = p.cell(h, a);
  switch (q.aggs[a].kind) {
    case ops::AggKind::kSum: return CompareDecimal(x.Sum(), y.Sum());
    case ops::AggKind::kMean: return x.Mean() < y.Mean() ? -1 : x.Mean() > y.Mean() ? 1 : 0;
    case ops::AggKind::kMin: return CompareDecimal(x.Min(), y.Min());
    case ops::AggKind::kMax: return CompareDecimal(x.Max(), y.Max());
    case ops::AggKind::kStddev: {
      double sx = ops::StddevOf(x, p.cell(g, a + 1)), sy = ops::StddevOf(y, p.cell(h, a + 1));
      return sx < sy ? -1 : sx > sy ? 1 : 0;
    }
    case ops::AggKind::kCountDistinct: return x.exact < y.exact ? -1 : x.exact > y.exact ? 1 : 0;
    case ops::AggKind::kPercentile: return CompareDecimal(x.Min(), y.Min());
    case ops::AggKind::kSquares: break;
  }
  return 0;
}

}  // namespace

std::vector<uint32_t> OrderGroupsBy(const ops::Partial& partial, const ops::Query& query,
                                    const std::vector<SortKey>& sort, int64_t top) {
  // The default order breaks ties: a total order, whatever the split.
  std::vector<uint32_t> order = OrderGroups(partial, -1);
  std::vector<uint32_t> rank(partial.num_groups());
  for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  auto less = [&](uint32_t g, uint32_t h) {
    for (const SortKey& k : sort) {
      int c = 0;
      switch (k.kind) {
        case SortKey::Kind::kCount:
          c = partial.count(g) < partial.count(h) ? -1 : partial.count(g) > partial.count(h) ? 1 : 0;
          break;
        case SortKey::Kind::kKey: {
          std::string_view a = KeyField(partial, g, k.index), b = KeyField(partial, h, k.index);
          // An empty field is NULL: last either way (as DuckDB's NULLS LAST).
          if (a.empty() != b.empty()) return b.empty();
          c = FieldLess(a, b) ? -1 : FieldLess(b, a) ? 1 : 0;
          break;
        }
        case SortKey::Kind::kAgg: {
          // (a standard deviation needs two values)
          const ops::AggKind kind = query.aggs[k.index].kind;
          const uint64_t least = kind == ops::AggKind::kStddev ? 2 : kind == ops::AggKind::kCountDistinct ? 0 : 1;
          bool none_g = partial.cell(g, k.index).n < least, none_h = partial.cell(h, k.index).n < least;
          if (none_g != none_h) return none_h;  // no value: last either way
          c = CompareAgg(partial, query, k.index, g, h);
          break;
        }
      }
      if (c != 0) return k.desc ? c > 0 : c < 0;
    }
    return rank[g] < rank[h];
  };
  size_t keep = top >= 0 && static_cast<uint64_t>(top) < order.size() ? static_cast<size_t>(top) : order.size();
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(keep), order.end(), less);
  order.resize(keep);
  return order;
}

}  // namespace fanout::cli
