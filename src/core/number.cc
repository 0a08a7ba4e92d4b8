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

bool ParseNumberSlow(std::string_view text, double* value, __int128* scaled, bool* exact) {
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
