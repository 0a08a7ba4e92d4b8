// Query: what to compute over every row — group-by keys, filters, aggregates —
// and its per-object resolution to field indices.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/number.h"
#include "ops/key_expr.h"
#include "core/status.h"
#include "csv/header.h"

namespace fanout::ops {

enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };

enum class FilterResult { kNo, kYes, kNotANumber };

// One condition of --where: 'COL OP VALUE', OP one of = (or ==) != < <= > >=;
// 'COL IN (V, ...)' or 'COL NOT IN (V, ...)'; 'COL IS NULL' or 'COL IS NOT NULL'
// (the empty value). An unquoted VALUE must be a number (core/number.h) and the
// comparison is numeric and exact; VALUE in single or double quotes is text,
// compared byte-wise. (BETWEEN and AND make several; ParseFilters.)
struct Filter {
  enum class Kind : uint8_t { kCompare, kIn, kNotIn, kIsNull, kIsNotNull } kind = Kind::kCompare;
  csv::ColumnSpec column;
  KeyFn fn;  // a function of the column (key_expr.h: 'year(pickup) = 2019'); none: its value
  CmpOp op = CmpOp::kEq;
  bool numeric = false;      // VALUE was unquoted (a number)
  Decimal number;            // ... its exact value
  bool number_plain = false; // ... and whether it fits the fixed point,
  __int128 number_scaled = 0;  // as this many 1e-9 units
  std::string text;          // VALUE was quoted: the text between the quotes
  // kIn, kNotIn: the values, all numbers (numeric) or all texts.
  std::vector<Decimal> numbers;
  std::vector<std::string> texts;

  // Parses 'COL OP VALUE'; InvalidArgument (a usage error) for an unknown
  // operator, an unquoted VALUE that is not a number, or an unbalanced quote.
  static Result<Filter> Parse(std::string_view text);
  // Whether `field` (an unquoted value) satisfies the comparison; kNotANumber
  // when the comparison is numeric and the field is not a number (the row is
  // then skipped, not filtered). `scratch` is reused across calls by one thread.
  FilterResult Test(std::string_view field, Decimal* scratch) const;
  // Why a row whose field Test found kNotANumber is skipped ("non-numeric
  // total_amount", "not a timestamp in year(pickup)").
  std::string SkipReason() const;
};

enum class AggKind { kSum, kMean, kMin, kMax };

struct AggSpec {
  AggKind kind;
  csv::ColumnSpec column;
  std::string Label() const;  // "sum_total_amount"
};

struct Query {
  std::vector<csv::ColumnSpec> keys;  // the columns the keys are made of (labels: the expressions')
  std::vector<KeyFn> key_fns;         // per key, the function of its column (key_expr.h); empty: none
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

struct FieldSummary;  // ops/sink.h

// Whether the filters (each reading the field of its slot in `fields`) exclude
// every row of a stretch whose fields are so summarised, and exactly so: each
// filter before the one that excludes is known never to find a value that is not
// a number (no NULLs; no NaN unless `nan_ok`); the excluding one may meet NULLs
// only when it is the first (*null_skips is then the rows it would skip as not
// numbers, else 0). Returns the index of the excluding filter, or -1.
int ExcludingFilter(const std::vector<Filter>& filters, const std::vector<size_t>& slots,
                    const std::vector<FieldSummary>& fields, bool nan_ok, uint64_t* null_skips);

// Parses each --where text (Filter::Parse), in order; the first that fails is the error.
Result<std::vector<Filter>> ParseFilters(const std::vector<std::string>& texts);

// Parses "a,b|c,3" into column specs (commas separate columns). With
// allow_ranges, "2-5" stands for the indices 2, 3, 4 and 5.
Result<std::vector<csv::ColumnSpec>> ParseColumnList(std::string_view text, bool allow_ranges = false);

}  // namespace fanout::ops
