#include "ops/query.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ops/sink.h"

namespace fanout::ops {
namespace {

bool Yes(const Filter& f, std::string_view field) {
  Decimal scratch;
  return f.Test(field, &scratch) == FilterResult::kYes;
}

FilterResult TestField(const Filter& f, std::string_view field) {
  Decimal scratch;
  return f.Test(field, &scratch);
}

TEST(Filter, ParsesOperatorsAndQuotedValues) {
  auto f = Filter::Parse("passenger_count >= 2");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->op, CmpOp::kGe);
  EXPECT_TRUE(f->numeric);
  EXPECT_TRUE(Yes(*f, "2"));
  EXPECT_TRUE(Yes(*f, "10"));   // numeric, not "10" < "2" as text
  EXPECT_FALSE(Yes(*f, "1.5"));
  auto g = Filter::Parse("vendor_id != 'CMT'");
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->numeric);
  EXPECT_EQ(g->text, "CMT");
  EXPECT_TRUE(Yes(*g, "VTS"));
  EXPECT_FALSE(Yes(*g, "CMT"));
  auto h = Filter::Parse("3<\"x\"");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->column.index, 2);
  EXPECT_TRUE(Yes(*h, "a"));  // text comparison: "a" < "x"
  EXPECT_FALSE(Yes(*h, "y"));
  auto e = Filter::Parse("c == 5");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->op, CmpOp::kEq);
  auto q = Filter::Parse("city = 'a = b'");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->text, "a = b");
}

TEST(Filter, RejectsMalformed) {
  for (const char* bad : {"", "abc", "= 5", "|| > 3", "c >", "c = 'open", "c = \"", "c = 'mixed\""}) {
    EXPECT_FALSE(Filter::Parse(bad).ok()) << bad;
  }
}

// Regression (issue 11): '<>' parsed as '<' and the text '>5', '=>' as '=' and
// '>5', and so on — each silently kept everything or nothing.
TEST(Filter, UnknownOperatorIsAnError) {
  for (const char* bad : {"c <> 5", "c => 5", "c =< 5", "c >> 5", "c ! 5", "c ==> 5", "c === 5", "c !== 5",
                          "c <<= 5", "c=!5", "c >=< 5"}) {
    auto f = Filter::Parse(bad);
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(f.status().message().find("unknown operator"), std::string::npos) << f.status().message();
  }
}

// Regression (issue 11): 'trip_distance > ten' compared text with text.
TEST(Filter, UnquotedValueMustBeANumber) {
  for (const char* bad : {"trip_distance > ten", "c = CMT", "c != x", "c < 1e", "c = +-5", "c = 1e999", "c = 5 5"}) {
    auto f = Filter::Parse(bad);
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_NE(f.status().message().find("not a number"), std::string::npos) << f.status().message();
  }
  auto quoted = Filter::Parse("trip_distance > 'ten'");
  ASSERT_TRUE(quoted.ok());
  EXPECT_TRUE(Yes(*quoted, "zero"));  // text: "zero" > "ten"
}

TEST(Filter, QuotedNumberComparesAsText) {
  auto f = Filter::Parse("c > '10'");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->numeric);
  EXPECT_TRUE(Yes(*f, "9"));  // "9" > "10" as bytes
  EXPECT_FALSE(Yes(*f, "09"));
}

TEST(Filter, NumericComparisonSkipsFieldsThatAreNotNumbers) {
  auto f = Filter::Parse("c = 5");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(Yes(*f, "5.0"));  // 5.0 == 5
  EXPECT_TRUE(Yes(*f, "0.5e1"));
  EXPECT_EQ(TestField(*f, ""), FilterResult::kNotANumber);
  EXPECT_EQ(TestField(*f, "five"), FilterResult::kNotANumber);
  EXPECT_EQ(TestField(*f, "+-5"), FilterResult::kNotANumber);
  auto g = Filter::Parse("c = ''");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(Yes(*g, ""));
}

