// The order of a result's rows: count descending, then the key, field by field —
// numbers (text ParseDouble accepts) before other text, numbers by value (as
// doubles) and equal values by their bytes, other text by its bytes (unsigned).
// A total order whatever the data holds, so the output never depends on how the
// work was split.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ops/partial.h"
#include "ops/query.h"

namespace fanout::cli {

// Whether encoded key `a` (ops::AppendKeyField) orders before `b` (counts aside).
// Allocates nothing.
bool KeyLess(std::string_view a, std::string_view b);

// The groups of `partial` in result order, at most `top` of them when top >= 0:
// O(G log G) for all G groups (on up to `threads` threads), O(G log top) time
// and O(top) memory with a top. Each comparison reads the count and a
// precomputed prefix of the first key field (16 bytes per group); key bytes
// are compared only on ties.
std::vector<uint32_t> OrderGroups(const ops::Partial& partial, int64_t top, int threads = 1);

// One column of --sort: the count, a key column or an aggregate, either way.
struct SortKey {
  enum class Kind { kCount, kKey, kAgg } kind = Kind::kCount;
  size_t index = 0;  // the key field's or the aggregate's position in the query
  bool desc = false;
};

// Parses --sort's COL[:asc|:desc][,...]: "count", a key column's or an
// aggregate's label as the output names it (passenger_count, sum_total_amount),
// or a key column as --by gave it. Unknown names are an error listing the known.
Result<std::vector<SortKey>> ParseSort(const std::string& text, const ops::Query& query);

// The groups in the order `sort` says, each column in turn, ties in result
// order (so the order is total); at most `top` of them when top >= 0.
std::vector<uint32_t> OrderGroupsBy(const ops::Partial& partial, const ops::Query& query,
                                    const std::vector<SortKey>& sort, int64_t top);

}  // namespace fanout::cli
