// Numbers as fanout reads them, exactly: parsing shared by header sniffing,
// filters and aggregates, exact decimals, and printing.
//
// A number is: optional spaces, one optional sign (+ or -), digits with an
// optional point (at least one digit: "5", "5.", ".5"), an optional exponent
// (e or E, an optional sign, digits), optional spaces. It must also round to a
// finite double (|x| below about 1.8e308), and its last nonzero digit must lie at
// 10^kMinDigitExponent or above (every double, written out exactly, does).
// Anything else — "+-5", "1e", "inf", "nan", "0x10", "1,5" — is not a number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fanout {

// Fixed-point scale for exact sums: values are held as integers of 1e-9 units.
constexpr int kDecimalScaleDigits = 9;
constexpr int64_t kDecimalScale = 1000000000;
// A value fits the fixed point ("is plain") when it has at most
// kDecimalScaleDigits fraction digits and is below 10^kMaxPlainIntegerDigits in
// magnitude; then a single value is below 10^36 units and 170 of them cannot
// overflow 128 bits (sums check anyway).
constexpr int kMaxPlainIntegerDigits = 27;

// The lowest power of ten a number's last nonzero digit may have.
constexpr int kMinDigitExponent = -1100;
// Exact values with more digits than this print in exponent form (FormatDecimal).
constexpr int kMaxPlainPrintDigits = 40;

// An exact decimal: (negative ? -1 : 1) * digits * 10^exponent. `digits` are
// ASCII, most significant first, with no leading or trailing '0'; zero has no
// digits, exponent 0 and is never negative.
struct Decimal {
  bool negative = false;
  std::string digits;
  int32_t exponent = 0;

  bool zero() const { return digits.empty(); }
  // The power of ten of the first digit (zero: exponent).
  int32_t top() const { return exponent + static_cast<int32_t>(digits.size()) - 1; }
  bool operator==(const Decimal&) const = default;
};

// Parses a number (see above) exactly. Returns false, leaving *out unspecified,
// when the whole text is not one number.
bool ParseDecimal(std::string_view text, Decimal* out);

// Parses a number into the nearest double. Returns false when the whole text is
// not one number; accepts exactly what ParseDecimal accepts.
bool ParseDouble(std::string_view text, double* out);

// Parses a plain decimal ("-12.5", "3", ".25", "1e3"; a number that fits the
// fixed point) into an integer of 1e-9 units. Returns false otherwise.
bool ParseScaledDecimal(std::string_view text, __int128* out);

// Parses a number once for aggregation. Returns false when the text is not a
// number. Otherwise either *plain is true and *scaled holds it in 1e-9 units,
// or *plain is false and *wide holds it (*scaled unspecified). Plain decimals of
// up to 18 digits without exponent or spaces take an inline fast path.
inline bool ParseNumber(std::string_view text, __int128* scaled, bool* plain, Decimal* wide);

// ParseNumber's general path (spaces, exponents, many digits).
bool ParseNumberSlow(std::string_view text, __int128* scaled, bool* plain, Decimal* wide);

// Exact conversions between the fixed point (1e-9 units) and Decimal.
// DecimalToScaled returns false when `d` does not fit (see kMaxPlainIntegerDigits).
Decimal DecimalFromScaled(__int128 units);
bool DecimalToScaled(const Decimal& d, __int128* units);

// <0, 0 or >0 as a is less than, equal to or greater than b (exactly).
int CompareDecimal(const Decimal& a, const Decimal& b);

// a * b, exactly (schoolbook: for values off the fast paths, not per row).
Decimal MultiplyDecimal(const Decimal& a, const Decimal& b);

// d / n (n > 0) rounded once to the nearest double (ties to even); may be
// infinite when the quotient is beyond the double range.
double DivideToDouble(const Decimal& d, uint64_t n);

// d / n (n > 0) to `digits` significant digits, truncated toward zero.
Decimal DivideToDecimal(const Decimal& d, uint64_t n, size_t digits);

// Exact text of `d`: plain notation ("-12.5", "1000", "0.001") when that takes at
// most kMaxPlainPrintDigits digits, else every significant digit in exponent
// form ("1.5e+300", "-2.25e-50"). Reads back as the same decimal everywhere.
std::string FormatDecimal(const Decimal& d);

// Prints an integer of 1e-9 units as a plain decimal with no trailing zeros
// (the same text FormatDecimal(DecimalFromScaled(value)) gives).
std::string FormatScaledDecimal(__int128 value);

// The shortest text that reads back as the same double ("2.5", "3", "1e+21").
std::string FormatDouble(double value);

namespace number_internal {
constexpr int64_t kScaleUp[] = {1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
constexpr size_t kFastDigits = 18;  // below 10^18: fits a uint64_t
}  // namespace number_internal

inline bool ParseNumber(std::string_view text, __int128* scaled, bool* plain, Decimal* wide) {
  using namespace number_internal;
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  uint64_t m = 0;  // wraps (harmlessly) past 19 digits: those take the general path
  const char* first = p;
  const char* dot = nullptr;
  for (; p != end; ++p) {
    unsigned d = static_cast<unsigned char>(*p) - '0';
    if (d < 10) {
      m = m * 10 + d;
    } else if (*p == '.' && dot == nullptr) {
      dot = p;
    } else {
      break;
    }
  }
  size_t digits = static_cast<size_t>(p - first) - (dot != nullptr);
  size_t frac = dot == nullptr ? 0 : static_cast<size_t>(p - dot - 1);
  if (p == end && digits > 0 && digits <= kFastDigits && frac <= kDecimalScaleDigits) {
    __int128 s = static_cast<__int128>(m) * kScaleUp[frac];
    *scaled = negative ? -s : s;
    *plain = true;
    return true;
  }
  return ParseNumberSlow(text, scaled, plain, wide);
}

}  // namespace fanout
