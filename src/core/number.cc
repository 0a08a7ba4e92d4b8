#include "core/number.h"

#include <fast_float/fast_float.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace fanout {

namespace {

// Exponents beyond this are as good as infinite; saturating keeps the
// arithmetic on them in range.
constexpr int64_t kExponentSaturation = int64_t{1} << 40;
// The highest power of ten of a finite double's first digit (DBL_MAX ~ 1.8e308).
constexpr int64_t kMaxTopExponent = 308;
// DivideToDouble: quotient digits tried first, and enough to settle any tie
// (a halfway point between two doubles has at most 767 significant digits).
constexpr size_t kQuickQuotientDigits = 25;
constexpr size_t kExactQuotientDigits = 800;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// A number's text taken apart by the grammar in number.h.
struct NumberParts {
  std::string_view body;  // without surrounding spaces
  bool negative = false;
  std::string_view int_digits, frac_digits;
  int64_t exponent = 0;   // the written exponent, saturated
};

bool SplitNumber(std::string_view text, NumberParts* p) {
  std::string_view t = TrimSpaces(text);
  p->body = t;
  size_t i = 0, n = t.size();
  if (i < n && (t[i] == '+' || t[i] == '-')) p->negative = t[i++] == '-';
  size_t a = i;
  while (i < n && IsDigit(t[i])) ++i;
  p->int_digits = t.substr(a, i - a);
  if (i < n && t[i] == '.') {
    size_t b = ++i;
    while (i < n && IsDigit(t[i])) ++i;
    p->frac_digits = t.substr(b, i - b);
  }
  if (p->int_digits.empty() && p->frac_digits.empty()) return false;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < n && (t[i] == '+' || t[i] == '-')) negative_exponent = t[i++] == '-';
    size_t c = i;
    int64_t e = 0;
    for (; i < n && IsDigit(t[i]); ++i) e = std::min(e * 10 + (t[i] - '0'), kExponentSaturation);
    if (i == c) return false;
    p->exponent = negative_exponent ? -e : e;
  }
  return i == n;
}

// Where a number's significant digits are: indices into int_digits + frac_digits
// (read as one string) of the first and last nonzero digit, and their powers of ten.
struct Significance {
  bool zero = true;
  size_t first = 0, last = 0;
  int64_t top = 0, low = 0;
};

Significance FindSignificance(const NumberParts& p) {
  Significance s;
  size_t ni = p.int_digits.size(), nf = p.frac_digits.size();
  auto at = [&](size_t k) { return k < ni ? p.int_digits[k] : p.frac_digits[k - ni]; };
  auto power = [&](size_t k) { return static_cast<int64_t>(ni) - 1 - static_cast<int64_t>(k) + p.exponent; };
  size_t k = 0;
  while (k < ni + nf && at(k) == '0') ++k;
  if (k == ni + nf) return s;
  s.zero = false;
  s.first = k;
  s.top = power(k);
  k = ni + nf - 1;
  while (at(k) == '0') --k;
  s.last = k;
  s.low = power(k);
  return s;
}

// The nearest double to the number's text (fast_float: correctly rounded for
// any number of digits).
double NearestDouble(const NumberParts& p) {
  const char* first = p.body.data();
  const char* last = first + p.body.size();
  if (*first == '+') ++first;  // fast_float rejects a leading '+'
  double v = 0;
  fast_float::from_chars(first, last, v);
  return v;
}

// Whether the text is a number: grammar, digits not too small, finite.
bool CheckNumber(std::string_view text, NumberParts* p, Significance* s) {
  if (!SplitNumber(text, p)) return false;
  *s = FindSignificance(*p);
  if (s->zero) return true;
  if (s->low < kMinDigitExponent || s->top > kMaxTopExponent) return false;
  return s->top < kMaxTopExponent || std::isfinite(NearestDouble(*p));
}

// The quotient of a Decimal by n, one digit at a time (long division).
class LongDivision {
 public:
  LongDivision(const Decimal& d, uint64_t n) : d_(d), n_(n) {}