// Regression (issue 11): values were compared as doubles, so 2^53 + 1 was not
// above 2^53.
TEST(Filter, ComparesBigIntegersAndLongDecimalsExactly) {
  auto f = Filter::Parse("v > 9007199254740992");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(Yes(*f, "9007199254740993"));
  EXPECT_FALSE(Yes(*f, "9007199254740992"));
  EXPECT_FALSE(Yes(*f, "9007199254740992.0"));
  EXPECT_TRUE(Yes(*f, "9007199254740992.000000000001"));
  auto g = Filter::Parse("v = 0.1");
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(Yes(*g, "0.1000000000000000055511151231257827"));  // the double nearest 0.1 is not 0.1
  EXPECT_TRUE(Yes(*g, "1e-1"));
  auto h = Filter::Parse("v < 1e-30");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(Yes(*h, "0"));
  EXPECT_TRUE(Yes(*h, "-1e300"));
  EXPECT_FALSE(Yes(*h, "0.000000001"));
  auto big = Filter::Parse("v >= 123456789012345678901234567890");
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(Yes(*big, "123456789012345678901234567890"));
  EXPECT_FALSE(Yes(*big, "123456789012345678901234567889.999"));
}

// Every operator at its boundary: fields below, equal to (in other spellings
// too) and above the value, for plain, wide, negative and text values, against
// the operators' definitions. ('c <= 5' keeping only what is below 5 passed
// every test that compared with a value on one side of the boundary.)
TEST(Filter, EveryOperatorAtItsBoundary) {
  struct Value {
    const char* value;  // as written after the operator
    std::vector<const char*> below, equal, above;
  };
  const std::vector<Value> values = {
      {"5", {"4", "4.999999999", "-5", "0"}, {"5", "5.0", "0.5e1", "+5", "5.000000000000"}, {"5.000000001", "6", "1e1"}},
      {"2.5", {"2.4999", "-2.5"}, {"2.50", "25e-1"}, {"2.5000000001", "3"}},  // a wide field against a plain value
      {"1e-12", {"0", "9.99e-13", "-1"}, {"0.000000000001", "1e-12", "10e-13"}, {"1.0000000001e-12", "0.001"}},
      {"-3", {"-3.000000001", "-4e300"}, {"-3", "-3.0", "-0.3e1"}, {"-2.9", "0", "3"}},
      {"0", {"-0.000000001", "-1e-300"}, {"0", "-0", "0.0", "-0.0", "0e5"}, {"1e-300", "0.1"}},
      {"123456789012345678901234567890",
       {"123456789012345678901234567889", "123456789012345678901234567889.999"},
       {"123456789012345678901234567890", "123456789012345678901234567890.0", "1.2345678901234567890123456789e29"},
       {"123456789012345678901234567891", "1e30"}},
      {"'m'", {"l", "", "M", "lzzz"}, {"m"}, {"n", "ma", "m "}},  // text: byte-wise
  };
  struct Op {
    const char* text;
    bool below, equal, above;  // what the operator says of each side
  };
  const std::vector<Op> ops = {{"=", false, true, false},  {"==", false, true, false}, {"!=", true, false, true},
                               {"<", true, false, false},  {"<=", true, true, false}, {">", false, false, true},
                               {">=", false, true, true}};
  for (const Op& op : ops) {
    for (const Value& v : values) {
      std::string where = std::string("c ") + op.text + " " + v.value;
      auto f = Filter::Parse(where);
      ASSERT_TRUE(f.ok()) << where << ": " << f.status().message();
      for (auto [fields, want] : {std::pair{&v.below, op.below}, std::pair{&v.equal, op.equal},
                                  std::pair{&v.above, op.above}}) {
        for (const char* field : *fields) {
          EXPECT_EQ(TestField(*f, field), want ? FilterResult::kYes : FilterResult::kNo)
              << "--where '" << where << "' on the field '" << field << "'";
        }
      }
    }
  }
}

FieldSummary Numbers(std::string min, std::string max, uint64_t nulls = 0, bool nan = false) {
  FieldSummary s;
  s.known = true;
  s.numeric = true;
  s.may_hold_nan = nan;
  s.min = std::move(min);
  s.max = std::move(max);
  s.nulls = nulls;
  return s;
}

FieldSummary Texts(std::string min, std::string max, uint64_t nulls = 0) {
  FieldSummary s = Numbers(std::move(min), std::move(max), nulls);
  s.numeric = false;
  return s;
}

int Excluding(const std::vector<std::string>& wheres, const std::vector<FieldSummary>& fields, bool nan_ok = true,
              uint64_t* nulls = nullptr) {
  std::vector<Filter> filters;
  std::vector<size_t> slots;
  for (size_t i = 0; i < wheres.size(); ++i) {
    filters.push_back(Filter::Parse(wheres[i]).value());
    slots.push_back(i);
  }
  uint64_t n = 0;
  int f = ExcludingFilter(filters, slots, fields, nan_ok, &n);
  if (nulls != nullptr) *nulls = n;
  return f;
}

