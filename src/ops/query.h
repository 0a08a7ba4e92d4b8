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
// compared byte-wise. (BETWEEN makes two; ParseWhere joins them.)
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

// How the conditions of --where combine, when not all by AND: a tree over
// Query::filters (the atoms) of AND, OR and NOT. Its logic is SQL's three-valued
// one, with a condition that meets a value that is not a number (kNotANumber)
// as UNKNOWN: a row is kept when the whole is true, and skipped (counted by the
// reason of the condition that made it unknown) when it is unknown.
struct WhereTree {
  struct Node {
    enum class Kind : uint8_t { kAtom, kAnd, kOr, kNot } kind = Kind::kAtom;
    uint32_t atom = 0;               // kAtom: the index in Query::filters
    std::vector<uint32_t> children;  // kAnd, kOr (two or more), kNot (one)
  };
  std::vector<Node> nodes;  // empty: every filter must hold, tested in order
  uint32_t root = 0;

  bool empty() const { return nodes.empty(); }

  // The tree's value for a row, `test(i)` giving atom i's; *unknown is then the
  // atom that made a kNotANumber result so.
  template <class Test>
  FilterResult Eval(Test&& test, size_t* unknown) const {
    return EvalNode(root, test, unknown);
  }

 private:
  template <class Test>
  FilterResult EvalNode(uint32_t n, Test& test, size_t* unknown) const {
    const Node& node = nodes[n];
    switch (node.kind) {
      case Node::Kind::kAtom: {
        FilterResult r = test(node.atom);
        if (r == FilterResult::kNotANumber) *unknown = node.atom;
        return r;
      }
      case Node::Kind::kNot: {
        FilterResult r = EvalNode(node.children[0], test, unknown);
        if (r == FilterResult::kNotANumber) return r;
        return r == FilterResult::kYes ? FilterResult::kNo : FilterResult::kYes;
      }
      case Node::Kind::kAnd:
      case Node::Kind::kOr: {
        // AND: false decides, OR: true decides; else unknown if any child was.
        const FilterResult decides = node.kind == Node::Kind::kAnd ? FilterResult::kNo : FilterResult::kYes;
        FilterResult out = decides == FilterResult::kNo ? FilterResult::kYes : FilterResult::kNo;
        size_t first_unknown = 0;
        for (uint32_t c : node.children) {
          FilterResult r = EvalNode(c, test, unknown);
          if (r == decides) return r;
          if (r == FilterResult::kNotANumber && out != FilterResult::kNotANumber) {
            out = r;
            first_unknown = *unknown;
          }
        }
        if (out == FilterResult::kNotANumber) *unknown = first_unknown;
        return out;
      }
    }
    return FilterResult::kNo;
  }
};

// Whether a row passes `filters` combined by `tree` (all of them, in order, when
// it is empty: the first that finds no number decides), `value(i)` giving the
// field filter i reads. *unknown is the filter behind a kNotANumber.
template <class Value>
[[gnu::always_inline]] inline FilterResult TestWhere(const std::vector<Filter>& filters, const WhereTree& tree,
                                                     Value&& value, Decimal* scratch, size_t* unknown) {
  if (tree.empty()) {
    for (size_t i = 0; i < filters.size(); ++i) {
      FilterResult r = filters[i].Test(value(i), scratch);
      if (r == FilterResult::kYes) continue;
      *unknown = i;
      return r;
    }
    return FilterResult::kYes;
  }
  return tree.Eval([&](size_t i) { return filters[i].Test(value(i), scratch); }, unknown);
}

// kStddev: the sample standard deviation (SQL's stddev_samp), from the exact
// sum and count in its own cell and the exact sum of squares in a kSquares cell
// right after it, which is not a column of the result.
// kCountDistinct: the number of distinct non-empty values of a column, and
// kPercentile: a discrete percentile of its numeric values, both made by
// FoldDistinct from a result grouped by that column too; they never travel.
enum class AggKind { kSum, kMean, kMin, kMax, kStddev, kSquares, kCountDistinct, kPercentile };

struct AggSpec {
  AggKind kind;
  csv::ColumnSpec column;
  int percent = 0;            // kPercentile: 1 to 100
  std::string Label() const;  // "sum_total_amount", "p90_trip_distance"
};

struct Query {
  std::vector<csv::ColumnSpec> keys;  // the columns the keys are made of (labels: the expressions')
  std::vector<KeyFn> key_fns;         // per key, the function of its column (key_expr.h); empty: none
  std::vector<Filter> filters;        // the conditions of --where
  WhereTree where;                    // ... and how they combine (empty: all must hold)
  std::vector<AggSpec> aggs;  // ordered: sums, means, mins, maxes, stddevs (each with its kSquares)
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

// The conditions of every --where and how they combine.
struct Where {
  std::vector<Filter> filters;
  WhereTree tree;
};

// Parses the --where texts, which must all hold: each is conditions (Filter::Parse,
// and 'COL BETWEEN LOW AND HIGH') joined by AND, OR and NOT, with parentheses.
// NOT binds tighter than AND, and AND than OR, as in SQL. The tree stays empty
// when every condition is joined by AND. The first error is returned, naming
// the position in the text where it is.
Result<Where> ParseWhere(const std::vector<std::string>& texts);

// `keys` as q's keys and their functions (q->key_fns stays empty when no key
// has one, so that plain columns keep their fast paths).
void SetKeys(std::vector<KeyExpr> keys, Query* q);

// ParseWhere's conditions and tree into `q`.
Status SetWhere(const std::vector<std::string>& texts, Query* q);

}  // namespace fanout::ops
