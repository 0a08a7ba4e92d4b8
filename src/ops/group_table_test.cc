#include "ops/group_table.h"

#include <gtest/gtest.h>

#include "ops/group_memory.h"
#include "ops/partial.h"

namespace fanout::ops {
namespace {

TEST(GroupTable, FindsEveryKeyAfterTheIndexIsReleased) {
  GroupTable t;
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(t.FindOrInsert("k" + std::to_string(i)), static_cast<uint32_t>(i));
  size_t with_index = t.MemoryBytes();
  t.ReleaseIndex();
  EXPECT_LT(t.MemoryBytes(), with_index);
  EXPECT_EQ(t.key(4321), "k4321");
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(t.FindOrInsert("k" + std::to_string(i)), static_cast<uint32_t>(i));
  EXPECT_EQ(t.FindOrInsert("new"), 5000u);
  EXPECT_EQ(t.size(), 5001u);
}

TEST(GroupTable, KeysThatShareAHashHalfStayApart) {
  // Same tag (upper hash half) and same slot are both possible; equality of
  // the bytes decides. Forced here by passing every key the same hash (fewer
  // keys than make the index grow: growing hashes the keys themselves).
  GroupTable t;
  constexpr int kKeys = 40;
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(t.FindOrInsert(std::to_string(i), 42), static_cast<uint32_t>(i));
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(t.FindOrInsert(std::to_string(i), 42), static_cast<uint32_t>(i));
  EXPECT_EQ(t.size(), static_cast<size_t>(kKeys));
}

TEST(NextKeyField, WalksFieldsAndSurvivesGarbage) {
  std::string k;
  AppendKeyField(&k, "");
  AppendKeyField(&k, std::string(200, 'x'));
  AppendKeyField(&k, "z");
  std::string_view rest = k, f;
  ASSERT_TRUE(NextKeyField(&rest, &f));
  EXPECT_EQ(f, "");
  ASSERT_TRUE(NextKeyField(&rest, &f));
  EXPECT_EQ(f, std::string(200, 'x'));
  ASSERT_TRUE(NextKeyField(&rest, &f));
  EXPECT_EQ(f, "z");
  EXPECT_FALSE(NextKeyField(&rest, &f));
  std::string garbage(20, '\xff');  // a varint that never ends, and lengths past the end
  rest = garbage;
  while (NextKeyField(&rest, &f)) {
  }
  EXPECT_TRUE(rest.empty());
}

TEST(GroupMemory, TablesAreChargedAndGiveTheirBytesBack) {
  uint64_t before = GroupMemoryUsed();
  {
    Partial p(1);
    for (int i = 0; i < 10000; ++i) p.Group("key" + std::to_string(i));
    EXPECT_GE(GroupMemoryUsed(), before + 10000 * (sizeof(uint64_t) * 2 + sizeof(AggCell)));
    Partial moved = std::move(p);
    EXPECT_GE(GroupMemoryUsed(), before + 10000 * sizeof(AggCell));
  }
  EXPECT_EQ(GroupMemoryUsed(), before);
}

TEST(GroupMemory, PastTheLimitNewKeysFailAndOldOnesStillCount) {
  SetGroupMemoryLimit(GroupMemoryUsed() + (1 << 20));
  Partial p(0);
  uint32_t g = Partial::kNoGroup;
  int made = 0;
  for (; made < 1000000; ++made) {
    std::string key = "a fairly long key number " + std::to_string(made);
    g = p.TryGroup(key, GroupTable::Hash(key));
    if (g == Partial::kNoGroup) break;
  }
  EXPECT_EQ(g, Partial::kNoGroup);
  EXPECT_GT(made, 1000);
  std::string old = "a fairly long key number 0";
  EXPECT_EQ(p.TryGroup(old, GroupTable::Hash(old)), 0u);
  EXPECT_NE(GroupMemoryError().message().find("--max-group-memory"), std::string::npos);
  Partial q(0);
  Status st = q.Merge(p);
  EXPECT_FALSE(st.ok());
  SetGroupMemoryLimit(0);
  EXPECT_TRUE(Partial(0).Merge(p).ok());
}

TEST(Partial, MovingMergeKeepsEveryCount) {
  Partial small(0), big(0);
  for (int i = 0; i < 10; ++i) small.count(small.Group(std::to_string(i))) += 1;
  for (int i = 0; i < 1000; ++i) big.count(big.Group(std::to_string(i))) += 2;
  big.stats().rows = 7;
  small.stats().rows = 3;
  ASSERT_TRUE(small.Merge(std::move(big)).ok());
  EXPECT_EQ(big.num_groups(), 0u);
  ASSERT_EQ(small.num_groups(), 1000u);
  uint64_t total = 0;
  for (uint32_t g = 0; g < small.num_groups(); ++g) total += small.count(g);
  EXPECT_EQ(total, 10u + 2000u);
  EXPECT_EQ(small.stats().rows, 10u);
  EXPECT_EQ(small.count(small.Group("3")), 3u);
}

}  // namespace
}  // namespace fanout::ops