  // Extends the quotient until it has `want` significant digits or is exact.
  void Run(size_t want) {
    while (q_.size() < want && !(r_ == 0 && next_ >= d_.digits.size())) {
      unsigned digit = 0;
      if (next_ < d_.digits.size()) {
        digit = static_cast<unsigned>(d_.digits[next_++] - '0');
      } else {
        ++extra_;  // a zero brought down past the last digit
      }
      r_ = r_ * 10 + digit;
      unsigned q = static_cast<unsigned>(r_ / n_);
      r_ %= n_;
      if (!q_.empty() || q != 0) q_.push_back(static_cast<char>('0' + q));
    }
  }
  // The quotient so far, truncated: digits() * 10^last_exponent().
  const std::string& digits() const { return q_; }
  int64_t last_exponent() const {
    return d_.exponent + static_cast<int64_t>(d_.digits.size() - next_) - extra_;
  }
  // Whether the truncated quotient is below the true one.
  bool inexact() const { return r_ != 0 || next_ < d_.digits.size(); }

 private:
  const Decimal& d_;
  uint64_t n_;
  size_t next_ = 0;       // digits of d_ brought down so far
  int64_t extra_ = 0;     // zeros brought down after them
  unsigned __int128 r_ = 0;  // < n_
  std::string q_;
};

double ParseDigits(const std::string& digits, int64_t exponent) {
  std::string text = digits + "e" + std::to_string(exponent);
  double v = 0;
  fast_float::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// The digit string plus one unit in its last place ("199" -> "200", "99" -> "100").
std::string PlusOne(std::string digits) {
  size_t i = digits.size();
  while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
  if (i == 0) return "1" + digits;
  ++digits[i - 1];
  return digits;
}

void StripTrailingZeros(Decimal* d) {
  size_t keep = d->digits.find_last_not_of('0');
  if (keep == std::string::npos) {
    *d = Decimal();
    return;
  }
  d->exponent += static_cast<int32_t>(d->digits.size() - keep - 1);
  d->digits.resize(keep + 1);
}

}  // namespace

bool ParseDecimal(std::string_view text, Decimal* out) {
  NumberParts p;
  Significance s;
  if (!CheckNumber(text, &p, &s)) return false;
  out->digits.clear();
  if (s.zero) {
    out->negative = false;
    out->exponent = 0;
    return true;
  }
  out->negative = p.negative;
  out->exponent = static_cast<int32_t>(s.low);
  size_t ni = p.int_digits.size();
  for (size_t k = s.first; k <= s.last; ++k) out->digits.push_back(k < ni ? p.int_digits[k] : p.frac_digits[k - ni]);
  return true;
}

bool ParseDouble(std::string_view text, double* out) {
  NumberParts p;
  Significance s;
  if (!CheckNumber(text, &p, &s)) return false;
  *out = s.zero ? 0.0 : NearestDouble(p);
  if (s.zero && p.negative) *out = -0.0;
  return true;
}

bool ParseScaledDecimal(std::string_view text, __int128* out) {
  Decimal d;
  return ParseDecimal(text, &d) && DecimalToScaled(d, out);
}

bool ParseNumberSlow(std::string_view text, __int128* scaled, bool* plain, Decimal* wide) {
  if (!ParseDecimal(text, wide)) return false;
  *plain = DecimalToScaled(*wide, scaled);
  return true;
}

Decimal DecimalFromScaled(__int128 units) {
  Decimal d;
  if (units == 0) return d;
  d.negative = units < 0;
  unsigned __int128 mag = d.negative ? -static_cast<unsigned __int128>(units) : static_cast<unsigned __int128>(units);
  for (; mag != 0; mag /= 10) d.digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
  std::reverse(d.digits.begin(), d.digits.end());
  d.exponent = -kDecimalScaleDigits;
  StripTrailingZeros(&d);
  return d;
}

bool DecimalToScaled(const Decimal& d, __int128* units) {
  if (d.zero()) {
    *units = 0;
    return true;
  }
  if (d.exponent < -kDecimalScaleDigits || d.top() >= kMaxPlainIntegerDigits) return false;
  __int128 v = 0;
  for (char c : d.digits) v = v * 10 + (c - '0');
  for (int32_t k = d.exponent; k > -kDecimalScaleDigits; --k) v *= 10;  // at most 36 digits in all
  *units = d.negative ? -v : v;
  return true;
}

