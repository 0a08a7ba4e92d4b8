#include "core/number.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "core/bytes.h"
#include "core/exact_sum.h"

namespace fanout {
namespace {

Decimal Dec(std::string_view text) {
  Decimal d;
  EXPECT_TRUE(ParseDecimal(text, &d)) << text;
  return d;
}

TEST(ParseDouble, AcceptsNumbersRejectsText) {
  double v;
  EXPECT_TRUE(ParseDouble("12.5", &v));
  EXPECT_EQ(v, 12.5);
  EXPECT_TRUE(ParseDouble(" -3 ", &v));
  EXPECT_EQ(v, -3);
  EXPECT_TRUE(ParseDouble("+4e2", &v));
  EXPECT_EQ(v, 400);
  EXPECT_TRUE(ParseDouble("1e-400", &v));  // a number (its digits are within range); the nearest double is 0
  EXPECT_EQ(v, 0);
  for (const char* bad : {"", " ", "abc", "1.2.3", "nan", "inf", "-inf", "1e999", "0x10", "1,5", "--1", "1e",
                          "1e+", ".", "-", "e5", "1 2", "\t1"}) {
    EXPECT_FALSE(ParseDouble(bad, &v)) << bad;
  }
}

// Regression (issue 11): "+-5" was read as -5 (fast_float after the '+').
TEST(ParseDouble, TwoSignsAreNotANumber) {
  double v;
  Decimal d;
  __int128 s;
  bool plain;
  for (const char* bad : {"+-5", "-+5", "++5", "--5", "+-0.5", "-+1e3", "+ 5", "5-", "1e+-3"}) {
    EXPECT_FALSE(ParseDouble(bad, &v)) << bad;
    EXPECT_FALSE(ParseDecimal(bad, &d)) << bad;
    EXPECT_FALSE(ParseNumber(bad, &s, &plain, &d)) << bad;
  }
}

TEST(ParseDecimal, ExactDigitsAndExponent) {
  Decimal d = Dec("-0012.3400e3");
  EXPECT_TRUE(d.negative);
  EXPECT_EQ(d.digits, "1234");
  EXPECT_EQ(d.exponent, 1);
  EXPECT_EQ(Dec("-0"), Decimal());
  EXPECT_EQ(Dec("0e99999999999999999999"), Decimal());
  EXPECT_EQ(Dec(".5").exponent, -1);
  EXPECT_EQ(Dec("5.").digits, "5");
  EXPECT_EQ(Dec("9007199254740993").digits, "9007199254740993");
  EXPECT_EQ(Dec("1." + std::string(5000, '0')).digits, "1");  // trailing zeros are not digits
  // The range: finite as a double, last nonzero digit at 10^-1100 or above.
  EXPECT_EQ(Dec("1e-1100").exponent, -1100);
  Decimal x;
  EXPECT_FALSE(ParseDecimal("1e-1101", &x));
  EXPECT_FALSE(ParseDecimal("1.00000000000000000001e-1081", &x));
  EXPECT_TRUE(ParseDecimal("1.7976931348623157e308", &x));
  EXPECT_FALSE(ParseDecimal("1.8e308", &x));
  EXPECT_FALSE(ParseDecimal("1e309", &x));
}

TEST(ScaledDecimal, ParsesPlainDecimalsExactly) {
  __int128 v;
  ASSERT_TRUE(ParseScaledDecimal("12.34", &v));
  EXPECT_EQ(FormatScaledDecimal(v), "12.34");
  ASSERT_TRUE(ParseScaledDecimal("-0.000000001", &v));
  EXPECT_EQ(FormatScaledDecimal(v), "-0.000000001");
  ASSERT_TRUE(ParseScaledDecimal(".5", &v));
  EXPECT_EQ(FormatScaledDecimal(v), "0.5");
  ASSERT_TRUE(ParseScaledDecimal("7.", &v));
  EXPECT_EQ(FormatScaledDecimal(v), "7");
  ASSERT_TRUE(ParseScaledDecimal("-0", &v));
  EXPECT_EQ(FormatScaledDecimal(v), "0");
  ASSERT_TRUE(ParseScaledDecimal("1.5e3", &v));  // an exponent form that fits is plain too
  EXPECT_EQ(FormatScaledDecimal(v), "1500");
  for (const char* bad : {"", ".", "-", "1.0000000001", "abc", "1 2", "1e27", "1e-10"}) {
    EXPECT_FALSE(ParseScaledDecimal(bad, &v)) << bad;
  }
}

TEST(ScaledDecimal, SumsDoNotDependOnOrder) {
  // 0.1 + 0.2 is inexact in binary floating point but exact here.
  __int128 a, b, c;
  ASSERT_TRUE(ParseScaledDecimal("0.1", &a));
  ASSERT_TRUE(ParseScaledDecimal("0.2", &b));
  ASSERT_TRUE(ParseScaledDecimal("0.3", &c));
  EXPECT_EQ(a + b, c);
}

TEST(FormatDouble, ShortestRoundTrip) {
  EXPECT_EQ(FormatDouble(2.5), "2.5");
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(-0.0), "0");
  EXPECT_EQ(FormatDouble(0.1 + 0.2), "0.30000000000000004");
}

TEST(FormatDecimal, PlainUpToFortyDigitsThenExponentForm) {
  EXPECT_EQ(FormatDecimal(Dec("0")), "0");
  EXPECT_EQ(FormatDecimal(Dec("-12.50")), "-12.5");
  EXPECT_EQ(FormatDecimal(Dec("1.5e3")), "1500");
  EXPECT_EQ(FormatDecimal(Dec("0.00125")), "0.00125");
  EXPECT_EQ(FormatDecimal(Dec("9007199254740993")), "9007199254740993");
  EXPECT_EQ(FormatDecimal(Dec("1e39")), "1" + std::string(39, '0'));  // 40 digits
  EXPECT_EQ(FormatDecimal(Dec("1e40")), "1e+40");
  EXPECT_EQ(FormatDecimal(Dec("-1.5e300")), "-1.5e+300");
  EXPECT_EQ(FormatDecimal(Dec("1e-39")), "0." + std::string(38, '0') + "1");  // 40 digits with the leading 0
  EXPECT_EQ(FormatDecimal(Dec("2.25e-40")), "2.25e-40");
  EXPECT_EQ(FormatDecimal(Dec("1e-5")), "0.00001");
  // Every form reads back as the same decimal.
  for (const char* t : {"1e40", "-1.5e300", "2.25e-40", "123456789012345678901234567890.123456789012"}) {
    EXPECT_EQ(Dec(FormatDecimal(Dec(t))), Dec(t)) << t;
  }
}

TEST(FormatDecimal, AgreesWithFormatScaledDecimal) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    __int128 v = (static_cast<__int128>(rng()) << 64 | rng()) >> (rng() % 128);
    if (rng() % 2) v = -v;
    EXPECT_EQ(FormatDecimal(DecimalFromScaled(v)), FormatScaledDecimal(v));
    __int128 back;
    ASSERT_TRUE(DecimalToScaled(DecimalFromScaled(v), &back) || DecimalFromScaled(v).top() >= kMaxPlainIntegerDigits);
  }
}

