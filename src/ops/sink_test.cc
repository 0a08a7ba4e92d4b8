// The sinks (Aggregator, Projector) fed the same values as CSV rows and as a
// columnar format's batches (ops/sink.h) give the same answer: the seam a
// columnar format plugs into needs nothing of its own in the sinks.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "csv/header.h"
#include "csv/reader.h"
#include "csv/reference_reader.h"
#include "core/number.h"
#include "ops/aggregator.h"
#include "ops/projector.h"
#include "ops/query.h"

namespace fanout::ops {
namespace {

using csv::testing_support::MemoryStream;
using csv::testing_support::ReferenceRead;

Query MakeQuery(const std::string& keys, const std::vector<std::string>& wheres,
                const std::vector<std::pair<AggKind, std::string>>& aggs) {
  Query q;
  if (!keys.empty()) SetKeys(ParseKeyList(keys).value(), &q);
  for (const std::string& w : wheres) q.filters.push_back(Filter::Parse(w).value());
  for (const auto& [kind, col] : aggs) q.aggs.push_back({kind, csv::ColumnSpec::Parse(col).value()});
  return q;
}

csv::HeaderInfo HeaderOf(const std::string& text) {
  MemoryStream s(text, 0, text.size());
  return csv::ReadHeader(&s, "t.csv", ',', csv::HeaderMode::kYes).value();
}

// The rows of `text` through the real reader into `sink`.
Status ReadRows(const std::string& text, csv::RowSink* sink) {
  MemoryStream s(text, 0, 7);  // short reads
  csv::ReadOptions o;
  o.buffer_bytes = 64;
  csv::RowReader reader(&s, "t.csv", o);
  return reader.Run(sink);
}

// The data rows of `text` (its values, by the reference reader) as batches of
// `batch_rows` holding the fields `sink` asks for. Row r's position is r.
Status FeedBatches(const std::string& text, size_t batch_rows, Sink* sink) {
  csv::testing_support::Reading reading = ReferenceRead(text, ',');
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 1; i < reading.rows.size(); ++i) rows.push_back(reading.rows[i].values);  // (row 0: the header)
  const std::vector<int>& fields = sink->Fields();
  for (size_t first = 0; first < rows.size(); first += batch_rows) {
    size_t n = std::min(batch_rows, rows.size() - first);
    std::vector<std::vector<std::string_view>> cols(fields.size(), std::vector<std::string_view>(n));
    for (size_t k = 0; k < fields.size(); ++k) {
      for (size_t r = 0; r < n; ++r) cols[k][r] = rows[first + r].at(static_cast<size_t>(fields[k]));
    }
    ColumnBatch b;
    b.rows = n;
    b.first_row = first;
    for (const auto& c : cols) b.columns.push_back(c.data());
    RETURN_IF_ERROR(sink->OnBatch(b));
  }
  return Status::OK();
}

// A partial's groups by key, each with its count and every aggregate's n, sum,
// min and max: what a result is made of, whatever order the groups were made in.
std::map<std::string, std::vector<std::string>> Canonical(const Partial& p) {
  std::map<std::string, std::vector<std::string>> out;
  for (uint32_t g = 0; g < p.num_groups(); ++g) {
    std::vector<std::string>& v = out[std::string(p.key(g))];
    v.push_back(std::to_string(p.count(g)));
    for (size_t a = 0; a < p.num_aggs(); ++a) {
      const AggCell& c = p.cell(g, a);
      v.push_back(std::to_string(c.n));
      if (c.n > 0) {
        v.push_back(FormatDecimal(c.Sum()));
        v.push_back(FormatDecimal(c.Min()));
        v.push_back(FormatDecimal(c.Max()));
      }
    }
  }
  return out;
}

// The same rows as FeedBatches, but the columns whose bit is set in `coded` as
// dictionary codes: each stretch of `group_rows` rows (a "row group") has its own
// dictionary, in a shuffled order with an entry no row uses, and a fresh id.
Status FeedCodedBatches(const std::string& text, size_t batch_rows, size_t group_rows, uint32_t coded, Sink* sink,
                        uint32_t seed = 1) {
  csv::testing_support::Reading reading = ReferenceRead(text, ',');
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 1; i < reading.rows.size(); ++i) rows.push_back(reading.rows[i].values);
  const std::vector<int>& fields = sink->Fields();
  std::mt19937 rng(seed);
  static uint64_t next_id = 1000;
  for (size_t g0 = 0; g0 < rows.size(); g0 += group_rows) {
    size_t gn = std::min(group_rows, rows.size() - g0);
    std::vector<std::vector<std::string>> dict(fields.size());
    std::vector<std::vector<std::string_view>> dict_views(fields.size());
    std::vector<std::vector<uint32_t>> codes(fields.size());
    std::vector<std::vector<std::string_view>> plain(fields.size());
    std::vector<uint64_t> ids(fields.size());
    for (size_t k = 0; k < fields.size(); ++k) {
      std::vector<std::string> distinct{"never used"};
      for (size_t r = 0; r < gn; ++r) distinct.push_back(rows[g0 + r].at(static_cast<size_t>(fields[k])));
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      std::shuffle(distinct.begin(), distinct.end(), rng);
      dict[k] = distinct;
      for (const std::string& d : dict[k]) dict_views[k].push_back(d);
      for (size_t r = 0; r < gn; ++r) {
        const std::string& v = rows[g0 + r].at(static_cast<size_t>(fields[k]));
        codes[k].push_back(static_cast<uint32_t>(std::find(dict[k].begin(), dict[k].end(), v) - dict[k].begin()));
        plain[k].push_back(v);
      }
      ids[k] = next_id++;
    }
    for (size_t first = 0; first < gn; first += batch_rows) {
      ColumnBatch b;
      b.rows = std::min(batch_rows, gn - first);
      b.first_row = g0 + first;
      for (size_t k = 0; k < fields.size(); ++k) {
        if (coded & (1u << k)) {
          b.columns.emplace_back(codes[k].data() + first, dict_views[k].data(), dict_views[k].size(), ids[k]);
        } else {
          b.columns.emplace_back(plain[k].data() + first);
        }
      }
      RETURN_IF_ERROR(sink->OnBatch(b));
    }
  }
  return Status::OK();
}