// Against brute force: a stretch is excluded only when no value in it passes.
TEST(ExcludingFilter, ExcludesExactlyWhenNoValueBetweenMinAndMaxPasses) {
  std::mt19937 rng(3);
  const char* ops[] = {"=", "!=", "<", "<=", ">", ">="};
  for (int trial = 0; trial < 3000; ++trial) {
    int lo = static_cast<int>(rng() % 20) - 10, hi = lo + static_cast<int>(rng() % 5);
    int v = static_cast<int>(rng() % 30) - 15;
    std::string op = ops[rng() % 6];
    std::string where = "c " + op + " " + std::to_string(v) + ".5";  // between integers: no equality
    if (rng() % 2) where = "c " + op + " " + std::to_string(v);
    Filter f = Filter::Parse(where).value();
    bool any = false;
    Decimal scratch;
    // (Values between min and max on a grid finer than the filters' values.)
    for (int x = 4 * lo; x <= 4 * hi; ++x) {
      any = any || f.Test(std::to_string(x / 4.0), &scratch) == FilterResult::kYes;
    }
    int got = Excluding({where}, {Numbers(std::to_string(lo), std::to_string(hi))});
    EXPECT_EQ(got, any ? -1 : 0) << where << " over [" << lo << ", " << hi << "]";
  }
}

TEST(ExcludingFilter, TextOrderNullsNaNsAndWhatIsNotKnown) {
  EXPECT_EQ(Excluding({"s = 'b'"}, {Texts("c", "d")}), 0);
  EXPECT_EQ(Excluding({"s = 'c'"}, {Texts("c", "d")}), -1);
  EXPECT_EQ(Excluding({"s < 'c'"}, {Texts("c", "d")}), 0);
  EXPECT_EQ(Excluding({"s < 'c'"}, {Texts("c", "d", 1)}), -1);  // NULL compares as "", which is < 'c'
  EXPECT_EQ(Excluding({"s >= 'e'"}, {Texts("c", "d", 4)}), 0);
  // A text filter over numbers, a numeric one over text: not by these orders.
  EXPECT_EQ(Excluding({"n = '5'"}, {Numbers("1", "2")}), -1);
  EXPECT_EQ(Excluding({"s > 5"}, {Texts("1", "2")}), -1);
  // Unknown statistics, and ends that are not numbers.
  EXPECT_EQ(Excluding({"n > 5"}, {FieldSummary{}}), -1);
  EXPECT_EQ(Excluding({"n > 5"}, {Numbers("1", "nan")}), -1);
  // NaN: only when the caller accepts that a NaN is not reported (not --strict).
  EXPECT_EQ(Excluding({"n > 5"}, {Numbers("1", "2", 0, true)}, true), 0);
  EXPECT_EQ(Excluding({"n > 5"}, {Numbers("1", "2", 0, true)}, false), -1);
  // NULLs under a numeric filter are rows it skips: told, when it is the first.
  uint64_t nulls = 0;
  EXPECT_EQ(Excluding({"n > 5"}, {Numbers("1", "2", 7)}, true, &nulls), 0);
  EXPECT_EQ(nulls, 7u);
  EXPECT_EQ(Excluding({"m > 0", "n > 5"}, {Numbers("1", "2"), Numbers("1", "2", 7)}, true, &nulls), -1);
  // A later filter excludes only when the earlier ones skip nothing.
  EXPECT_EQ(Excluding({"m > 0", "n > 5"}, {Numbers("1", "2"), Numbers("1", "2")}, true, &nulls), 1);
  EXPECT_EQ(nulls, 0u);
  EXPECT_EQ(Excluding({"m > 0", "n > 5"}, {Numbers("1", "2", 1), Numbers("1", "2")}), -1);
  EXPECT_EQ(Excluding({"s = 'x'", "n > 5"}, {Texts("a", "b", 3), Numbers("1", "2")}), 0);
  EXPECT_EQ(Excluding({"s = 'a'", "n > 5"}, {Texts("a", "b", 3), Numbers("1", "2")}), 1);
  // Exact decimals and big integers, as the filters compare them.
  EXPECT_EQ(Excluding({"n > 9007199254740992"}, {Numbers("0", "9007199254740992")}), 0);
  EXPECT_EQ(Excluding({"n > 9007199254740992"}, {Numbers("0", "9007199254740993")}), -1);
  EXPECT_EQ(Excluding({"n >= 2.50"}, {Numbers("1", "2.49")}), 0);
}

