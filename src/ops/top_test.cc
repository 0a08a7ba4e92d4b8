#include "ops/top.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

namespace fanout::ops {
namespace {

TopRow Row(const std::string& value, uint32_t object, uint64_t at) {
  TopRow r;
  EXPECT_TRUE(r.value.Parse(value)) << value;
  r.value_text = value;
  r.object = object;
  r.at = at;
  r.fields = {value};
  return r;
}

std::vector<std::string> Order(TopRows rows) {
  std::vector<std::string> out;
  for (const TopRow& r : rows.TakeSorted()) {
    out.push_back(r.value_text + "@" + std::to_string(r.object) + ":" + std::to_string(r.at));
  }
  return out;
}

TEST(TopValue, ComparesExactlyAcrossPlainAndWide) {
  TopValue a, b, c, d;
  ASSERT_TRUE(a.Parse("9007199254740993"));
  ASSERT_TRUE(b.Parse("9007199254740992"));
  ASSERT_TRUE(c.Parse("1e40"));           // wider than the fixed point
  ASSERT_TRUE(d.Parse("0.0000000001"));  // finer than it
  EXPECT_GT(TopValue::Compare(a, b), 0);
  EXPECT_GT(TopValue::Compare(c, a), 0);
  EXPECT_LT(TopValue::Compare(d, b), 0);
  TopValue zero, tiny;
  ASSERT_TRUE(zero.Parse("0"));
  ASSERT_TRUE(tiny.Parse("-0.0000000001"));
  EXPECT_GT(TopValue::Compare(zero, tiny), 0);
  EXPECT_GT(TopValue::Compare(d, zero), 0);
  TopValue e;
  ASSERT_TRUE(e.Parse("2.50"));
  ASSERT_TRUE(a.Parse("2.5"));
  EXPECT_EQ(TopValue::Compare(a, e), 0);
  EXPECT_FALSE(e.Parse("nan"));
  EXPECT_FALSE(e.Parse(""));
}

// Ties are broken by object, then position, earlier first in either direction.
TEST(TopRows, KeepsTheBestNWithTiesByObjectThenPosition) {
  TopRows desc(3, true);
  for (TopRow r : {Row("5", 1, 10), Row("7", 0, 3), Row("5", 0, 90), Row("5", 1, 2), Row("2", 0, 1)}) {
    desc.Offer(std::move(r));
  }
  EXPECT_EQ(Order(std::move(desc)), (std::vector<std::string>{"7@0:3", "5@0:90", "5@1:2"}));
  TopRows asc(2, false);
  for (TopRow r : {Row("5", 1, 10), Row("7", 0, 3), Row("2", 2, 9), Row("2", 1, 50), Row("5", 0, 1)}) {
    asc.Offer(std::move(r));
  }
  EXPECT_EQ(Order(std::move(asc)), (std::vector<std::string>{"2@1:50", "2@2:9"}));
  TopRows none(0, true);
  none.Offer(Row("1", 0, 0));
  EXPECT_EQ(none.size(), 0u);
}

// Split into any tasks, each keeping its own best N and merged in any order,
// the answer is the best N of all rows.
TEST(TopRows, AnySplitAndMergeOrderGivesTheSameAnswer) {
  std::mt19937 rng(7);
  std::vector<TopRow> all;
  for (uint32_t o = 0; o < 4; ++o) {
    for (uint64_t at = 0; at < 200; ++at) {
      all.push_back(Row(std::to_string(rng() % 20) + (rng() % 2 ? ".5" : ""), o, at * 10));
    }
  }
  for (bool desc : {true, false}) {
    TopRows whole(25, desc);
    for (const TopRow& r : all) whole.Offer(TopRow(r));
    std::vector<std::string> want = Order(std::move(whole));
    ASSERT_EQ(want.size(), 25u);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<TopRows> tasks;
      size_t at = 0;
      while (at < all.size()) {
        size_t len = 1 + rng() % 150;
        TopRows t(25, desc);
        for (size_t i = at; i < std::min(all.size(), at + len); ++i) t.Offer(TopRow(all[i]));
        tasks.push_back(std::move(t));
        at += len;
      }
      std::shuffle(tasks.begin(), tasks.end(), rng);
      TopRows merged(25, desc);
      for (TopRows& t : tasks) merged.Merge(std::move(t));
      EXPECT_EQ(Order(std::move(merged)), want) << "trial " << trial;
    }
  }
}

TEST(TopRows, SetObjectKeepsTheOrder) {
  TopRows t(2, true);
  t.Offer(Row("1", 0, 5));
  t.Offer(Row("1", 0, 4));
  t.Offer(Row("3", 0, 9));
  t.SetObject(6);
  EXPECT_EQ(Order(std::move(t)), (std::vector<std::string>{"3@6:9", "1@6:4"}));
}

// A row group whose best value cannot beat the worst row kept is not read —
// a tie neither (its rows come later) — but only when it holds numbers alone.
TEST(TopSink, SkipsRowGroupsThatCannotEnter) {
  Query q;
  q.aggs.push_back({AggKind::kMax, *csv::ColumnSpec::Parse("1")});
  q.keys.push_back(*csv::ColumnSpec::Parse("1"));
  ResolvedQuery rq;
  rq.keys = {0};
  rq.aggs = {0};
  rq.min_fields = 1;
  RowStats stats;
  TopRows top(2, true);
  TopSink sink(q, rq, false, 1, UINT64_MAX, false, &stats, &top);
  auto summary = [](const char* min, const char* max, bool nan, uint64_t nulls) {
    FieldSummary s;
    s.known = s.numeric = true;
    s.min = min;
    s.max = max;
    s.may_hold_nan = nan;
    s.nulls = nulls;
    return std::vector<FieldSummary>{s};
  };
  bool read = false;
  ASSERT_TRUE(sink.OnRowGroup(summary("1", "2", false, 0), 3, &read).ok());
  EXPECT_TRUE(read);  // nothing kept yet
  std::string_view values[] = {"5", "7", "1"};
  ColumnBatch batch;
  batch.rows = 3;
  batch.columns.push_back(BatchColumn(values));
  ASSERT_TRUE(sink.OnBatch(batch).ok());  // keeps 7 and 5
  for (auto [max, nan, nulls, want] : {std::tuple{"4", false, 0, false}, {"5", false, 0, false}, {"6", false, 0, true},
                                       {"4", true, 0, true}, {"4", false, 1, true}}) {
    ASSERT_TRUE(sink.OnRowGroup(summary("0", max, nan, static_cast<uint64_t>(nulls)), 10, &read).ok());
    EXPECT_EQ(read, want) << max << " nan " << nan << " nulls " << nulls;
  }
  EXPECT_EQ(stats.row_groups, 6u);
  EXPECT_EQ(stats.row_groups_skipped, 2u);
  EXPECT_EQ(stats.rows, 3u + 20u);
}

}  // namespace
}  // namespace fanout::ops