// A batch of one column.
ColumnBatch OneColumn(const std::string_view* values, size_t rows) {
  ColumnBatch b;
  b.rows = rows;
  b.columns = {values};
  return b;
}

// Keys with delimiters, doubled quotes, a value that itself starts with a quote,
// an empty key; numbers plain, with exponents and too long for the fixed point;
// a row that is not a number; a filter.
const char* const kText =
    "key,v,w,x\n"
    "a,1.5,10,1\n"
    "\"b,c\",2,20,2\n"
    "\"\"\"q\"\"\",3e2,30,3\n"
    ",4,40,4\n"
    "a,12345678901234567890123456789012345678901.5,50,5\n"
    "\"b,c\",x,60,6\n"
    "\"\"\"q\"\"\",-7,70,700\n"
    "a,0.000000000001,80,8\n"
    "d,9,90,9\n";

ResolvedQuery ResolveOnText(const Query& q) { return Resolve(q, HeaderOf(kText), "t.csv").value(); }

TEST(Sinks, AggregatorGivesRowsAndBatchesOfTheSameValuesTheSamePartial) {
  Query q = MakeQuery("key", {"x < 100"}, {{AggKind::kSum, "v"}, {AggKind::kMean, "w"}, {AggKind::kMax, "v"}});
  csv::HeaderInfo h = HeaderOf(kText);
  ResolvedQuery rq = Resolve(q, h, "t.csv").value();

  Partial from_rows(q.aggs.size());
  Aggregator rows_sink(q, rq, &from_rows, h.offset, false);
  ASSERT_TRUE(ReadRows(kText, &rows_sink).ok());
  ASSERT_EQ(from_rows.stats().rows, 9u);
  ASSERT_EQ(from_rows.stats().skipped.at(NonNumericReason(q.aggs[0].column)), 1u);

  for (size_t batch_rows : {1, 2, 4, 100}) {
    Partial from_batches(q.aggs.size());
    Aggregator batch_sink(q, rq, &from_batches, UINT64_MAX, false);
    ASSERT_EQ(batch_sink.Fields(), (std::vector<int>{0, 1, 2, 3}));
    ASSERT_TRUE(FeedBatches(kText, batch_rows, &batch_sink).ok());
    EXPECT_EQ(from_batches.Serialize(), from_rows.Serialize()) << "batches of " << batch_rows;
  }
}

