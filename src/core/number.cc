#include "core/number.h"

#include <fast_float/fast_float.h>

#include <charconv>
#include <cmath>

namespace fanout {

namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Integer digits beyond this could overflow 128 bits once scaled.
constexpr size_t kMaxIntegerDigits = 27;

}  // namespace

bool ParseDouble(std::string_view text, double* out) {
  text = TrimSpaces(text);
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = first + text.size();
  if (*first == '+') ++first;  // fast_float rejects a leading '+'
  auto [ptr, ec] = fast_float::from_chars(first, last, *out);
  return ec == std::errc() && ptr == last && std::isfinite(*out);
}

bool ParseScaledDecimal(std::string_view text, __int128* out) {
  text = TrimSpaces(text);
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  __int128 v = 0;
  size_t int_digits = 0, frac_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
    if (int_digits >= kMaxIntegerDigits) return false;
    v = v * 10 + (text[i] - '0');
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++frac_digits) {
      if (frac_digits >= kDecimalScaleDigits) return false;
      v = v * 10 + (text[i] - '0');
    }
  }
  if (i != text.size() || int_digits + frac_digits == 0) return false;
  for (size_t k = frac_digits; k < kDecimalScaleDigits; ++k) v *= 10;
  *out = negative ? -v : v;
  return true;
}

namespace {

constexpr uint64_t kMaxExactInteger = uint64_t{1} << 53;
constexpr double kExactPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int64_t kScaleUp[] = {1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
constexpr size_t kFastDigits = 15;

}  // namespace

bool ParseNumber(std::string_view text, double* value, __int128* scaled, bool* exact) {
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  uint64_t m = 0;
  size_t digits = 0, frac = 0;
  for (; p != end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits) m = m * 10 + static_cast<unsigned>(*p - '0');
  if (p != end && *p == '.') {
    for (++p; p != end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits, ++frac) {
      m = m * 10 + static_cast<unsigned>(*p - '0');
    }
  }
  if (p == end && digits > 0 && digits <= kFastDigits && frac <= kDecimalScaleDigits && m < kMaxExactInteger) {
    double v = static_cast<double>(m) / kExactPow10[frac];
    *value = negative ? -v : v;
    __int128 s = static_cast<__int128>(m) * kScaleUp[frac];
    *scaled = negative ? -s : s;
    *exact = true;
    return true;
  }
  // Anything else (spaces, exponents, many digits) takes the general parsers.
  if (!ParseDouble(text, value)) return false;
  *exact = ParseScaledDecimal(text, scaled);
  return true;
}

std::string FormatScaledDecimal(__int128 value) {
  bool negative = value < 0;
  unsigned __int128 mag = negative ? -static_cast<unsigned __int128>(value) : value;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag != 0);
  while (digits.size() <= kDecimalScaleDigits) digits.push_back('0');
  std::string out;
  if (negative) out.push_back('-');
  for (size_t i = digits.size(); i-- > kDecimalScaleDigits;) out.push_back(digits[i]);
  std::string frac;
  for (size_t i = kDecimalScaleDigits; i-- > 0;) frac.push_back(digits[i]);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) out += "." + frac;
  if (out == "-0") out = "0";
  return out;
}

std::string FormatDouble(double value) {
  if (value == 0) return "0";  // also turns -0 into 0
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, ptr);
}

}  // namespace fanout
