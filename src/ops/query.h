// Query: what to compute over every row — group-by keys, filters, aggregates —
// and its per-object resolution to field indices.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "csv/header.h"

namespace fanout::ops {

enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct Filter {
  csv::ColumnSpec column;
  CmpOp op = CmpOp::kEq;
  std::string value;
  bool value_is_number = false;
  double number = 0;

  // Parses 'COL OP VALUE' (VALUE may be wrapped in single or double quotes).
  static Result<Filter> Parse(std::string_view text);
  // True when `field` (an unquoted value) satisfies the comparison.
  bool Matches(std::string_view field) const;
};

enum class AggKind { kSum, kMean, kMin, kMax };

struct AggSpec {
  AggKind kind;
  csv::ColumnSpec column;
  std::string Label() const;  // "sum_total_amount"
};

struct Query {
  std::vector<csv::ColumnSpec> keys;
  std::vector<Filter> filters;
  std::vector<AggSpec> aggs;  // ordered: sums, means, mins, maxes
  bool output_count = true;   // print the count column

  // A fingerprint of everything that shapes a Partial, to refuse merging
  // partials of different queries.
  std::string Fingerprint() const;
};

// A Query's columns as field indices in one object.
struct ResolvedQuery {
  std::vector<int> keys, filters, aggs;
  size_t min_fields = 0;  // a row needs this many fields

  // Every field index the query reads.
  std::vector<int> AllFields() const {
    std::vector<int> all = keys;
    all.insert(all.end(), filters.begin(), filters.end());
    all.insert(all.end(), aggs.begin(), aggs.end());
    return all;
  }
};

Result<ResolvedQuery> Resolve(const Query& q, const csv::HeaderInfo& header,
                              const std::string& object_name);

// Parses "a,b|c,3" into column specs (commas separate columns). With
// allow_ranges, "2-5" stands for the indices 2, 3, 4 and 5.
Result<std::vector<csv::ColumnSpec>> ParseColumnList(std::string_view text, bool allow_ranges = false);

}  // namespace fanout::ops
