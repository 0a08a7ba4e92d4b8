#include "ops/partial.h"

#include <gtest/gtest.h>

#include <random>

#include "core/number.h"

namespace fanout::ops {
namespace {

std::string Key(std::initializer_list<std::string_view> fields) {
  std::string k;
  for (auto f : fields) AppendKeyField(&k, f);
  return k;
}

Partial RandomPartial(std::mt19937_64& rng, int groups, int rows) {
  Partial p(2);
  for (int i = 0; i < rows; ++i) {
    uint32_t g = p.Group(Key({std::to_string(rng() % groups), (rng() % 3 == 0) ? "" : "x"}));
    ++p.count(g);
    __int128 scaled = static_cast<__int128>(rng() % 100000) * 10000000;  // cents
    p.cell(g, 0).Add(static_cast<double>(scaled) / kDecimalScale, &scaled);
    p.cell(g, 1).Add(static_cast<double>(rng() % 1000) / 7, nullptr);
    ++p.stats().rows;
    if (rng() % 10 == 0) ++p.stats().skipped["too few fields"];
  }
  return p;
}

// Canonical text of a partial: groups sorted by key, independent of insertion order.
std::string Canonical(const Partial& p) {
  std::vector<std::string> lines;
  for (uint32_t g = 0; g < p.num_groups(); ++g) {
    std::string l = std::string(p.key(g)) + "|" + std::to_string(p.count(g));
    for (size_t a = 0; a < p.num_aggs(); ++a) {
      const AggCell& c = p.cell(g, a);
      l += "|" + FormatScaledDecimal(c.exact) + "|" + std::to_string(c.n) + "|" + FormatDouble(c.min) + "|" +
           FormatDouble(c.max);
    }
    lines.push_back(l);
  }
  std::sort(lines.begin(), lines.end());
  std::string out = std::to_string(p.stats().rows);
  for (const auto& [r, n] : p.stats().skipped) out += "|" + r + "=" + std::to_string(n);
  for (const auto& l : lines) out += "\n" + l;
  return out;
}

TEST(Partial, MergeIsAssociativeAndCommutative) {
  std::mt19937_64 rng(7);
  Partial a = RandomPartial(rng, 20, 500), b = RandomPartial(rng, 30, 300), c = RandomPartial(rng, 5, 100);
  Partial left(2), right(2);
  left.Merge(a);
  left.Merge(b);
  left.Merge(c);  // (a+b)+c
  Partial bc(2);
  bc.Merge(c);
  bc.Merge(b);
  right.Merge(bc);
  right.Merge(a);  // (c+b)+a
  EXPECT_EQ(Canonical(left), Canonical(right));
  uint64_t total = 0;
  for (uint32_t g = 0; g < left.num_groups(); ++g) total += left.count(g);
  EXPECT_EQ(total, 900u);
}

TEST(Partial, SerializeRoundTrips) {
  std::mt19937_64 rng(8);
  Partial p = RandomPartial(rng, 50, 1000);
  Result<Partial> back = Partial::Deserialize(p.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(Canonical(*back), Canonical(p));
}

TEST(Partial, DeserializeRejectsGarbageWithoutCrashing) {
  std::mt19937_64 rng(9);
  std::string good = RandomPartial(rng, 10, 100).Serialize();
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    EXPECT_FALSE(Partial::Deserialize(good.substr(0, cut)).ok()) << "truncated at " << cut;
  }
  for (int i = 0; i < 200; ++i) {
    std::string bad = good;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    (void)Partial::Deserialize(bad);  // may or may not parse; must not crash
  }
  EXPECT_FALSE(Partial::Deserialize("nonsense").ok());
}

TEST(GroupTable, KeepsDistinctKeysThroughGrowth) {
  GroupTable t;
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(t.FindOrInsert(std::to_string(i)), static_cast<uint32_t>(i));
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(t.FindOrInsert(std::to_string(i)), static_cast<uint32_t>(i));
  EXPECT_EQ(t.size(), 10000u);
  EXPECT_EQ(t.key(1234), "1234");
}

TEST(KeyEncoding, RoundTripsEmptyAndLongFields) {
  std::string long_field(300, 'z');
  std::string k = Key({"", "a,b", long_field});
  auto fields = DecodeKey(k);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0], "");
  EXPECT_EQ(fields[1], "a,b");
  EXPECT_EQ(fields[2], long_field);
}

}  // namespace
}  // namespace fanout::ops
