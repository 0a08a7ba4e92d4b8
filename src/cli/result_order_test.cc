#include "cli/result_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/number.h"
#include "csv/header.h"

namespace fanout::cli {
namespace {

std::string Key(const std::vector<std::string>& fields) {
  std::string k;
  for (const auto& f : fields) ops::AppendKeyField(&k, f);
  return k;
}

// The documented order, written the plain way: decoded fields, parsed on every
// comparison (what the output did before the sort keys were precomputed).
bool PlainFieldLess(std::string_view a, std::string_view b) {
  double x, y;
  bool na = ParseDouble(a, &x), nb = ParseDouble(b, &y);
  if (na != nb) return na;
  if (na && x != y) return x < y;
  return a < b;
}

bool PlainLess(const ops::Partial& p, uint32_t a, uint32_t b) {
  if (p.count(a) != p.count(b)) return p.count(a) > p.count(b);
  std::vector<std::string_view> fa = ops::DecodeKey(p.key(a)), fb = ops::DecodeKey(p.key(b));
  for (size_t i = 0; i < fa.size() && i < fb.size(); ++i) {
    if (PlainFieldLess(fa[i], fb[i])) return true;
    if (PlainFieldLess(fb[i], fa[i])) return false;
  }
  return fa.size() < fb.size();
}

std::vector<uint32_t> PlainOrder(const ops::Partial& p) {
  std::vector<uint32_t> order(p.num_groups());
  for (uint32_t g = 0; g < order.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return PlainLess(p, a, b); });
  return order;
}

// Fields that meet at every edge of the precomputed prefix: numbers that are
// equal as values but not as text, -0, huge and tiny magnitudes, text sharing
// its first 8 bytes, bytes above 0x7f, NUL, empty fields.
std::string RandomField(std::mt19937_64& rng) {
  static const std::vector<std::string> kPool = {
      "", "0", "-0", "0.0", "+0", "1", "1.0", "01", " 1", "1 ", "-1", "-1.5", "2", "10", "9", "1e3", "1000",
      "1e308", "-1e308", "4.9e-324", "-4.9e-324", "9007199254740993", "9007199254740992", "abc", "abcdefgh",
      "abcdefghi", "abcdefgh\x01", "abcdefgg\xff", "\xff", "\x80", std::string("a\0b", 3), "a", "A", "nan", "inf", "-",
      ".", "1.", ".5", "0x10", "12345678901234567890", std::string("abcdefgh\0", 9)};
  std::string f = kPool[rng() % kPool.size()];
  if (rng() % 4 == 0) f += static_cast<char>('a' + rng() % 3);
  return f;
}

ops::Partial RandomPartial(std::mt19937_64& rng, int keys, int fields) {
  ops::Partial p(0);
  for (int i = 0; i < keys; ++i) {
    std::vector<std::string> k;
    for (int f = 0; f < fields; ++f) k.push_back(RandomField(rng));
    p.count(p.Group(Key(k))) += 1 + rng() % 3;
  }
  return p;
}

TEST(OrderGroups, MatchesThePlainOrderOnEdgeCases) {
  std::mt19937_64 rng(11);
  for (int fields = 1; fields <= 3; ++fields) {
    for (int round = 0; round < 20; ++round) {
      ops::Partial p = RandomPartial(rng, 300, fields);
      EXPECT_EQ(OrderGroups(p, -1), PlainOrder(p)) << fields << " fields, round " << round;
    }
  }
}

TEST(OrderGroups, ThreadsSortSlicesAndMergeThemToTheSameOrder) {
  std::mt19937_64 rng(13);
  ops::Partial p(0);
  for (int i = 0; i < 100000; ++i) {
    std::string k = rng() % 2 ? std::to_string(rng() % 50000) : RandomField(rng) + std::to_string(rng() % 1000);
    p.count(p.Group(Key({k}))) += 1 + rng() % 2;
  }
  ASSERT_GT(p.num_groups(), size_t{1} << 16);  // enough for slices
  std::vector<uint32_t> want = PlainOrder(p);
  for (int threads : {1, 2, 3, 4, 7}) EXPECT_EQ(OrderGroups(p, -1, threads), want) << threads << " threads";
}

TEST(OrderGroups, TopIsThePrefixOfTheFullOrder) {
  std::mt19937_64 rng(12);
  ops::Partial p = RandomPartial(rng, 500, 2);
  std::vector<uint32_t> all = PlainOrder(p);
  for (int64_t top : {0, 1, 2, 7, 100, static_cast<int>(all.size()) - 1, static_cast<int>(all.size()),
                      static_cast<int>(all.size()) + 5}) {
    std::vector<uint32_t> want(all.begin(), all.begin() + std::min<size_t>(all.size(), static_cast<size_t>(top)));
    EXPECT_EQ(OrderGroups(p, top), want) << "top " << top;
  }
}

TEST(OrderGroups, CountsAbove32BitsStillOrderExactly) {
  ops::Partial p(0);
  const uint64_t big = uint64_t{1} << 32;
  p.count(p.Group(Key({"a"}))) = big + 1;
  p.count(p.Group(Key({"b"}))) = big + 7;
  p.count(p.Group(Key({"c"}))) = big - 1;  // the cap itself
  p.count(p.Group(Key({"d"}))) = big + 1;
  p.count(p.Group(Key({"e"}))) = 3;
  std::vector<std::string> got;
  for (uint32_t g : OrderGroups(p, -1)) got.push_back(std::string(ops::DecodeKey(p.key(g))[0]));
  EXPECT_EQ(got, (std::vector<std::string>{"b", "a", "d", "c", "e"}));
  EXPECT_EQ(OrderGroups(p, -1), PlainOrder(p));
}

TEST(OrderGroups, NumbersBeforeTextAndCountsFirst) {
  ops::Partial p(0);
  for (const char* k : {"b", "10", "9", "", "a", "-2.5"}) p.count(p.Group(Key({k}))) = 1;
  p.count(p.Group(Key({"z"}))) = 5;
  std::vector<std::string> got;
  for (uint32_t g : OrderGroups(p, -1)) got.push_back(std::string(ops::DecodeKey(p.key(g))[0]));
  EXPECT_EQ(got, (std::vector<std::string>{"z", "-2.5", "9", "10", "", "a", "b"}));
}

TEST(KeyLess, FewerFieldsFirstThenFieldByField) {
  EXPECT_TRUE(KeyLess(Key({"a"}), Key({"a", "b"})));
  EXPECT_FALSE(KeyLess(Key({"a", "b"}), Key({"a"})));
  EXPECT_TRUE(KeyLess(Key({"2", "z"}), Key({"10", "a"})));
  EXPECT_FALSE(KeyLess(Key({"x"}), Key({"x"})));
}

ops::Query SortQuery() {
  ops::Query q;
  q.keys.push_back(*csv::ColumnSpec::Parse("passenger_count"));
  q.keys.push_back(*csv::ColumnSpec::Parse("3"));
  q.aggs.push_back({ops::AggKind::kSum, *csv::ColumnSpec::Parse("total_amount|total_amt")});
  return q;
}

TEST(Sort, ParsesColumnsOfTheResultAndRefusesOthers) {
  ops::Query q = SortQuery();
  Result<std::vector<SortKey>> s = ParseSort("passenger_count:desc,3,sum_total_amount,COUNT:asc", q);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 4u);
  EXPECT_EQ((*s)[0].kind, SortKey::Kind::kKey);
  EXPECT_EQ((*s)[0].index, 0u);
  EXPECT_TRUE((*s)[0].desc);
  EXPECT_EQ((*s)[1].kind, SortKey::Kind::kKey);
  EXPECT_EQ((*s)[1].index, 1u);
  EXPECT_EQ((*s)[2].kind, SortKey::Kind::kAgg);
  EXPECT_EQ((*s)[3].kind, SortKey::Kind::kCount);
  EXPECT_FALSE((*s)[3].desc);
  for (const char* bad : {"fare", "count:down", "", "count,", "sum_fare"}) {
    Result<std::vector<SortKey>> r = ParseSort(bad, q);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().rfind("--sort: ", 0), 0u) << r.status().message();
    }
  }
}

