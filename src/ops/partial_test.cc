#include "ops/partial.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "core/number.h"
#include "ops/aggregator.h"

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
    if (rng() % 50 == 0) {
      ++p.stats().row_groups;
      if (rng() % 2 == 0) ++p.stats().row_groups_skipped;
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
// Every field Serialize writes shows in it through what it decides: rows, skip
// reasons, keys, counts, and per cell n, the sum (plain and wide parts), both
// extremes (the plain and the wide ones compete) and the mean. Two partials can
// still agree with each other and both be wrong (a field every merge drops):
// MergeAndSerializeAgreeWithTheRows compares with the rows themselves.
std::string Canonical(const Partial& p) {
  std::vector<std::string> lines;
  for (uint32_t g = 0; g < p.num_groups(); ++g) {
    std::string l = std::string(p.key(g)) + "|" + std::to_string(p.count(g));
    for (size_t a = 0; a < p.num_aggs(); ++a) l += "|" + CellText(p.cell(g, a));
    lines.push_back(l);
  }
  std::sort(lines.begin(), lines.end());
  std::string out = std::to_string(p.stats().rows) + "|row groups " + std::to_string(p.stats().row_groups) +
                    ", skipped " + std::to_string(p.stats().row_groups_skipped);
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

TEST(AggCell, AddPlainTimesIsAddPlainRepeated) {
  std::string nines(27, '9');
  __int128 big;
  ASSERT_TRUE(ParseScaledDecimal(nines, &big));
  for (__int128 v : {__int128{0}, __int128{1500000000}, -__int128{7}, big, -big}) {
    for (uint64_t times : {0ull, 1ull, 3ull, 400ull, 70000ull}) {
      AggCell once, each;
      once.AddPlain(big);  // a sum already near the fixed point's end
      each.AddPlain(big);
      once.AddPlainTimes(v, times);
      for (uint64_t i = 0; i < times; ++i) each.AddPlain(v);
      EXPECT_EQ(FormatDecimal(once.Sum()), FormatDecimal(each.Sum()));
      EXPECT_EQ(FormatDecimal(once.Min()), FormatDecimal(each.Min()));
      EXPECT_EQ(FormatDecimal(once.Max()), FormatDecimal(each.Max()));
      EXPECT_EQ(once.n, each.n);
    }
  }
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

// Adds a value as the aggregator does: parsed once, plain or wide.
void AddText(AggCell* c, std::string_view text) {
  __int128 scaled = 0;
  bool plain = false;
  Decimal wide;
  ASSERT_TRUE(ParseNumber(text, &scaled, &plain, &wide)) << text;
  if (plain) {
    c->AddPlain(scaled);
  } else {
    c->AddWide(wide);
  }
}

// The extremes do not depend on the order of the values: a first value is both
// the minimum and the maximum, and a later one can be either (a first value
// that only set the minimum passed every test that added the largest last).
TEST(AggCell, ExtremesWhateverTheOrderOfTheValues) {
  struct Case {
    std::vector<std::string> values;  // in the order added
    const char* min;
    const char* max;
  };
  const std::vector<Case> cases = {
      {{"9", "5", "1"}, "1", "9"},          // largest first
      {{"1", "5", "9"}, "1", "9"},          // smallest first
      {{"5", "9", "1"}, "1", "9"},
      {{"-3.5"}, "-3.5", "-3.5"},           // one value is both
      {{"7", "7", "7"}, "7", "7"},
      {{"2.5e-12", "1.5e-12", "0.5e-12"}, "0.5e-12", "2.5e-12"},  // wide values, largest first
      {{"1e300"}, "1e300", "1e300"},
      {{"1e300", "4", "-2e-15"}, "-2e-15", "1e300"},              // wide largest first, then plain
      {{"8", "3e-20", "-1"}, "-1", "8"},                          // plain largest first, then wide
  };
  for (const Case& c : cases) {
    std::string what;
    for (const std::string& v : c.values) what += v + " ";
    auto expect = [&](const AggCell& cell, const std::string& how) {
      EXPECT_EQ(CompareDecimal(cell.Min(), Dec(c.min)), 0) << how << ": min " << FormatDecimal(cell.Min());
      EXPECT_EQ(CompareDecimal(cell.Max(), Dec(c.max)), 0) << how << ": max " << FormatDecimal(cell.Max());
    };
    AggCell cell;
    for (const std::string& v : c.values) AddText(&cell, v);
    expect(cell, what + "added");
    // Merged one value at a time, the same.
    AggCell merged;
    for (const std::string& v : c.values) {
      AggCell one;
      AddText(&one, v);
      merged.Merge(one);
    }
    expect(merged, what + "merged");
  }
  // A cell whose values enclose another's: both extremes come from it.
  for (auto [inner, outer] : {std::pair{std::vector<std::string>{"4", "5"}, std::vector<std::string>{"1", "9"}},
                              std::pair{std::vector<std::string>{"4e-12", "5e-12"},
                                        std::vector<std::string>{"1e-12", "9e-12"}}}) {
    AggCell a, b;
    for (const std::string& v : inner) AddText(&a, v);
    for (const std::string& v : outer) AddText(&b, v);
    a.Merge(b);
    EXPECT_EQ(CompareDecimal(a.Min(), Dec(outer[0])), 0) << "min " << FormatDecimal(a.Min());
    EXPECT_EQ(CompareDecimal(a.Max(), Dec(outer[1])), 0) << "max " << FormatDecimal(a.Max());
  }
}

// ---------------------------------------------------------------------------
// Partials against the rows they were made from: every merge order and the
// encoding must give what a plain map over the same rows gives. (Comparing two
// merge orders with each other cannot catch a field that every merge drops.)

// A value as the rows hold it, and exactly, in units of 1e-20 (every value
// below has at most 20 fraction digits and is below 10^8, so sums of a few
// thousand fit 128 bits).
constexpr int kRefFractionDigits = 20;

struct RefValue {
  std::string text;
  __int128 units = 0;
};

__int128 Pow10(int k) {
  __int128 p = 1;
  while (k-- > 0) p *= 10;
  return p;
}

// A random value: plain (at most 9 fraction digits) or not (10 to 20), written
// as a decimal or with an exponent. Both kinds reach the same magnitudes, so
// either can be a group's extreme.
RefValue RandomValue(std::mt19937_64& rng, bool allow_wide) {
  bool negative = rng() % 3 == 0;
  bool wide = allow_wide && rng() % 3 == 0;
  int frac = wide ? 10 + static_cast<int>(rng() % 11) : static_cast<int>(rng() % 10);
  int64_t mantissa = static_cast<int64_t>(rng() % (wide ? 100000000000000000ull : 100000000ull));
  RefValue v;
  v.units = (negative ? -1 : 1) * static_cast<__int128>(mantissa) * Pow10(kRefFractionDigits - frac);
  std::string digits = std::to_string(mantissa);
  std::string sign = negative ? "-" : "";
  if (rng() % 2 == 0) {
    v.text = sign + digits + "e-" + std::to_string(frac);
  } else {
    if (digits.size() <= static_cast<size_t>(frac)) digits.insert(0, frac + 1 - digits.size(), '0');
    digits.insert(digits.size() - frac, ".");
    v.text = sign + digits;
  }
  return v;
}

// units of 1e-20 as a decimal text, for ParseDecimal.
std::string RefText(__int128 units) {
  bool negative = units < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(units) : static_cast<unsigned __int128>(units);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  if (digits.size() <= static_cast<size_t>(kRefFractionDigits)) {
    digits.insert(0, kRefFractionDigits + 1 - digits.size(), '0');
  }
  digits.insert(digits.size() - kRefFractionDigits, ".");
  return (negative ? "-" : "") + digits;
}

struct Row {
  std::string key;                // encoded group key
  std::vector<RefValue> values;   // one per aggregate
  std::string skipped;            // non-empty: the row was skipped for this reason
};

// What a straightforward map over the rows gives.
struct RefCell {
  uint64_t n = 0;
  __int128 sum = 0, min = 0, max = 0;
};
struct RefGroup {
  uint64_t count = 0;
  std::vector<RefCell> cells;
};
struct Reference {
  uint64_t rows = 0;
  std::map<std::string, uint64_t> skipped;
  std::map<std::string, RefGroup> groups;
};

Reference ReferenceOf(const std::vector<Row>& rows, size_t num_aggs) {
  Reference ref;
  for (const Row& r : rows) {
    ++ref.rows;
    if (!r.skipped.empty()) {
      ++ref.skipped[r.skipped];
      continue;
    }
    RefGroup& g = ref.groups[r.key];
    g.cells.resize(num_aggs);
    ++g.count;
    for (size_t a = 0; a < num_aggs; ++a) {
      RefCell& c = g.cells[a];
      __int128 v = r.values[a].units;
      c.min = c.n == 0 ? v : std::min(c.min, v);
      c.max = c.n == 0 ? v : std::max(c.max, v);
      c.sum += v;
      ++c.n;
    }
  }
  return ref;
}

// A partial of `rows`, built as the aggregator builds one.
Partial PartialOf(const std::vector<Row>& rows, size_t num_aggs) {
  Partial p(num_aggs);
  for (const Row& r : rows) {
    ++p.stats().rows;
    if (!r.skipped.empty()) {
      ++p.stats().skipped[r.skipped];
      continue;
    }
    uint32_t g = p.Group(r.key);
    ++p.count(g);
    for (size_t a = 0; a < num_aggs; ++a) AddText(&p.cell(g, a), r.values[a].text);
  }
  return p;
}

// Every group, count, aggregate (n, sum, min, max, mean) and row statistic of
// `p` is the reference's.
void ExpectMatchesRows(const Partial& p, const Reference& ref, const std::string& how) {
  SCOPED_TRACE(how);
  EXPECT_EQ(p.stats().rows, ref.rows);
  EXPECT_EQ(p.stats().skipped, ref.skipped);
  ASSERT_EQ(p.num_groups(), ref.groups.size());
  for (uint32_t g = 0; g < p.num_groups(); ++g) {
    auto it = ref.groups.find(std::string(p.key(g)));
    ASSERT_NE(it, ref.groups.end()) << "a group no row has";
    const RefGroup& want = it->second;
    EXPECT_EQ(p.count(g), want.count);
    for (size_t a = 0; a < p.num_aggs(); ++a) {
      const AggCell& c = p.cell(g, a);
      const RefCell& w = want.cells[a];
      ASSERT_EQ(c.n, w.n) << "aggregate " << a;
      for (auto [name, got, units] : {std::tuple{"sum", c.Sum(), w.sum}, std::tuple{"min", c.Min(), w.min},
                                      std::tuple{"max", c.Max(), w.max}}) {
        EXPECT_EQ(CompareDecimal(got, Dec(RefText(units))), 0)
            << name << " of aggregate " << a << ": " << FormatDecimal(got) << ", the rows say " << RefText(units);
      }
      double mean = static_cast<double>(static_cast<long double>(w.sum) / w.n / 1e20L);
      EXPECT_NEAR(c.Mean(), mean, std::fabs(mean) * 1e-12 + 1e-30) << "mean of aggregate " << a;
    }
  }
}

Partial RoundTrip(const Partial& p) {
  Result<Partial> back = Partial::Deserialize(p.Serialize());
  EXPECT_TRUE(back.ok()) << back.status().message();
  return back.ok() ? std::move(back).value() : Partial(p.num_aggs());
}

TEST(Partial, MergeAndSerializeAgreeWithTheRows) {
  std::mt19937_64 rng(12);
  const size_t aggs = 2;  // one with plain values only, one with wide values too
  for (int round = 0; round < 20; ++round) {
    std::vector<Row> rows;
    int groups = 1 + static_cast<int>(rng() % 25);
    for (int i = 0, n = static_cast<int>(rng() % 600); i < n; ++i) {
      Row r;
      r.key = Key({std::to_string(rng() % groups), rng() % 4 == 0 ? "" : "x"});
      r.values = {RandomValue(rng, false), RandomValue(rng, true)};
      if (rng() % 12 == 0) r.skipped = rng() % 2 ? "too few fields" : "non-numeric total";
      rows.push_back(std::move(r));
    }
    Reference ref = ReferenceOf(rows, aggs);
    // The rows split into parts of random sizes, each part's rows picked at random.
    size_t parts = 1 + rng() % 7;
    std::vector<std::vector<Row>> split(parts);
    for (const Row& r : rows) split[rng() % parts].push_back(r);
    std::vector<Partial> partials;
    for (const auto& s : split) partials.push_back(PartialOf(s, aggs));
    std::string what = "round " + std::to_string(round) + ", " + std::to_string(parts) + " parts";

    ExpectMatchesRows(PartialOf(rows, aggs), ref, what + ": one partial of every row");
    Partial forward(aggs), backward(aggs), decoded(aggs);
    for (size_t i = 0; i < parts; ++i) {
      ASSERT_TRUE(forward.Merge(partials[i]).ok());
      ASSERT_TRUE(backward.Merge(partials[parts - 1 - i]).ok());
      ASSERT_TRUE(decoded.Merge(RoundTrip(partials[i])).ok());  // as a coordinator gets them
    }
    ExpectMatchesRows(forward, ref, what + ": merged in order");
    ExpectMatchesRows(backward, ref, what + ": merged in reverse");
    ExpectMatchesRows(decoded, ref, what + ": each part through the encoding");
    ExpectMatchesRows(RoundTrip(forward), ref, what + ": the merge through the encoding");
    // A random tree of merges, moving (the bigger table is reused) and copying.
    std::vector<Partial> pool;
    for (const Partial& p : partials) pool.push_back(RoundTrip(p));
    while (pool.size() > 1) {
      size_t i = rng() % pool.size(), j = rng() % (pool.size() - 1);
      if (j >= i) ++j;
      Status st = rng() % 2 ? pool[i].Merge(std::move(pool[j])) : pool[i].Merge(pool[j]);
      ASSERT_TRUE(st.ok());
      pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(j));
    }
    ExpectMatchesRows(pool[0], ref, what + ": a random tree of merges");
  }
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

// Difference (--verify): the same answer in another group order is no
// difference; each kind of wrong answer is found and named.
TEST(Partial, DifferenceFindsEveryWrongAnswerAndNoOther) {
  std::mt19937_64 rng(5);
  Partial a = RandomPartial(rng, 20, 2000);
  Partial shuffled(2);  // the same groups inserted in reverse
  shuffled.stats() = a.stats();
  for (uint32_t g = a.num_groups(); g-- > 0;) {
    uint32_t h = shuffled.Group(a.key(g));
    shuffled.count(h) = a.count(g);
    for (size_t c = 0; c < 2; ++c) shuffled.cell(h, c) = a.cell(g, c);
  }
  EXPECT_EQ(Difference(a, shuffled), "");
  EXPECT_EQ(Difference(a, a), "");

  Partial count = shuffled;
  ++count.count(0);
  EXPECT_NE(Difference(a, count).find(": count "), std::string::npos) << Difference(a, count);
  Partial sum = shuffled;
  sum.cell(1, 0).AddPlain(1);
  --sum.cell(1, 0).n;  // the same n, another sum
  EXPECT_NE(Difference(a, sum).find("aggregate 1"), std::string::npos) << Difference(a, sum);
  Partial rows = shuffled;
  ++rows.stats().rows;
  EXPECT_NE(Difference(a, rows).find("rows read"), std::string::npos);
  Partial fewer(2);
  fewer.stats() = a.stats();
  for (uint32_t g = 1; g < a.num_groups(); ++g) {
    uint32_t h = fewer.Group(a.key(g));
    fewer.count(h) = a.count(g);
  }
  EXPECT_NE(Difference(a, fewer).find("groups: "), std::string::npos) << Difference(a, fewer);
  // Another key in place of one: named as missing.
  Partial other(2);
  other.stats() = a.stats();
  for (uint32_t g = 0; g < a.num_groups(); ++g) {
    uint32_t h = other.Group(g == 0 ? Key({"zz", "zz"}) : std::string(a.key(g)));
    other.count(h) = a.count(g);
    for (size_t c = 0; c < 2; ++c) other.cell(h, c) = a.cell(g, c);
  }
  EXPECT_NE(Difference(a, other).find("is missing from the job's result"), std::string::npos) << Difference(a, other);
}

// The squares --stddev sums: plain while they have at most 9 fraction digits,
// exact decimals otherwise, refused past kMaxSquaredPower.
TEST(Stddev, SquaresExactly) {
  auto square = [](const char* text, bool* plain) -> std::string {
    __int128 s;
    Decimal w;
    EXPECT_TRUE(ParseNumber(text, &s, plain, &w)) << text;
    if (!SquareValue(&s, plain, &w)) return "refused";
    return *plain ? FormatScaledDecimal(s) : FormatDecimal(w);
  };
  bool plain = false;
  EXPECT_EQ(square("2.25", &plain), "5.0625");
  EXPECT_TRUE(plain);
  EXPECT_EQ(square("-1.23456", &plain), "1.5241383936");  // 10 fraction digits: not plain
  EXPECT_FALSE(plain);
  EXPECT_EQ(square("99999999999999999999", &plain), "9999999999999999999800000000000000000001");
  EXPECT_EQ(square("3e50", &plain), "9e+100");
  EXPECT_EQ(square("1e100", &plain), "refused");
  EXPECT_EQ(square("1e-101", &plain), "refused");
}

TEST(Stddev, SampleStandardDeviationDoesNotDependOnTheSplit) {
  auto add = [](AggCell* v, AggCell* sq, const char* text) {
    __int128 s;
    bool plain;
    Decimal w;
    ASSERT_TRUE(ParseNumber(text, &s, &plain, &w));
    plain ? v->AddPlain(s) : v->AddWide(w);
    ASSERT_TRUE(SquareValue(&s, &plain, &w));
    plain ? sq->AddPlain(s) : sq->AddWide(w);
  };
  AggCell v, sq;
  for (const char* x : {"1", "2", "3", "4"}) add(&v, &sq, x);
  EXPECT_DOUBLE_EQ(StddevOf(v, sq), 1.2909944487358056);  // sqrt(5/3)
  AggCell one, one_sq;
  add(&one, &one_sq, "7");
  EXPECT_TRUE(std::isnan(StddevOf(one, one_sq)));
  // Large values with a small spread: the exact numerator keeps every digit
  // that a sum of squares in doubles would cancel away.
  std::vector<std::string> xs;
  for (int i = 0; i < 1000; ++i) xs.push_back("1000000000." + std::to_string(100 + i % 7));
  AggCell whole, whole_sq;
  for (const std::string& x : xs) add(&whole, &whole_sq, x.c_str());
  AggCell parts[3], parts_sq[3];
  for (size_t i = 0; i < xs.size(); ++i) add(&parts[i % 3], &parts_sq[i % 3], xs[i].c_str());
  parts[2].Merge(parts[0]);
  parts[2].Merge(parts[1]);
  parts_sq[2].Merge(parts_sq[0]);
  parts_sq[2].Merge(parts_sq[1]);
  EXPECT_EQ(StddevOf(parts[2], parts_sq[2]), StddevOf(whole, whole_sq));
  // The values are 1e9 plus 0.100..0.106, 0.1xx cycling: their stddev is that of 0..6 cycled, in thousandths.
  double mean = 0, m2 = 0;
  for (int i = 0; i < 1000; ++i) mean += i % 7;
  mean /= 1000;
  for (int i = 0; i < 1000; ++i) m2 += (i % 7 - mean) * (i % 7 - mean);
  EXPECT_NEAR(StddevOf(whole, whole_sq), std::sqrt(m2 / 999) / 1000, 1e-15);
}

// Grouped by (k, v), folded by k: counts and cells merged, distinct non-empty
// v counted; a result without other keys folds into one group.
TEST(FoldDistinct, CountsDistinctNonEmptyValuesPerGroup) {
  Partial p(1);
  auto add = [&](std::vector<std::string_view> key, uint64_t rows, __int128 value) {
    std::string k;
    for (std::string_view f : key) AppendKeyField(&k, f);
    uint32_t g = p.Group(k);
    p.count(g) += rows;
    for (uint64_t i = 0; i < rows; ++i) p.cell(g, 0).AddPlain(value);
  };
  add({"a", "x"}, 2, 1 * kDecimalScale);
  add({"a", "y"}, 1, 5 * kDecimalScale);
  add({"a", ""}, 4, 1 * kDecimalScale);
  add({"b", ""}, 3, 2 * kDecimalScale);
  Partial f = FoldDistinct(p, 2, {{AggKind::kCountDistinct, {}}});
  ASSERT_EQ(f.num_groups(), 2u);
  ASSERT_EQ(f.num_aggs(), 2u);
  std::map<std::string, std::pair<uint64_t, __int128>> got;
  for (uint32_t g = 0; g < f.num_groups(); ++g) {
    std::string_view key = f.key(g), field;
    ASSERT_TRUE(NextKeyField(&key, &field));
    EXPECT_EQ(f.cell(g, 0).n, f.count(g));
    got[std::string(field)] = {f.count(g), f.cell(g, 1).exact / kDecimalScale};
    if (field == "a") {
      EXPECT_EQ(FormatDecimal(f.cell(g, 0).Sum()), "11");
    }
  }
  EXPECT_EQ(got["a"], (std::pair<uint64_t, __int128>{7, 2}));
  EXPECT_EQ(got["b"], (std::pair<uint64_t, __int128>{3, 0}));
  Partial by_v(1);
  for (std::string_view v : {"x", "y", ""}) {
    std::string k;
    AppendKeyField(&k, v);
    by_v.count(by_v.Group(k)) += 2;
  }
  Partial all = FoldDistinct(by_v, 1, {{AggKind::kCountDistinct, {}}});
  ASSERT_EQ(all.num_groups(), 1u);
  EXPECT_EQ(all.key(0), "");
  EXPECT_EQ(all.count(0), 6u);
  EXPECT_EQ(all.cell(0, 1).exact / kDecimalScale, 2);
}

// percentile_disc: the least value whose cumulative share reaches p, counting
// each value's rows; text and empty values left out; exact values of any size.
TEST(FoldDistinct, PercentilesAsPercentileDisc) {
  Partial p(0);
  auto add = [&](std::string_view v, uint64_t rows) {
    std::string k;
    AppendKeyField(&k, v);
    p.count(p.Group(k)) += rows;
  };
  add("10", 1);
  add("2", 1);
  add("1.0", 1);
  add("0", 1);
  add("x", 5);
  add("", 3);
  add("1e30", 0);  // (a group of no rows counts nothing)
  std::vector<AggSpec> extras;
  for (int percent : {1, 25, 50, 51, 75, 76, 99, 100}) extras.push_back({AggKind::kPercentile, {}, percent});
  Partial f = FoldDistinct(p, 1, extras);
  ASSERT_EQ(f.num_groups(), 1u);
  std::vector<std::string> got;
  for (size_t e = 0; e < extras.size(); ++e) got.push_back(FormatDecimal(f.cell(0, e).Min()));
  EXPECT_EQ(got, (std::vector<std::string>{"0", "0", "1", "2", "2", "10", "10", "10"}));
  Partial none(0);
  std::string k;
  AppendKeyField(&k, "text");
  none.count(none.Group(k)) = 2;
  Partial g = FoldDistinct(none, 1, {{AggKind::kPercentile, {}, 50}});
  EXPECT_EQ(g.cell(0, 0).n, 0u);
}

}  // namespace
}  // namespace fanout::ops