TEST(Resolve, ByNamePerHeaderAndByIndex) {
  csv::HeaderInfo h2009, h2015;
  h2009.present = h2015.present = true;
  h2009.names = {"vendor_name", "passenger_count", "total_amt"};
  h2015.names = {"vendorid", "x", "passenger_count", "total_amount"};
  Query q;
  q.keys = {*csv::ColumnSpec::Parse("Passenger_Count")};
  q.aggs.push_back({AggKind::kSum, *csv::ColumnSpec::Parse("total_amount|total_amt")});
  auto r1 = Resolve(q, h2009, "a.csv");
  auto r2 = Resolve(q, h2015, "b.csv");
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->keys[0], 1);
  EXPECT_EQ(r1->aggs[0], 2);
  EXPECT_EQ(r2->keys[0], 2);
  EXPECT_EQ(r2->aggs[0], 3);
  EXPECT_EQ(r2->min_fields, 4u);
  q.keys = {*csv::ColumnSpec::Parse("fare")};
  auto bad = Resolve(q, h2015, "b.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("b.csv"), std::string::npos);
  EXPECT_NE(bad.status().message().find("fare"), std::string::npos);
}

// The where tree's value over named fields: `row` maps each filter's column
// label to its value.
FilterResult Eval(const Where& w, const std::map<std::string, std::string>& row, size_t* unknown = nullptr) {
  size_t u = 0;
  Decimal scratch;
  FilterResult r = TestWhere(
      w.filters, w.tree, [&](size_t i) -> std::string_view { return row.at(w.filters[i].column.label); }, &scratch,
      &u);
  if (unknown != nullptr) *unknown = u;
  return r;
}

Where MustParse(std::vector<std::string> texts) {
  Result<Where> w = ParseWhere(texts);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? std::move(w).value() : Where();
}

TEST(Where, AndAloneNeedsNoTree) {
  Where w = MustParse({"a = 1 AND (b = 2 AND c BETWEEN 1 AND 3)", "d IS NULL"});
  EXPECT_TRUE(w.tree.empty());
  ASSERT_EQ(w.filters.size(), 5u);  // BETWEEN is two
  EXPECT_EQ(w.filters[2].op, CmpOp::kGe);
  EXPECT_EQ(w.filters[3].op, CmpOp::kLe);
  EXPECT_EQ(w.filters[4].kind, Filter::Kind::kIsNull);
}

// NOT binds tighter than AND, AND than OR; parentheses group; keywords in any case.
TEST(Where, PrecedenceAsInSql) {
  Where w = MustParse({"a = 1 OR b = 1 AND c = 1"});  // a OR (b AND c)
  EXPECT_FALSE(w.tree.empty());
  EXPECT_EQ(Eval(w, {{"a", "1"}, {"b", "0"}, {"c", "0"}}), FilterResult::kYes);
  EXPECT_EQ(Eval(w, {{"a", "0"}, {"b", "1"}, {"c", "0"}}), FilterResult::kNo);
  EXPECT_EQ(Eval(w, {{"a", "0"}, {"b", "1"}, {"c", "1"}}), FilterResult::kYes);
  Where g = MustParse({"(a = 1 or b = 1) and c = 1"});
  EXPECT_EQ(Eval(g, {{"a", "1"}, {"b", "0"}, {"c", "0"}}), FilterResult::kNo);
  EXPECT_EQ(Eval(g, {{"a", "0"}, {"b", "1"}, {"c", "1"}}), FilterResult::kYes);
  Where n = MustParse({"NOT a = 1 AND b = 1"});  // (NOT a) AND b
  EXPECT_EQ(Eval(n, {{"a", "0"}, {"b", "1"}}), FilterResult::kYes);
  EXPECT_EQ(Eval(n, {{"a", "0"}, {"b", "0"}}), FilterResult::kNo);
  EXPECT_EQ(Eval(n, {{"a", "1"}, {"b", "1"}}), FilterResult::kNo);
  Where nn = MustParse({"not not (a = 1)"});
  EXPECT_EQ(Eval(nn, {{"a", "1"}}), FilterResult::kYes);
  // Several --where must all hold, each with its own ORs.
  Where two = MustParse({"a = 1 OR a = 2", "b = 1 OR b = 2"});
  EXPECT_EQ(Eval(two, {{"a", "2"}, {"b", "1"}}), FilterResult::kYes);
  EXPECT_EQ(Eval(two, {{"a", "2"}, {"b", "3"}}), FilterResult::kNo);
  // BETWEEN's AND is its own; NOT IN, IS NOT NULL and functions stay conditions.
  Where b = MustParse({"a BETWEEN 1 AND 3 OR b NOT IN (1, 2) AND year(t) IS NOT NULL"});
  EXPECT_EQ(b.filters.size(), 4u);
  EXPECT_EQ(Eval(b, {{"a", "2"}, {"b", "1"}, {"year(t)", ""}}), FilterResult::kYes);
  EXPECT_EQ(Eval(b, {{"a", "5"}, {"b", "3"}, {"year(t)", "2019-01-01 00:00:00"}}), FilterResult::kYes);
  EXPECT_EQ(Eval(b, {{"a", "5"}, {"b", "3"}, {"year(t)", ""}}), FilterResult::kNo);
  // A word that only starts like a keyword is a column.
  Where words = MustParse({"order = 1 OR notes = 'x' OR android = 2"});
  EXPECT_EQ(words.filters.size(), 3u);
  EXPECT_EQ(words.filters[1].column.label, "notes");
  EXPECT_EQ(words.filters[2].column.label, "android");
}

