#include "ops/query.h"

#include <gtest/gtest.h>

namespace fanout::ops {
namespace {

TEST(Filter, ParsesOperatorsAndQuotedValues) {
  auto f = Filter::Parse("passenger_count >= 2");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->op, CmpOp::kGe);
  EXPECT_TRUE(f->value_is_number);
  EXPECT_TRUE(f->Matches("2"));
  EXPECT_TRUE(f->Matches("10"));   // numeric, not "10" < "2" as text
  EXPECT_FALSE(f->Matches("1.5"));
  auto g = Filter::Parse("vendor_id != 'CMT'");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->value, "CMT");
  EXPECT_TRUE(g->Matches("VTS"));
  EXPECT_FALSE(g->Matches("CMT"));
  auto h = Filter::Parse("3<x");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->column.index, 2);
  EXPECT_TRUE(h->Matches("a"));  // text comparison: "a" < "x"
  EXPECT_FALSE(h->Matches("y"));
}

TEST(Filter, RejectsMalformed) {
  for (const char* bad : {"", "abc", "= 5", "|| > 3"}) EXPECT_FALSE(Filter::Parse(bad).ok()) << bad;
}

TEST(Filter, TextComparisonWhenEitherSideIsNotANumber) {
  auto f = Filter::Parse("c = 5");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Matches("5.0"));  // both numbers: 5.0 == 5
  EXPECT_FALSE(f->Matches(""));    // empty is text
  auto g = Filter::Parse("c = ''");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->Matches(""));
}

TEST(ColumnList, RangesAndNames) {
  auto cols = ParseColumnList("1-3,name|alt,7", true);
  ASSERT_TRUE(cols.ok());
  ASSERT_EQ(cols->size(), 5u);
  EXPECT_EQ((*cols)[2].index, 2);
  EXPECT_EQ((*cols)[3].label, "name");
  EXPECT_EQ((*cols)[3].names.size(), 2u);
  EXPECT_FALSE(ParseColumnList("3-1", true).ok());
  EXPECT_FALSE(ParseColumnList("a,,b").ok());
  EXPECT_FALSE(ParseColumnList("0").ok());
}

TEST(Resolve, ByNamePerHeaderAndByIndex) {
  csv::HeaderInfo h2009, h2015;
  h2009.present = h2015.present = true;
  h2009.names = {"vendor_name", "passenger_count", "total_amt"};
  h2015.names = {"vendorid", "x", "passenger_count", "total_amount"};
  Query q;
  q.keys = *ParseColumnList("Passenger_Count");
  q.aggs.push_back({AggKind::kSum, *csv::ColumnSpec::Parse("total_amount|total_amt")});
  auto r1 = Resolve(q, h2009, "a.csv");
  auto r2 = Resolve(q, h2015, "b.csv");
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->keys[0], 1);
  EXPECT_EQ(r1->aggs[0], 2);
  EXPECT_EQ(r2->keys[0], 2);
  EXPECT_EQ(r2->aggs[0], 3);
  EXPECT_EQ(r2->min_fields, 4u);
  q.keys = *ParseColumnList("fare");
  auto bad = Resolve(q, h2015, "b.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("b.csv"), std::string::npos);
  EXPECT_NE(bad.status().message().find("fare"), std::string::npos);
}

}  // namespace
}  // namespace fanout::ops
