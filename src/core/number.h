// Number parsing shared by header sniffing, filters and aggregates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fanout {

// Fixed-point scale for exact sums: values are held as integers of 1e-9 units.
constexpr int kDecimalScaleDigits = 9;
constexpr int64_t kDecimalScale = 1000000000;

// Parses a finite number (surrounding spaces allowed; no inf/nan, no hex).
// Returns false when the whole text is not one number.
bool ParseDouble(std::string_view text, double* out);

// Parses a plain decimal ("-12.5", "3", ".25"; at most kDecimalScaleDigits fraction
// digits, no exponent) into an integer of 1e-9 units. Returns false otherwise.
bool ParseScaledDecimal(std::string_view text, __int128* out);

// Parses a number once for aggregation: *value as ParseDouble would give it, and,
// when the text is a plain decimal ParseScaledDecimal accepts, *scaled with
// *exact = true. Returns false when the text is not a number. Plain decimals of up
// to 15 digits take a fast path (an exact integer divided by an exact power of
// ten, so the double is correctly rounded, like strtod's).
inline bool ParseNumber(std::string_view text, double* value, __int128* scaled, bool* exact);

// ParseNumber's general path (spaces, exponents, many digits).
bool ParseNumberSlow(std::string_view text, double* value, __int128* scaled, bool* exact);

namespace number_internal {
constexpr uint64_t kMaxExactInteger = uint64_t{1} << 53;
constexpr double kExactPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
constexpr int64_t kScaleUp[] = {1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
constexpr size_t kFastDigits = 15;
}  // namespace number_internal

inline bool ParseNumber(std::string_view text, double* value, __int128* scaled, bool* exact) {
  using namespace number_internal;
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  uint64_t m = 0;
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
  if (p == end && digits > 0 && digits <= kFastDigits && frac <= kDecimalScaleDigits && m < kMaxExactInteger) {
    double v = static_cast<double>(m) / kExactPow10[frac];
    *value = negative ? -v : v;
    __int128 s = static_cast<__int128>(m) * kScaleUp[frac];
    *scaled = negative ? -s : s;
    *exact = true;
    return true;
  }
  return ParseNumberSlow(text, value, scaled, exact);
}

// Prints an integer of 1e-9 units as a plain decimal with no trailing zeros.
std::string FormatScaledDecimal(__int128 value);

// The shortest text that reads back as the same double ("2.5", "3", "1e+21").
std::string FormatDouble(double value);

}  // namespace fanout