// A value that is not a number makes its condition unknown, and the whole is
// unknown only when the known parts do not decide it (SQL's logic, so the kept
// rows are SQL's); the unknown names the condition that made it so.
TEST(Where, NotANumberIsUnknown) {
  Where w = MustParse({"a > 5 OR b > 5"});
  size_t unknown = 99;
  EXPECT_EQ(Eval(w, {{"a", "x"}, {"b", "9"}}), FilterResult::kYes);
  EXPECT_EQ(Eval(w, {{"a", "x"}, {"b", "1"}}, &unknown), FilterResult::kNotANumber);
  EXPECT_EQ(unknown, 0u);
  EXPECT_EQ(Eval(w, {{"a", "1"}, {"b", "y"}}, &unknown), FilterResult::kNotANumber);
  EXPECT_EQ(unknown, 1u);
  Where a = MustParse({"(a > 5 OR c = 1) AND b > 5"});
  EXPECT_EQ(Eval(a, {{"a", "x"}, {"b", "1"}, {"c", "0"}}), FilterResult::kNo);  // false decides AND
  EXPECT_EQ(Eval(a, {{"a", "x"}, {"b", "9"}, {"c", "0"}}, &unknown), FilterResult::kNotANumber);
  EXPECT_EQ(unknown, 0u);
  Where n = MustParse({"NOT a > 5 OR b = 1"});
  EXPECT_EQ(Eval(n, {{"a", ""}, {"b", "0"}}), FilterResult::kNotANumber);  // NOT unknown is unknown
  EXPECT_EQ(Eval(n, {{"a", ""}, {"b", "1"}}), FilterResult::kYes);
  // AND alone: in order, the first unknown decides (as before trees).
  Where c = MustParse({"a > 5 AND b > 5"});
  EXPECT_EQ(Eval(c, {{"a", "x"}, {"b", "1"}}, &unknown), FilterResult::kNotANumber);
  EXPECT_EQ(unknown, 0u);
  EXPECT_EQ(Eval(c, {{"a", "1"}, {"b", "x"}}), FilterResult::kNo);
}

TEST(Where, ErrorsPointAtThePosition) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"a = 1 OR", "expected a condition at position 9"},
      {"a = 1 AND OR b = 2", "expected a condition at position 11"},
      {"(a = 1", "a '(' that does not close at position 1"},
      {"a = 1)", "a ')' that closes nothing at position 6"},
      {"NOT", "expected a condition at position 4"},
      {"()", "expected a condition at position 2"},
      {"a = 1 OR (b = 2 AND year(c) = 3", "a '(' that does not close at position 10"},
      {"a = 'x", "a quote that does not close at position 5"},
      {"a = 1 OR b <> 2", "unknown operator '<>'"},
      {"a = 1 OR b > ten", "'ten' is not a number"},
      {"a BETWEEN 1 OR 2", "expected 'COL BETWEEN LOW AND HIGH'"},
  };
  for (const Case& c : cases) {
    Result<Where> w = ParseWhere({c.text});
    ASSERT_FALSE(w.ok()) << c.text;
    EXPECT_NE(w.status().message().find(c.says), std::string::npos) << c.text << ": " << w.status().message();
    EXPECT_EQ(w.status().message().rfind("invalid --where '", 0), 0u) << w.status().message();
  }
}

}  // namespace
}  // namespace fanout::ops
