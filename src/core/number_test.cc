#include "core/number.h"

#include <gtest/gtest.h>

#include "core/bytes.h"

namespace fanout {
namespace {

TEST(ParseDouble, AcceptsNumbersRejectsText) {
  double v;
  EXPECT_TRUE(ParseDouble("12.5", &v));
  EXPECT_EQ(v, 12.5);
  EXPECT_TRUE(ParseDouble(" -3 ", &v));
  EXPECT_EQ(v, -3);
  EXPECT_TRUE(ParseDouble("+4e2", &v));
  EXPECT_EQ(v, 400);
  for (const char* bad : {"", " ", "abc", "1.2.3", "nan", "inf", "-inf", "1e999", "0x10", "1,5", "--1"}) {
    EXPECT_FALSE(ParseDouble(bad, &v)) << bad;
  }
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
  for (const char* bad : {"", ".", "-", "1e5", "1.0000000001", "abc", "1 2"}) {
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

}  // namespace
}  // namespace fanout

namespace fanout {
namespace {

// The one-pass parser must agree with the two general parsers on everything.
TEST(ParseNumber, AgreesWithGeneralParsers) {
  const char* cases[] = {"0", "-0", "12.34", "-12.34", "+7", ".5", "5.", "123456789012345", "1234567890123456",
                         "0.000000001", "0.0000000001", "9007199254740993", "1e5", " 3 ", "", "-", ".", "abc",
                         "1.2.3", "99999999999999999999999", "3.14159265358979", "0.1", "0.30000000000000004"};
  for (const char* c : cases) {
    double v1 = 0, v2 = 0;
    __int128 s1 = 0, s2 = 0;
    bool exact = false;
    bool ok1 = ParseNumber(c, &v1, &s1, &exact);
    bool ok2 = ParseDouble(c, &v2);
    ASSERT_EQ(ok1, ok2) << c;
    if (!ok1) continue;
    EXPECT_EQ(v1, v2) << c;
    bool exact2 = ParseScaledDecimal(c, &s2);
    EXPECT_EQ(exact, exact2) << c;
    if (exact) {
      EXPECT_TRUE(s1 == s2) << c;
    }
  }
}

}  // namespace
}  // namespace fanout