Decimal MultiplyDecimal(const Decimal& a, const Decimal& b) {
  Decimal p;
  if (a.zero() || b.zero()) return p;
  const size_t na = a.digits.size(), nb = b.digits.size();
  std::vector<uint32_t> r(na + nb + 1, 0);  // little-endian decimal digits
  for (size_t i = 0; i < na; ++i) {
    const uint32_t da = static_cast<uint32_t>(a.digits[na - 1 - i] - '0');
    uint32_t carry = 0;
    for (size_t j = 0; j < nb; ++j) {
      uint32_t t = r[i + j] + da * static_cast<uint32_t>(b.digits[nb - 1 - j] - '0') + carry;
      r[i + j] = t % 10;
      carry = t / 10;
    }
    for (size_t k = i + nb; carry != 0; ++k) {
      uint32_t t = r[k] + carry;
      r[k] = t % 10;
      carry = t / 10;
    }
  }
  size_t top = r.size(), low = 0;
  while (r[top - 1] == 0) --top;  // (the product is not zero)
  while (r[low] == 0) ++low;
  for (size_t k = top; k-- > low;) p.digits.push_back(static_cast<char>('0' + r[k]));
  p.exponent = a.exponent + b.exponent + static_cast<int32_t>(low);
  p.negative = a.negative != b.negative;
  return p;
}

int CompareDecimal(const Decimal& a, const Decimal& b) {
  int sa = a.zero() ? 0 : a.negative ? -1 : 1;
  int sb = b.zero() ? 0 : b.negative ? -1 : 1;
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int magnitude;
  if (a.top() != b.top()) {
    magnitude = a.top() < b.top() ? -1 : 1;
  } else {
    // Same first power: digit strings without trailing zeros compare as text.
    int c = a.digits.compare(b.digits);
    magnitude = (c > 0) - (c < 0);
  }
  return sa > 0 ? magnitude : -magnitude;
}

double DivideToDouble(const Decimal& d, uint64_t n) {
  if (d.zero()) return 0.0;
  LongDivision div(d, n);
  div.Run(kQuickQuotientDigits);
  double v = ParseDigits(div.digits(), div.last_exponent());
  if (div.inexact() && ParseDigits(PlusOne(div.digits()), div.last_exponent()) != v) {
    // The quotient lies between two texts that round apart: take enough digits
    // that only the true quotient's side of any halfway point is left, and mark
    // a nonzero remainder with a final 1 so that a tie is never seen where there is none.
    div.Run(kExactQuotientDigits);
    std::string digits = div.digits();
    int64_t exponent = div.last_exponent();
    if (div.inexact()) {
      digits.push_back('1');
      --exponent;
    }
    v = ParseDigits(digits, exponent);
  }
  return d.negative ? -v : v;
}

Decimal DivideToDecimal(const Decimal& d, uint64_t n, size_t digits) {
  Decimal q;
  if (d.zero()) return q;
  LongDivision div(d, n);
  div.Run(digits);
  q.negative = d.negative;
  q.digits = div.digits();
  q.exponent = static_cast<int32_t>(div.last_exponent());
  StripTrailingZeros(&q);
  return q;
}

std::string FormatDecimal(const Decimal& d) {
  if (d.zero()) return "0";
  const std::string& s = d.digits;
  int64_t len = static_cast<int64_t>(s.size()), e = d.exponent, top = d.top();
  int64_t plain_digits = e >= 0 ? len + e : top >= 0 ? len : len - top;
  std::string out = d.negative ? "-" : "";
  if (plain_digits <= kMaxPlainPrintDigits) {
    if (e >= 0) {
      out += s + std::string(static_cast<size_t>(e), '0');
    } else if (top >= 0) {
      out += s.substr(0, static_cast<size_t>(top + 1)) + "." + s.substr(static_cast<size_t>(top + 1));
    } else {
      out += "0." + std::string(static_cast<size_t>(-top - 1), '0') + s;
    }
    return out;
  }
  out += s[0];
  if (len > 1) out += "." + s.substr(1);
  out += top < 0 ? "e-" : "e+";
  int64_t mag = top < 0 ? -top : top;
  if (mag < 10) out += '0';
  return out + std::to_string(mag);
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
