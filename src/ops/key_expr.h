// Key expressions of --by: a column, or a function of one — on timestamps
// year(), month(), day(), hour(), date(), yearmonth(), weekday(); on text
// substr(col, start, len), lower(), upper(); on numbers floor(), round(col[,
// digits]), bucket(col, width). Each maps a field's value to the key's text
// once per value, exactly (numbers as exact decimals, never through a double).
// The grammar and each function's rules are in docs/cli.md ("Key expressions").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "csv/header.h"

namespace fanout::ops {

struct KeyFn {
  enum class Kind : uint8_t {
    kNone,  // the column's value as it is
    kYear, kMonth, kDay, kHour, kDate, kYearMonth, kWeekday,
    kSubstr, kLower, kUpper,
    kFloor, kRound, kBucket,
  } kind = Kind::kNone;
  int64_t start = 1, length = 0;  // substr: 1-based start (in characters), length
  int digits = 0;                 // round: digits after the point, 0 to 9
  __int128 width = 0;             // bucket: the width, in 1e-9 units (> 0)

  bool none() const { return kind == Kind::kNone; }
  // Maps `value` (a field's value; not empty) to the key's text in *out.
  // False when the value is not what the function takes (a timestamp, a plain
  // number): the row is then skipped, for the reason SkipReason gives.
  bool Apply(std::string_view value, std::string* out) const;
  // "not a timestamp in year(pickup)", for the summary's skip counts.
  std::string SkipReason(const std::string& label) const;
};

struct KeyExpr {
  csv::ColumnSpec column;  // its label is the expression's, as output names it ("year(pickup)")
  KeyFn fn;
};

// Parses --by's comma-separated list of key expressions. An error names the
// position in `text` (1-based) and what was expected there.
Result<std::vector<KeyExpr>> ParseKeyList(std::string_view text);

// Parses the list --cols takes (select, stage): ParseKeyList's items, ranges of
// column indices ("2-5" stands for 2, 3, 4 and 5), and an expression may be
// named as the output's header calls it: 'yearmonth(pickup) AS ym'.
Result<std::vector<KeyExpr>> ParseColumnExprs(std::string_view text);

// Expands "A-B" (both 1-based indices) into its columns; false if `item` is no
// range, InvalidArgument if it is one backwards or of over 100,000 columns.
Result<bool> ExpandColumnRange(std::string_view item, std::vector<csv::ColumnSpec>* out);
Result<bool> ExpandColumnRange(std::string_view item, std::vector<KeyExpr>* out);

}  // namespace fanout::ops