TEST(Sinks, ABatchValueThatStartsWithAQuoteIsThatValue) {
  // The CSV field """q""" is the value "q" (with its quotes): a batch holding
  // "q" must land in that group, not in q's.
  Query q = MakeQuery("key", {}, {});
  ResolvedQuery rq = ResolveOnText(q);
  Partial p(0);
  Aggregator sink(q, rq, &p, UINT64_MAX, false);
  std::string_view keys[] = {"\"q\"", "q", "\"q\""};
  ASSERT_TRUE(sink.OnBatch(OneColumn(keys, 3)).ok());
  std::map<std::string, uint64_t> counts;
  for (uint32_t g = 0; g < p.num_groups(); ++g) counts[std::string(p.key(g))] = p.count(g);
  std::string quoted, plain;
  AppendKeyField(&quoted, "\"q\"");
  AppendKeyField(&plain, "q");
  EXPECT_EQ(counts, (std::map<std::string, uint64_t>{{quoted, 2}, {plain, 1}}));
}

TEST(Sinks, StrictNamesTheBatchRowThatIsNotANumber) {
  Query q = MakeQuery("key", {}, {{AggKind::kSum, "v"}});
  ResolvedQuery rq = ResolveOnText(q);
  Partial p(1);
  Aggregator sink(q, rq, &p, UINT64_MAX, true);
  Status st = FeedBatches(kText, 4, &sink);
  ASSERT_FALSE(st.ok());
  ASSERT_NE(sink.first_skipped(), nullptr);
  EXPECT_EQ(sink.first_skipped()->offset, 5u);  // data row 5 (0-based) holds v = x
  EXPECT_EQ(sink.first_skipped()->reason, NonNumericReason(q.aggs[0].column));
}

TEST(Sinks, ABatchWithOtherColumnsThanAskedForIsAnError) {
  Query q = MakeQuery("key,v", {}, {});
  ResolvedQuery rq = ResolveOnText(q);
  Partial p(0);
  Aggregator sink(q, rq, &p, UINT64_MAX, false);
  std::string_view one[] = {"a"};
  EXPECT_FALSE(sink.OnBatch(OneColumn(one, 1)).ok());
  EXPECT_EQ(p.num_groups(), 0u);
}

// Dictionary-coded columns (ops::BatchColumn codes) give the partial that the
// same values as rows give, whichever columns are coded, however the rows fall
// into batches and dictionaries: the coded path parses and groups each distinct
// value once, and must not carry that over to another dictionary.
TEST(Sinks, AggregatorGivesCodedBatchesTheSamePartialAsRows) {
  struct Case {
    std::string keys;
    std::vector<std::string> wheres;
    std::vector<std::pair<AggKind, std::string>> aggs;
  };
  std::vector<Case> cases = {
      {"key", {}, {}},
      {"key", {}, {{AggKind::kSum, "v"}, {AggKind::kMean, "w"}, {AggKind::kMax, "v"}, {AggKind::kMin, "x"}}},
      {"", {}, {{AggKind::kSum, "v"}, {AggKind::kMean, "v"}}},
      {"", {}, {}},
      {"x", {}, {{AggKind::kSum, "w"}}},
      {"key,w", {}, {{AggKind::kSum, "x"}}},
      {"key", {"x < 100"}, {{AggKind::kSum, "v"}}},
  };
  for (const Case& c : cases) {
    Query q = MakeQuery(c.keys, c.wheres, c.aggs);
    csv::HeaderInfo h = HeaderOf(kText);
    ResolvedQuery rq = Resolve(q, h, "t.csv").value();
    Partial from_rows(q.aggs.size());
    Aggregator rows_sink(q, rq, &from_rows, h.offset, false);
    ASSERT_TRUE(ReadRows(kText, &rows_sink).ok());
    ASSERT_GT(from_rows.stats().rows, 0u);
    ASSERT_FALSE(Canonical(from_rows).empty());
    for (size_t batch_rows : {1, 3, 100}) {
      for (size_t group_rows : {2, 5, 100}) {
        for (uint32_t coded : {0u, 1u, 0xFu}) {
          Partial from_batches(q.aggs.size());
          Aggregator batch_sink(q, rq, &from_batches, UINT64_MAX, false);
          ASSERT_TRUE(FeedCodedBatches(kText, batch_rows, group_rows, coded, &batch_sink).ok());
          EXPECT_EQ(from_batches.stats().rows, from_rows.stats().rows);
          EXPECT_EQ(from_batches.stats().skipped, from_rows.stats().skipped);
          EXPECT_EQ(Canonical(from_batches), Canonical(from_rows))
              << "keys '" << c.keys << "', " << c.aggs.size() << " aggregates, batches of " << batch_rows
              << ", dictionaries of " << group_rows << " rows, coded columns " << coded;
        }
      }
    }
  }
}

