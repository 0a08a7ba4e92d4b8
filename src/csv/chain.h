// Range chains: how the byte-range tasks of one object are checked against
// each other, so that results are exact for any split.
//
// Two facts decide how a range's bytes are read, and neither can be told from
// the range alone: the quote state at its first byte (every byte before it
// decides that) and the object's line end ('\n', or '\r' when the object holds
// no '\n' at all but lone '\r's, as old Mac exports do). A range assumes both —
// a RangeStart — and reports what it found — a RangeEnd. Once every range of an
// object has run, CheckChain names the first range whose assumption was wrong
// and the start it must be run with; until it names none, no range's output may
// be used. The range at offset 0 always starts at a field start; if its guess of
// the line end is wrong the object's line ends cannot be read consistently
// (its header was read with that guess), which is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "csv/kernel.h"

namespace fanout::csv {

enum class LineEnd : uint8_t {
  kGuess = 0,  // decide from the range's first kLineEndSniffBytes (see GuessLineEnd)
  kLf = 1,     // rows end with '\n' (a '\r' before it is dropped); a lone '\r' is data
  kCr = 2,     // rows end with a lone '\r'
};

// How much of a range decides a guessed line end: the same bytes for the header
// and for the first range, so both always guess alike.
constexpr size_t kLineEndSniffBytes = 64 << 10;

// The guess from a range's first bytes: '\n' if any, else '\r' if any, else '\n'.
LineEnd GuessLineEnd(const char* data, size_t n);

// What a range assumes at its first byte.
struct RangeStart {
  QuoteState quote = QuoteState::kFieldStart;
  LineEnd line_end = LineEnd::kGuess;
  bool operator==(const RangeStart&) const = default;

  // One byte, for task messages and stage manifests. 0 is the default start
  // (every range's first run) and 1 is {kQuoted, kGuess}, the two values that
  // earlier versions wrote for "outside" and "inside quotes".
  uint8_t Code() const { return static_cast<uint8_t>(static_cast<unsigned>(quote) | static_cast<unsigned>(line_end) << 2); }
  // Decodes Code()'s byte; false for a byte no RangeStart encodes to.
  static bool FromCode(uint8_t code, RangeStart* out);
};

// What a range found.
struct RangeEnd {
  RangeStart used{QuoteState::kFieldStart, LineEnd::kLf};  // the start it was read with, its line end decided
  QuoteState quote = QuoteState::kFieldStart;  // the state at its end (or at the content's end)
  bool saw_lf = false;                         // [begin, end) holds a '\n'
  bool saw_cr = false;                         // [begin, end) holds a '\r'
  // The range's first byte is a '"'. Otherwise a field start and an unquoted
  // field read its bytes alike (the first byte leaves both in the same state), so
  // either assumption is as good as the other.
  bool quote_at_begin = false;
  // 1 + the content offset of the range's last row when the content ends inside a
  // quoted field that row opened and the sink skipped it (OnUnterminatedRow); else 0.
  uint64_t unterminated = 0;
  bool operator==(const RangeEnd&) const = default;
};

// Whether a range read assuming `used` read what it would have read from `truth`.
bool ReadAlike(const RangeEnd& range, RangeStart truth);

struct ChainVerdict {
  size_t rerun = 0;    // the first range to run again, or the number of ranges when none must
  RangeStart start;    // the start it must run with
};

// Checks the ends of an object's ranges, all of them, in order (`object` names it
// in errors); a range whose assumption was not the truth but read alike
// (ReadAlike) need not run again. Fails when the line ends cannot be read consistently: the first
// range guessed them wrong.
Result<ChainVerdict> CheckChain(const std::vector<RangeEnd>& ranges, const std::string& object);

}  // namespace fanout::csv