TEST(CompareDecimal, OrdersExactly) {
  const char* ascending[] = {"-1e300", "-9007199254740993", "-9007199254740992", "-1", "-1e-1100", "0",
                             "1e-1100", "0.1", "0.10000000000000001", "1", "9007199254740992",
                             "9007199254740992.5", "9007199254740993", "1e16", "10000000000000001", "1e300"};
  size_t n = sizeof ascending / sizeof ascending[0];
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      int want = (i > j) - (i < j);
      EXPECT_EQ(CompareDecimal(Dec(ascending[i]), Dec(ascending[j])), want) << ascending[i] << " vs " << ascending[j];
    }
  }
}

// The correctly rounded quotient, from an independent route: the exact decimal
// text of d / 2^k (d * 5^k * 10^-k) read by the C library's strtod.
TEST(DivideToDouble, MatchesStrtodOnExactQuotients) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 3000; ++i) {
    uint64_t m = rng() >> (rng() % 60);
    int k = static_cast<int>(rng() % 20);
    int e = static_cast<int>(rng() % 40) - 20;
    Decimal d = Dec(std::to_string(m) + "e" + std::to_string(e));
    unsigned __int128 five = 1;
    for (int j = 0; j < k; ++j) five *= 5;
    unsigned __int128 prod = static_cast<unsigned __int128>(m) * five;  // m < 2^64, 5^19 < 2^45: fits
    std::string digits;
    for (unsigned __int128 p = prod; p != 0; p /= 10) digits.insert(digits.begin(), static_cast<char>('0' + p % 10));
    if (digits.empty()) digits = "0";
    std::string text = digits + "e" + std::to_string(e - k);
    double want = std::strtod(text.c_str(), nullptr);
    EXPECT_EQ(DivideToDouble(d, uint64_t{1} << k), want) << text;
  }
}

