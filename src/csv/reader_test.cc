#include "csv/reader.h"
#include "csv/reference_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace fanout::csv {
namespace {

using testing_support::Collect;
using testing_support::MemoryStream;
using testing_support::QuoteParity;
using testing_support::ReferenceRows;
using testing_support::SimpleRow;

// Reads in ranges and fails the test on any reader error or wrong end state.
std::vector<SimpleRow> ReadInRanges(const std::string& s, size_t range, size_t buffer, size_t chunk,
                                    bool mapped = false) {
  std::string problem;
  std::vector<SimpleRow> rows = testing_support::ReadInRanges(s, range, buffer, chunk, mapped, &problem);
  EXPECT_EQ(problem, "");
  return rows;
}


std::string RandomCsv(std::mt19937_64& rng, size_t n) {
  static const char kAlphabet[] = "ab,,\"\"\n\n\r1 ";
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kAlphabet[pick(rng)]);
  return s;
}

TEST(RowReader, FixedCasesMatchReference) {
  const std::vector<std::string> cases = {
      "", "\n", "a", "a\n", "a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,\"b,c\"\n\"d\ne\",f\n",
      "h1,h2\n\n1,2\n", "x,\"\"\"q\"\"\"\n", "no,final,newline", "\n\n\na\n\n", "a,b,\n,\n",
  };
  for (const std::string& s : cases) {
    for (size_t range : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}}) {
      for (size_t buffer : {size_t{1}, size_t{2}, size_t{5}, size_t{64}}) {
        EXPECT_EQ(ReadInRanges(s, range, buffer, 1 << 20), ReferenceRows(s, ','))
            << "input '" << s << "' range " << range << " buffer " << buffer;
        EXPECT_EQ(ReadInRanges(s, range, buffer, 1 << 20, true), ReferenceRows(s, ','))
            << "mapped input '" << s << "' range " << range << " buffer " << buffer;
      }
    }
  }
}

TEST(RowReader, RandomInputsEverySplitAndBufferMatchReference) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 60; ++iter) {
    std::string s = RandomCsv(rng, 1 + rng() % (iter % 4 == 0 ? 2000 : 200));
    std::vector<SimpleRow> expected = ReferenceRows(s, ',');
    for (size_t range = 1; range <= 24; range += 1 + range / 4) {
      for (size_t buffer : {size_t{1}, size_t{64}, size_t{65}, size_t{200}, size_t{4096}}) {
        ASSERT_EQ(ReadInRanges(s, range, buffer, 1 + rng() % 9), expected)
            << "input '" << s << "' range " << range << " buffer " << buffer;
        ASSERT_EQ(ReadInRanges(s, range, buffer, 1, true), expected)
            << "mapped input '" << s << "' range " << range << " buffer " << buffer;
      }
    }
  }
}

TEST(RowReader, WrongStartStateIsVisibleInEndState) {
  // A range that starts inside a quoted field: assuming "outside" must report an
  // end state that differs from the truth, which is what the executor checks.
  std::string s = "a,\"x\ny\nz\",b\nc,d\n";
  size_t b = 5, e = 9;
  MemoryStream stream(s, b - 1, 100);
  ReadOptions opt;
  opt.begin = b;
  opt.end = e;
  opt.start_in_quote = false;
  RowReader reader(&stream, "mem", opt);
  Collect sink;
  ASSERT_TRUE(reader.Run(&sink).ok());
  EXPECT_NE(reader.end_in_quote(), QuoteParity(s, e));
}

TEST(RowReader, OverlongRowIsAnErrorNotACrash) {
  std::string s = "a,\"" + std::string(1000, 'x') + "\n";  // an unbalanced quote
  MemoryStream stream(s, 0, 100);
  ReadOptions opt;
  opt.buffer_bytes = 16;
  opt.max_row_bytes = 256;
  RowReader reader(&stream, "bad.csv", opt);
  Collect sink;
  Status st = reader.Run(&sink);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("bad.csv"), std::string::npos) << st.message();
}

TEST(Unquote, RemovesQuotesAndUndoublesThem) {
  std::string scratch;
  EXPECT_EQ(Unquote("plain", &scratch), "plain");
  EXPECT_EQ(Unquote("\"a,b\"", &scratch), "a,b");
  EXPECT_EQ(Unquote("\"say \"\"hi\"\"\"", &scratch), "say \"hi\"");
  EXPECT_EQ(Unquote("\"\"", &scratch), "");
  EXPECT_EQ(Unquote("\"ab\"c", &scratch), "abc");
}

}  // namespace
}  // namespace fanout::csv