// By a key descending, then the count: empty keys last either way; rows equal
// in every sort column keep the default order; --top is the prefix.
TEST(Sort, OrdersByEachColumnInTurnAndKeepsATotalOrder) {
  ops::Query q = SortQuery();
  ops::Partial p(1);
  auto add = [&](const std::string& a, const std::string& b, uint64_t n, int64_t cents) {
    uint32_t g = p.Group(Key({a, b}));
    p.count(g) = n;
    for (uint64_t i = 0; i < n; ++i) p.cell(g, 0).AddPlain(static_cast<__int128>(cents) * 10000000);
  };
  add("1", "x", 5, 100);
  add("", "x", 9, 100);
  add("2", "y", 3, 900);
  add("10", "x", 3, 50);
  add("2", "x", 7, 10);
  std::vector<SortKey> by = *ParseSort("passenger_count:desc,count:desc", q);
  std::vector<std::string> got;
  for (uint32_t g : OrderGroupsBy(p, q, by, -1)) got.push_back(std::string(ops::DecodeKey(p.key(g))[0]) + "/" + std::to_string(p.count(g)));
  EXPECT_EQ(got, (std::vector<std::string>{"10/3", "2/7", "2/3", "1/5", "/9"}));
  // Ascending: numbers by value (2 before 10), the empty key still last.
  got.clear();
  for (uint32_t g : OrderGroupsBy(p, q, *ParseSort("passenger_count", q), -1)) {
    got.push_back(std::string(ops::DecodeKey(p.key(g))[0]));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "2", "10", ""}));
  // By the exact sum, descending: 2/y's 27.00 first; ties (1/x and the empty key
  // both 5.00 ... 9.00) by the default order.
  std::vector<uint32_t> by_sum = OrderGroupsBy(p, q, *ParseSort("sum_total_amount:desc", q), 2);
  ASSERT_EQ(by_sum.size(), 2u);
  EXPECT_EQ(ops::DecodeKey(p.key(by_sum[0]))[0], "2");
  EXPECT_EQ(p.count(by_sum[0]), 3u);
  EXPECT_EQ(ops::DecodeKey(p.key(by_sum[1]))[0], "");  // 9.00
  // Equal in every sort column: the default order (count descending first).
  std::vector<uint32_t> by_b = OrderGroupsBy(p, q, *ParseSort("3", q), -1);
  EXPECT_EQ(p.count(by_b[0]), 9u);
}

}  // namespace
}  // namespace fanout::cli