TEST(DivideToDouble, SettlesTiesAndNearTies) {
  // 2^53 + 1 lies halfway between two doubles: ties go to even.
  EXPECT_EQ(DivideToDouble(Dec("27021597764222979"), 3), 9007199254740992.0);  // exactly 2^53 + 1
  EXPECT_EQ(DivideToDouble(Dec("27021597764222980"), 3), 9007199254740994.0);  // a third above the tie
  EXPECT_EQ(DivideToDouble(Dec("27021597764222978"), 3), 9007199254740992.0);  // a third below
  EXPECT_EQ(DivideToDouble(Dec("-27021597764222980"), 3), -9007199254740994.0);
  // Just above a tie by a digit far beyond the first 25.
  std::string above = "9007199254740993" + std::string(60, '0') + "1";
  EXPECT_EQ(DivideToDouble(Dec(above + "e-61"), 1), 9007199254740994.0);
  EXPECT_EQ(DivideToDouble(Dec("1"), 3), 1.0 / 3);
  EXPECT_EQ(DivideToDouble(Dec("0.1"), 1), 0.1);
  EXPECT_EQ(DivideToDouble(Dec("0"), 7), 0.0);
}

TEST(ExactSum, IsExactAndOrderFree) {
  std::mt19937_64 rng(11);
  std::vector<Decimal> terms;
  const char* fixed[] = {"1e300", "1e-1100", "-1e300", "0.1", "0.2", "-0.3", "123456789012345678901234567890123456789",
                         "1.000000000000000000000000000001", "-1e-20"};
  for (const char* t : fixed) terms.push_back(Dec(t));
  for (int i = 0; i < 200; ++i) {
    std::string t = std::to_string(rng() % 1000000) + "." + std::to_string(rng()) + "e" +
                    std::to_string(static_cast<int>(rng() % 80) - 40);
    terms.push_back(Dec((rng() % 2 ? "-" : "") + t));
  }
  ExactSum forward, backward, merged, half;
  for (const Decimal& d : terms) forward.Add(d);
  for (size_t i = terms.size(); i-- > 0;) backward.Add(terms[i]);
  for (size_t i = 0; i < terms.size(); ++i) (i % 2 ? half : merged).Add(terms[i]);
  merged.Merge(half);
  EXPECT_EQ(forward.Value(), backward.Value());
  EXPECT_EQ(forward.Value(), merged.Value());
  // The huge terms cancel, exactly, and 0.1 + 0.2 - 0.3 is 0.
  ExactSum s;
  for (const char* t : {"1e300", "0.1", "123456789012345678901234567890123456789", "0.2", "-1e300", "-0.3"}) {
    s.Add(Dec(t));
  }
  EXPECT_EQ(FormatDecimal(s.Value()), "123456789012345678901234567890123456789");
  ExactSum tiny;
  tiny.Add(Dec("1e300"));
  tiny.Add(Dec("1e-1100"));
  tiny.Add(Dec("-1e300"));
  EXPECT_EQ(tiny.Value(), Dec("1e-1100"));
}

TEST(ExactSum, AgreesWithIntegerArithmetic) {
  std::mt19937_64 rng(12);
  ExactSum s;
  __int128 want = 0;
  for (int i = 0; i < 5000; ++i) {
    __int128 v = static_cast<__int128>(rng() >> (rng() % 64)) * (rng() % 1000);
    if (rng() % 3 == 0) v = -v;
    want += v;
    s.AddScaled(v);
  }
  EXPECT_EQ(s.Value(), DecimalFromScaled(want));
}