TEST(Sinks, CodedBatchesOfManyDistinctKeysAndValues) {
  // More than 256 distinct keys (past the interleaved counters), values plain,
  // wide and not numbers, repeated so that codes recur across batches.
  std::mt19937 rng(7);
  std::string text = "key,v\n";
  for (int i = 0; i < 5000; ++i) {
    int k = static_cast<int>(rng() % 700);
    int v = static_cast<int>(rng() % 50);
    text += "k" + std::to_string(k) + ",";
    text += v == 0 ? std::string("nan-ish") : v == 1 ? std::string("1e400") : std::to_string(v) + ".25";
    text += "\n";
  }
  for (const Query& q : {MakeQuery("key", {}, {}), MakeQuery("key", {}, {{AggKind::kSum, "v"}, {AggKind::kMax, "v"}})}) {
    csv::HeaderInfo h = HeaderOf(text);
    ResolvedQuery rq = Resolve(q, h, "t.csv").value();
    Partial from_rows(q.aggs.size());
    Aggregator rows_sink(q, rq, &from_rows, h.offset, false);
    ASSERT_TRUE(ReadRows(text, &rows_sink).ok());
    for (size_t group_rows : {1000, 5000}) {
      Partial from_batches(q.aggs.size());
      Aggregator batch_sink(q, rq, &from_batches, UINT64_MAX, false);
      ASSERT_TRUE(FeedCodedBatches(text, 700, group_rows, 0x3u, &batch_sink).ok());
      EXPECT_EQ(from_batches.stats().skipped, from_rows.stats().skipped);
      EXPECT_EQ(Canonical(from_batches), Canonical(from_rows)) << q.aggs.size() << " aggregates, " << group_rows;
    }
  }
}

TEST(Sinks, StrictNamesTheCodedBatchRowThatIsNotANumber) {
  Query q = MakeQuery("key", {}, {{AggKind::kSum, "v"}});
  ResolvedQuery rq = ResolveOnText(q);
  Partial p(1);
  Aggregator sink(q, rq, &p, UINT64_MAX, true);
  Status st = FeedCodedBatches(kText, 4, 100, 0xFu, &sink);
  ASSERT_FALSE(st.ok());
  ASSERT_NE(sink.first_skipped(), nullptr);
  EXPECT_EQ(sink.first_skipped()->offset, 5u);  // data row 5 (0-based) holds v = x
}

// What a Projector writes for `text`, through rows or (after OnHeader) batches.
std::string Project(const std::string& text, bool batches, const Query& q) {
  csv::HeaderInfo h = HeaderOf(text);
  ResolvedQuery rq = Resolve(q, h, "t.csv").value();
  RowStats stats;
  std::string out;
  Projector proj(q, rq, "t.csv", ',', batches ? UINT64_MAX : h.offset, false, &stats,
                 [&](std::string* buf) {
                   out += *buf;
                   buf->clear();
                   return Status::OK();
                 });
  if (batches) {
    EXPECT_TRUE(proj.OnHeader(h.names).ok());
    EXPECT_TRUE(FeedBatches(text, 3, &proj).ok());
  } else {
    EXPECT_TRUE(ReadRows(text, &proj).ok());
  }
  EXPECT_TRUE(proj.Finish().ok());
  return out;
}

TEST(Sinks, ProjectorWritesTheSameValuesFromRowsAndFromBatches) {
  Query q = MakeQuery("x,key", {"w >= 20"}, {});
  // Values with a comma, a quote, a line end and a carriage return, which a
  // batch's writer must quote (a CSV row's fields are copied as stored).
  std::string text = std::string(kText) + "\"line\nend\",1,100,1\n\"cr\rhere\",1,100,2\n";
  std::string rows = Project(text, false, q), batches = Project(text, true, q);
  ASSERT_NE(rows, "");
  auto values = [](const std::string& s) {
    std::vector<std::vector<std::string>> v;
    for (const auto& r : ReferenceRead(s, ',').rows) v.push_back(r.values);
    return v;
  };
  EXPECT_EQ(values(batches), values(rows));
  EXPECT_EQ(values(batches).size(), 11u);  // the header and the 10 rows with w >= 20
  EXPECT_EQ(values(batches)[0], (std::vector<std::string>{"x", "key"}));
}

}  // namespace
}  // namespace fanout::ops
