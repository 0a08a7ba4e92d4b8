#include "ops/key_expr.h"

#include <gtest/gtest.h>

namespace fanout::ops {
namespace {

std::string Apply(const std::string& expr, std::string_view value) {
  Result<std::vector<KeyExpr>> k = ParseKeyList(expr);
  EXPECT_TRUE(k.ok()) << expr << ": " << k.status().message();
  if (!k.ok()) return "<parse error>";
  std::string out;
  if (!(*k)[0].fn.Apply(value, &out)) return "<skip>";
  return out;
}

std::string Error(const std::string& expr) {
  Result<std::vector<KeyExpr>> k = ParseKeyList(expr);
  return k.ok() ? "<ok>" : k.status().message();
}

TEST(KeyExpr, ParsesAListOfColumnsAndFunctions) {
  Result<std::vector<KeyExpr>> k =
      ParseKeyList("passenger_count,YearMonth(tpep_pickup_datetime|pickup_datetime), substr(vendor, 1, 2),4");
  ASSERT_TRUE(k.ok()) << k.status().message();
  ASSERT_EQ(k->size(), 4u);
  EXPECT_TRUE((*k)[0].fn.none());
  EXPECT_EQ((*k)[0].column.label, "passenger_count");
  EXPECT_EQ((*k)[1].fn.kind, KeyFn::Kind::kYearMonth);
  EXPECT_EQ((*k)[1].column.label, "yearmonth(tpep_pickup_datetime)");
  EXPECT_EQ((*k)[1].column.names.size(), 2u);  // the alternatives work inside
  EXPECT_EQ((*k)[2].fn.kind, KeyFn::Kind::kSubstr);
  EXPECT_EQ((*k)[2].fn.start, 1);
  EXPECT_EQ((*k)[2].fn.length, 2);
  EXPECT_EQ((*k)[3].column.index, 3);
}

TEST(KeyExpr, ErrorsPointAtThePosition) {
  EXPECT_EQ(Error("year(pickup"), "--by: at 12: expected ')' in 'year(pickup'");
  EXPECT_EQ(Error("a,yaer(pickup)"), "--by: at 3: 'yaer' is not a function (year, month, day, hour, date, yearmonth, "
                                     "weekday, substr, lower, upper, floor, round, bucket) in 'a,yaer(pickup)'");
  EXPECT_EQ(Error("year(a))"), "--by: at 8: a ')' without its '(' in 'year(a))'");
  EXPECT_EQ(Error("substr(a, 0, 2)"), "--by: at 10: expected a start of 1 or more in 'substr(a, 0, 2)'");
  EXPECT_NE(Error("round(a, 10)").find("0 to 9"), std::string::npos);
  EXPECT_NE(Error("bucket(a, 0)").find("a width above 0"), std::string::npos);
  EXPECT_NE(Error("bucket(a)").find("bucket() takes a column and a width"), std::string::npos);
  EXPECT_NE(Error("year(a, 2)").find("year() takes one column"), std::string::npos);
  EXPECT_NE(Error("year(month(a))").find("a function of a function"), std::string::npos);
  EXPECT_NE(Error("a,,b").find("at 3: expected a column"), std::string::npos);
  EXPECT_NE(Error("year()").find("expected a column"), std::string::npos);
  EXPECT_NE(Error("year(a) x").find("text after ')'"), std::string::npos);
}

TEST(KeyExpr, TimestampsOfEveryEra) {
  for (const char* ts : {"2019-01-01 00:46:40", "2009-01-04 02:52:00", "2015-06-30T23:59:59.123456", "2012-02-29",
                         "2012-02-29 13:05"}) {
    EXPECT_NE(Apply("year(a)", ts), "<skip>") << ts;
  }
  EXPECT_EQ(Apply("year(a)", "2019-01-01 00:46:40"), "2019");
  EXPECT_EQ(Apply("month(a)", "2019-01-01 00:46:40"), "1");
  EXPECT_EQ(Apply("day(a)", "2019-01-31 00:46:40"), "31");
  EXPECT_EQ(Apply("hour(a)", "2019-01-01 07:46:40"), "7");
  EXPECT_EQ(Apply("hour(a)", "2019-01-01"), "0");
  EXPECT_EQ(Apply("date(a)", "2009-01-04 02:52:00"), "2009-01-04");
  EXPECT_EQ(Apply("yearmonth(a)", "2009-01-04 02:52:00"), "2009-01");
  EXPECT_EQ(Apply("weekday(a)", "2009-01-04 02:52:00"), "7");  // a Sunday (ISO: Monday 1 .. Sunday 7)
  EXPECT_EQ(Apply("weekday(a)", "2019-01-01"), "2");           // a Tuesday
  EXPECT_EQ(Apply("weekday(a)", "2000-02-29"), "2");
  for (const char* bad : {"2019-13-01", "2019-02-29", "1900-02-29", "2019-01-32", "2019-1-01", "2019-01-01 24:00",
                          "2019-01-01 10:60", "2019-01-01x", "2019-01-01 10:00:00.", "2019-01-01 10:00:00Z", "20190101",
                          "n/a", "2019-01-01 1:00"}) {
    EXPECT_EQ(Apply("year(a)", bad), "<skip>") << bad;
  }
}

TEST(KeyExpr, NumbersExactly) {
  EXPECT_EQ(Apply("floor(a)", "2.99"), "2");
  EXPECT_EQ(Apply("floor(a)", "-2.01"), "-3");
  EXPECT_EQ(Apply("floor(a)", "-2"), "-2");
  EXPECT_EQ(Apply("round(a)", "2.5"), "3");
  EXPECT_EQ(Apply("round(a)", "-2.5"), "-3");  // half away from zero, as SQL rounds decimals
  EXPECT_EQ(Apply("round(a)", "2.49"), "2");
  EXPECT_EQ(Apply("round(a, 1)", "0.25"), "0.3");
  EXPECT_EQ(Apply("round(a, 2)", "1.005"), "1.01");  // exact: no binary 1.00499...
  EXPECT_EQ(Apply("round(a, 2)", "7"), "7");
  EXPECT_EQ(Apply("bucket(a, 5)", "12.3"), "10");
  EXPECT_EQ(Apply("bucket(a, 5)", "-0.1"), "-5");
  EXPECT_EQ(Apply("bucket(a, 0.25)", "1.3"), "1.25");
  EXPECT_EQ(Apply("floor(a)", "1e3"), "1000");
  EXPECT_EQ(Apply("floor(a)", "abc"), "<skip>");
  EXPECT_EQ(Apply("floor(a)", "+-5"), "<skip>");
  EXPECT_EQ(Apply("floor(a)", "1e400"), "<skip>");  // not a plain number
}

TEST(KeyExpr, Text) {
  EXPECT_EQ(Apply("substr(a, 2, 3)", "abcdef"), "bcd");
  EXPECT_EQ(Apply("substr(a, 5, 10)", "abcdef"), "ef");
  EXPECT_EQ(Apply("substr(a, 9, 1)", "abc"), "");
  EXPECT_EQ(Apply("substr(a, 2, 2)", "\xc3\xa9t\xc3\xa9"), "t\xc3\xa9");  // characters, not bytes
  EXPECT_EQ(Apply("lower(a)", "CMT Vts"), "cmt vts");
  EXPECT_EQ(Apply("upper(a)", "cmt"), "CMT");
}

std::string ColsError(const std::string& text) {
  Result<std::vector<KeyExpr>> k = ParseColumnExprs(text);
  return k.ok() ? "<ok>" : k.status().message();
}

TEST(ColumnExprs, RangesColumnsAndNamedExpressions) {
  Result<std::vector<KeyExpr>> k = ParseColumnExprs("2-4,yearmonth(a|b) AS ym, round(c, 1), substr(d, 1, 2) as d2,e");
  ASSERT_TRUE(k.ok()) << k.status().message();
  ASSERT_EQ(k->size(), 7u);
  EXPECT_EQ((*k)[0].column.index, 1);
  EXPECT_EQ((*k)[2].column.index, 3);
  EXPECT_TRUE((*k)[2].fn.none());
  EXPECT_EQ((*k)[3].fn.kind, KeyFn::Kind::kYearMonth);
  EXPECT_EQ((*k)[3].column.label, "ym");
  EXPECT_EQ((*k)[3].column.names.size(), 2u);
  EXPECT_EQ((*k)[4].fn.kind, KeyFn::Kind::kRound);
  EXPECT_EQ((*k)[4].column.label, "round(c)");
  EXPECT_EQ((*k)[5].fn.length, 2);
  EXPECT_EQ((*k)[5].column.label, "d2");
  EXPECT_EQ((*k)[6].column.label, "e");
}

TEST(ColumnExprs, ErrorsNameTheFlagAndThePosition) {
  EXPECT_EQ(ColsError("a,year(b) ym"), "--cols: at 11: text after ')' (name an expression with 'AS NAME') in 'a,year(b) ym'");
  EXPECT_EQ(ColsError("year(b) AS"), "--cols: at 9: text after ')' (name an expression with 'AS NAME') in 'year(b) AS'");
  EXPECT_EQ(ColsError("year(b) AS y-m"), "--cols: at 12: expected a NAME of letters, digits and _ after AS in 'year(b) AS y-m'");
  EXPECT_NE(ColsError("year(b) AS 12").find("expected a NAME"), std::string::npos);
  EXPECT_EQ(ColsError("a,yaer(b)").substr(0, 17), "--cols: at 3: 'ya");
  EXPECT_NE(ColsError("5-2").find("invalid column range '5-2'"), std::string::npos);
  EXPECT_EQ(ColsError("year(b"), "--cols: at 7: expected ')' in 'year(b'");
  EXPECT_NE(ColsError("a,,b").find("at 3: expected a column"), std::string::npos);
  EXPECT_FALSE(ParseColumnExprs("0").ok());
  EXPECT_EQ(Error("year(b) AS y").substr(0, 22), "--by: at 9: text after");  // --by has no AS
}

}  // namespace
}  // namespace fanout::ops