TEST(ExactSum, EncodeDecodeRoundTripsAndRejectsGarbage) {
  ExactSum s;
  s.Add(Dec("1.5e-300"));
  s.Add(Dec("-7e200"));
  std::string bytes;
  s.Encode(&bytes);
  std::string_view in = bytes;
  ExactSum back;
  ASSERT_TRUE(ExactSum::Decode(&in, &back));
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back.Value(), s.Value());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::string_view part = std::string_view(bytes).substr(0, cut);
    EXPECT_FALSE(ExactSum::Decode(&part, &back)) << cut;
  }
  std::string bad = bytes;
  bad[4 + 8] = '\xff';  // a limb at or above 10^18
  bad[4 + 8 + 7] = '\xff';
  std::string_view b = bad;
  EXPECT_FALSE(ExactSum::Decode(&b, &back));
}

TEST(ByteSize, ParsesUnits) {
  EXPECT_EQ(ParseByteSize("4096").value(), 4096u);
  EXPECT_EQ(ParseByteSize("64MiB").value(), 64u << 20);
  EXPECT_EQ(ParseByteSize("2GB").value(), 2000000000u);
  EXPECT_EQ(ParseByteSize("1.5kb").value(), 1500u);
  EXPECT_FALSE(ParseByteSize("").ok());
  EXPECT_FALSE(ParseByteSize("12 parsecs").ok());
  EXPECT_FALSE(ParseByteSize("-5").ok());
}

TEST(Format, Thousands) {
  EXPECT_EQ(FormatThousands(0), "0");
  EXPECT_EQ(FormatThousands(999), "999");
  EXPECT_EQ(FormatThousands(1000), "1,000");
  EXPECT_EQ(FormatThousands(1135227331), "1,135,227,331");
}

// The one-pass parser must agree with the general ones on everything.
TEST(ParseNumber, AgreesWithGeneralParsers) {
  const char* cases[] = {"0", "-0", "12.34", "-12.34", "+7", ".5", "5.", "123456789012345", "1234567890123456",
                         "0.000000001", "0.0000000001", "9007199254740993", "1e5", " 3 ", "", "-", ".", "abc",
                         "1.2.3", "99999999999999999999999", "3.14159265358979", "0.1", "0.30000000000000004",
                         "999999999999999999", "9999999999999999999", "99999999999999999999", "18446744073709551617",
                         "123456789.123456789", "1234567890.123456789", "+-5", "1e-1101", "1e308", "1e309"};
  for (const char* c : cases) {
    __int128 s1 = 0, s2 = 0;
    bool plain = false;
    Decimal wide, d;
    bool ok1 = ParseNumber(c, &s1, &plain, &wide);
    bool ok2 = ParseDecimal(c, &d);
    double unused;
    ASSERT_EQ(ok1, ok2) << c;
    ASSERT_EQ(ok2, ParseDouble(c, &unused)) << c;
    if (!ok1) continue;
    bool plain2 = DecimalToScaled(d, &s2);
    EXPECT_EQ(plain, plain2) << c;
    if (plain) {
      EXPECT_TRUE(s1 == s2) << c;
    } else {
      EXPECT_EQ(wide, d) << c;
    }
  }
}

TEST(MultiplyDecimal, ExactlyAsPythonsDecimalWould) {
  auto mul = [](const char* a, const char* b) {
    Decimal x, y;
    EXPECT_TRUE(ParseDecimal(a, &x) && ParseDecimal(b, &y)) << a << " " << b;
    return FormatDecimal(MultiplyDecimal(x, y));
  };
  EXPECT_EQ(mul("12.5", "0.04"), "0.5");
  EXPECT_EQ(mul("-3", "7e10"), "-210000000000");
  EXPECT_EQ(mul("-2.5", "-2.5"), "6.25");
  EXPECT_EQ(mul("0", "-5"), "0");
  EXPECT_EQ(mul("999999999999999999999999999999", "999999999999999999999999999999"),
            "9.99999999999999999999999999998000000000000000000000000000001e+59");
  EXPECT_EQ(mul("1e-300", "1e-300"), "1e-600");
  EXPECT_EQ(mul("123456789.123456789", "987654321.987654321"), "121932631356500531.347203169112635269");
}

}  // namespace
}  // namespace fanout
