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
bool ParseNumber(std::string_view text, double* value, __int128* scaled, bool* exact);

// Prints an integer of 1e-9 units as a plain decimal with no trailing zeros.
std::string FormatScaledDecimal(__int128 value);

// The shortest text that reads back as the same double ("2.5", "3", "1e+21").
std::string FormatDouble(double value);

}  // namespace fanout
