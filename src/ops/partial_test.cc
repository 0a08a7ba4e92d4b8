#include "ops/partial.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "core/number.h"

namespace fanout::ops {
namespace {

std::string Key(std::initializer_list<std::string_view> fields) {
  std::string k;
  for (auto f : fields) AppendKeyField(&k, f);
  return k;
}

Decimal Dec(std::string_view text) {
  Decimal d;
  EXPECT_TRUE(ParseDecimal(text, &d)) << text;
  return d;
}

// A number that is not plain: an exponent form with many digits.
Decimal RandomWide(std::mt19937_64& rng) {
  std::string t = (rng() % 2 ? "-" : "") + std::to_string(rng() % 1000) + "." + std::to_string(rng()) + "e" +
                  std::to_string(static_cast<int>(rng() % 60) - 30);
  Decimal d = Dec(t);
  __int128 unused;
  if (DecimalToScaled(d, &unused)) d = Dec("1.0000000001");  // keep it wide
  return d;
}

Partial RandomPartial(std::mt19937_64& rng, int groups, int rows) {
  Partial p(2);
  for (int i = 0; i < rows; ++i) {
    uint32_t g = p.Group(Key({std::to_string(rng() % groups), (rng() % 3 == 0) ? "" : "x"}));
    ++p.count(g);
    __int128 scaled = static_cast<__int128>(rng() % 100000) * 10000000;  // cents
    p.cell(g, 0).AddPlain(scaled);
    if (rng() % 4 == 0) {
      p.cell(g, 1).AddWide(RandomWide(rng));
    } else {
      p.cell(g, 1).AddPlain(static_cast<__int128>(rng() % 1000000) - 500000);
    }
    ++p.stats().rows;
    if (rng() % 10 == 0) {
      ++p.stats().skipped["too few fields"];
      ++p.stats().rows;
    }
  }
  return p;
}

std::string CellText(const AggCell& c) {
  if (c.n == 0) return "empty";
  return FormatDecimal(c.Sum()) + "|" + std::to_string(c.n) + "|" + FormatDecimal(c.Min()) + "|" +
         FormatDecimal(c.Max()) + "|" + FormatDouble(c.Mean());
}

Query ShapeQuery(size_t keys, size_t aggs) {
  Query q;
  for (size_t i = 0; i < keys; ++i) q.keys.push_back(*csv::ColumnSpec::Parse(std::to_string(i + 1)));
  for (size_t i = 0; i < aggs; ++i) q.aggs.push_back({AggKind::kSum, *csv::ColumnSpec::Parse("9")});
  return q;
}

// Canonical text of a partial: groups sorted by key, independent of insertion order.
std::string Canonical(const Partial& p) {
  std::vector<std::string> lines;
  for (uint32_t g = 0; g < p.num_groups(); ++g) {
    std::string l = std::string(p.key(g)) + "|" + std::to_string(p.count(g));
    for (size_t a = 0; a < p.num_aggs(); ++a) l += "|" + CellText(p.cell(g, a));
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
  ASSERT_TRUE(left.Merge(a).ok());
  ASSERT_TRUE(left.Merge(b).ok());
  ASSERT_TRUE(left.Merge(c).ok());  // (a+b)+c
  Partial bc(2);
  ASSERT_TRUE(bc.Merge(c).ok());
  ASSERT_TRUE(bc.Merge(b).ok());
  ASSERT_TRUE(right.Merge(bc).ok());
  ASSERT_TRUE(right.Merge(a).ok());  // (c+b)+a
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

TEST(Partial, RandomPartialsPassTheirQuerysCheck) {
  std::mt19937_64 rng(10);
  Partial p = RandomPartial(rng, 20, 500);
  EXPECT_TRUE(p.Check(ShapeQuery(2, 2)).ok()) << p.Check(ShapeQuery(2, 2)).message();
  Result<Partial> back = Partial::Deserialize(p.Serialize());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->Check(ShapeQuery(2, 2)).ok());
}

// Regression (issue 11): 128-bit sums of plain decimals wrapped around (undefined
// behaviour) to a negative total.
TEST(AggCell, FixedPointOverflowStaysExact) {
  std::string nines(27, '9');  // the largest plain integer: 10^27 - 1
  __int128 v;
  ASSERT_TRUE(ParseScaledDecimal(nines, &v));
  AggCell c;
  for (int i = 0; i < 400; ++i) c.AddPlain(v);
  // 400 * (10^27 - 1) = 4 * 10^29 - 400
  EXPECT_EQ(FormatDecimal(c.Sum()), "399999999999999999999999999600");
  AggCell neg;
  for (int i = 0; i < 400; ++i) neg.AddPlain(-v);
  EXPECT_EQ(FormatDecimal(neg.Sum()), "-399999999999999999999999999600");
  // Merging cells whose sums each fit but together do not.
  AggCell a, b;
  for (int i = 0; i < 150; ++i) a.AddPlain(v);
  for (int i = 0; i < 150; ++i) b.AddPlain(v);
  a.Merge(b);
  EXPECT_EQ(FormatDecimal(a.Sum()), "299999999999999999999999999700");
  EXPECT_EQ(FormatDecimal(a.Max()), nines);
  EXPECT_EQ(a.n, 300u);
  Result<Partial> back = [&] {
    Partial p(1);
    uint32_t g = p.Group(Key({"k"}));
    p.count(g) = 300;
    p.cell(g, 0) = a;
    p.stats().rows = 300;
    return Partial::Deserialize(p.Serialize());
  }();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(FormatDecimal(back->cell(0, 0).Sum()), "299999999999999999999999999700");
}

// Regression (issue 11): min and max were doubles, so 2^53 + 1 printed as 2^53.
TEST(AggCell, MinMaxAreExactValuesFromTheData) {
  AggCell c;
  for (const char* t : {"9007199254740993", "9007199254740992", "9007199254740994.5"}) {
    __int128 v;
    ASSERT_TRUE(ParseScaledDecimal(t, &v));
    c.AddPlain(v);
  }
  EXPECT_EQ(FormatDecimal(c.Min()), "9007199254740992");
  EXPECT_EQ(FormatDecimal(c.Max()), "9007199254740994.5");
  c.AddWide(Dec("9007199254740992.0000000001"));
  c.AddWide(Dec("-1e300"));
  EXPECT_EQ(FormatDecimal(c.Min()), "-1e+300");
  EXPECT_EQ(FormatDecimal(c.Max()), "9007199254740994.5");
  c.AddWide(Dec("9007199254740994.5000000001"));
  EXPECT_EQ(FormatDecimal(c.Max()), "9007199254740994.5000000001");
}

// Regression (issue 11): values that were not plain decimals were summed as
// doubles, so the last digits depended on the split and the merge order.
TEST(AggCell, WideSumsDoNotDependOnTheSplit) {
  std::mt19937_64 rng(21);
  std::vector<Decimal> values;
  for (int i = 0; i < 3000; ++i) values.push_back(rng() % 3 ? RandomWide(rng) : Dec(std::to_string(rng() % 100)));
  values.push_back(Dec("1e300"));
  values.push_back(Dec("-1e300"));
  values.push_back(Dec("1e-300"));
  auto add = [](AggCell* c, const Decimal& d) {
    __int128 s;
    if (DecimalToScaled(d, &s)) {
      c->AddPlain(s);
    } else {
      c->AddWide(d);
    }
  };
  AggCell whole;
  for (const Decimal& d : values) add(&whole, d);
  for (size_t parts : {2u, 3u, 7u, 64u}) {
    std::vector<AggCell> cells(parts);
    for (size_t i = 0; i < values.size(); ++i) add(&cells[(i * 7919) % parts], values[i]);
    AggCell merged;
    for (size_t k = parts; k-- > 0;) merged.Merge(cells[k]);
    EXPECT_EQ(CellText(merged), CellText(whole)) << parts << " parts";
  }
  // The exact sum keeps the 1e-300 that a double sum would lose.
  EXPECT_EQ(whole.Sum().exponent, -300) << FormatDecimal(whole.Sum());
}

TEST(AggCell, MeanIsTheExactSumRoundedOnce) {
  AggCell c;
  __int128 v;
  for (const char* t : {"0.1", "0.2", "0.3"}) {
    ASSERT_TRUE(ParseScaledDecimal(t, &v));
    c.AddPlain(v);
  }
  EXPECT_EQ(c.Mean(), 0.2);  // (0.1 + 0.2 + 0.3) / 3 in doubles would be 0.20000000000000004
  AggCell big;  // beyond the one-division fast path
  ASSERT_TRUE(ParseScaledDecimal("9007199254740993", &v));
  for (int i = 0; i < 3; ++i) big.AddPlain(v);
  EXPECT_EQ(big.Mean(), 9007199254740992.0);  // exactly 2^53 + 1: a tie, to even
}

// A partial as a worker would send it for ShapeQuery(2, 1), for the checks below.
Partial GoodPartial() {
  Partial p(1);
  for (int k = 0; k < 3; ++k) {
    uint32_t g = p.Group(Key({std::to_string(k), "x"}));
    p.count(g) = 2;
    p.cell(g, 0).AddPlain(5);
    p.cell(g, 0).AddPlain(7);
  }
  p.stats().rows = 8;
  p.stats().skipped["too few fields"] = 1;
  return p;
}

// Regression (issue 11): the coordinator merged whatever a worker sent; a result
// with fewer aggregates made it read past the cells (a segfault).
TEST(PartialCheck, RejectsResultsThatDoNotFitTheQuery) {
  Query q = ShapeQuery(2, 1);
  ASSERT_TRUE(GoodPartial().Check(q).ok()) << GoodPartial().Check(q).message();
  struct Case {
    const char* name;
    std::function<Partial()> make;
    const char* says;
  };
  std::vector<Case> cases = {
      {"no aggregates", [] { Partial p(0); p.Group(Key({"a", "b"})); p.count(0) = 1; p.stats().rows = 1; return p; },
       "aggregates"},
      {"a key of one field", [] {
         Partial p = GoodPartial();
         uint32_t g = p.Group(Key({"lonely"}));
         p.count(g) = 1;
         p.cell(g, 0).AddPlain(1);
         p.stats().rows += 1;
         return p;
       }, "fields"},
      {"a key of three fields", [] {
         Partial p = GoodPartial();
         uint32_t g = p.Group(Key({"a", "b", "c"}));
         p.count(g) = 1;
         p.cell(g, 0).AddPlain(1);
         p.stats().rows += 1;
         return p;
       }, "fields"},
      {"a key with a bad length", [] {
         Partial p = GoodPartial();
         uint32_t g = p.Group(std::string("\x05" "ab" "\x01" "c"));  // a field of 5 bytes, 4 left
         p.count(g) = 1;
         p.cell(g, 0).AddPlain(1);
         p.stats().rows += 1;
         return p;
       }, "fields"},
      {"an empty group", [] {
         Partial p = GoodPartial();
         p.Group(Key({"z", "z"}));
         return p;
       }, "no rows"},
      {"counts that overflow", [] {
         Partial p = GoodPartial();
         for (uint32_t g = 0; g < p.num_groups(); ++g) {
           p.count(g) = UINT64_MAX / 2;
           p.cell(g, 0).n = UINT64_MAX / 2;
         }
         p.stats().rows = UINT64_MAX;
         return p;
       }, "overflow"},
      {"more rows counted than read", [] {
         Partial p = GoodPartial();
         p.stats().rows = 6;
         return p;
       }, "read"},
      {"skips that overflow", [] {
         Partial p = GoodPartial();
         p.stats().skipped["non-numeric x"] = UINT64_MAX;
         p.stats().rows = UINT64_MAX;
         return p;
       }, "overflow"},
      {"an aggregate over fewer values than rows", [] {
         Partial p = GoodPartial();
         p.count(0) = 1;
         return p;
       }, "values"},
  };
  for (const Case& c : cases) {
    Partial bad = c.make();
    // As the coordinator sees it: through the encoding.
    Result<Partial> decoded = Partial::Deserialize(bad.Serialize());
    ASSERT_TRUE(decoded.ok()) << c.name << ": " << decoded.status().message();
    Status st = decoded->Check(q);
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.code(), StatusCode::kCorrupt) << c.name;
    EXPECT_NE(st.message().find(c.says), std::string::npos) << c.name << ": " << st.message();
  }
}

TEST(PartialCheck, DeserializeRejectsBrokenCells) {
  Partial p(1);
  uint32_t g = p.Group(Key({"k"}));
  p.count(g) = 2;
  p.cell(g, 0).AddWide(Dec("1.5e-300"));
  p.cell(g, 0).AddWide(Dec("2.5e100"));
  p.stats().rows = 2;
  std::string good = p.Serialize();
  ASSERT_TRUE(Partial::Deserialize(good).ok());
  ASSERT_TRUE(Partial::Deserialize(good)->Check(ShapeQuery(1, 1)).ok());
  // The wide minimum's digits are the last bytes but those of the maximum: turn a
  // digit into a letter, then the maximum below the minimum.
  std::string letter = good;
  letter[letter.size() - 1] = 'x';
  EXPECT_FALSE(Partial::Deserialize(letter).ok());
  std::string zero = good;
  zero[zero.size() - 1] = '0';  // a trailing zero digit is not canonical
  EXPECT_FALSE(Partial::Deserialize(zero).ok());
  // An old-format partial is refused by version.
  std::string v1 = good;
  v1[4] = 1;
  Result<Partial> old = Partial::Deserialize(v1);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("version"), std::string::npos);
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
