#include "csv/reader.h"
#include "csv/reference_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace fanout::csv {
namespace {

using testing_support::ChainMustFail;
using testing_support::Collect;
using testing_support::MemoryStream;
using testing_support::Reading;
using testing_support::ReferenceRead;
using testing_support::ReferenceStates;

// Reads in ranges as an executor does and fails the test on any reader error or
// wrong end state. Where the first `buffer` bytes guess the line end wrong, the
// chain must fail and this returns what the reference reads, to compare equal.
Reading ReadInRanges(const std::string& s, size_t range, size_t buffer, size_t chunk, bool mapped = false) {
  std::string problem, chain_error;
  Reading r = testing_support::ReadInRanges(s, range, buffer, chunk, mapped, &problem, &chain_error);
  EXPECT_EQ(problem, "") << "input '" << s << "' range " << range << " buffer " << buffer << " mapped " << mapped;
  bool must_fail = ChainMustFail(s, buffer);
  EXPECT_EQ(!chain_error.empty(), must_fail) << chain_error;
  return must_fail ? ReferenceRead(s, ',') : r;
}


// Random text over an alphabet of CSV's special bytes; every third one has lone
// '\r' line ends only.
std::string RandomCsv(std::mt19937_64& rng, size_t n, int iter) {
  std::string_view alphabet = iter % 3 == 2 ? "ab,,\"\"\"\r\r1 " : "ab,,\"\"\"\n\n\r1 ";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(alphabet[pick(rng)]);
  return s;
}

TEST(RowReader, FixedCasesMatchReference) {
  const std::vector<std::string> cases = {
      "", "\n", "a", "a\n", "a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,\"b,c\"\n\"d\ne\",f\n",
      "h1,h2\n\n1,2\n", "x,\"\"\"q\"\"\"\n", "no,final,newline", "\n\n\na\n\n", "a,b,\n,\n",
      // quotes that are text: inside unquoted fields, and after a quoted field closed
      "bob,5'10\",NYC\nann,6',LA\n", "12\" sub,3\n\"a\"b\"c,d\n", "a\"b,\"c\nd\"\n",
      // an object that ends inside a quoted field, with and without rows before
      "a,b\nc,\"d\ne\n", "\"", "x\n\"",
      // lone '\r' line ends, '\r' before '\n' dropped, '\r' as text among '\n's
      "a,b\rc,d\r", "a,\"x\ry\"\rb\r", "a\r\nb\nc\r\n", "a\rb\nc\n",
      // a byte order mark is not the first field's
      "\xEF\xBB\xBF\"a,b\",c\n1,2\n", "\xEF\xBB\xBF\n\"q\"\n", "\xEF\xBB\xBF",
  };
  for (const std::string& s : cases) {
    for (size_t range : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}}) {
      for (size_t buffer : {size_t{1}, size_t{2}, size_t{5}, size_t{64}}) {
        EXPECT_EQ(ReadInRanges(s, range, buffer, 1 << 20), ReferenceRead(s, ','))
            << "input '" << s << "' range " << range << " buffer " << buffer;
        EXPECT_EQ(ReadInRanges(s, range, buffer, 1 << 20, true), ReferenceRead(s, ','))
            << "mapped input '" << s << "' range " << range << " buffer " << buffer;
      }
    }
  }
}

TEST(RowReader, RandomInputsEverySplitAndBufferMatchReference) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 60; ++iter) {
    std::string s = RandomCsv(rng, 1 + rng() % (iter % 4 == 0 ? 2000 : 200), iter);
    Reading expected = ReferenceRead(s, ',');
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
  // A range that starts inside a quoted field: assuming a field start must report
  // an end state that differs from the truth, which is what the executor checks.
  std::string s = "a,\"x\ny\nz\",b\nc,d\n";
  size_t b = 5, e = 9;
  MemoryStream stream(s, b - 1, 100);
  ReadOptions opt;
  opt.begin = b;
  opt.end = e;
  RowReader reader(&stream, "mem", opt);
  Collect sink;
  ASSERT_TRUE(reader.Run(&sink).ok());
  EXPECT_NE(reader.range_end().quote, ReferenceStates(s, ',')[e]);
  EXPECT_EQ(reader.range_end().used, (RangeStart{QuoteState::kFieldStart, LineEnd::kLf}));
}

// The 30,000-row file: a literal quote in one field made parity swallow
// the rows after it. Every split must give the reference's rows.
TEST(RowReader, LiteralQuotesNeverSwallowRows) {
  std::string s = "name,height,city\n";
  for (int i = 0; i < 3000; ++i) s += "bob" + std::to_string(i) + ",5'" + std::to_string(i % 12) + "\",NYC\n";
  Reading want = ReferenceRead(s, ',');
  ASSERT_EQ(want.rows.size(), 3001u);
  for (size_t range : {size_t{7}, size_t{1000}, size_t{1} << 20}) {
    EXPECT_EQ(ReadInRanges(s, range, 1 << 20, 1 << 20), want);
    EXPECT_EQ(ReadInRanges(s, range, 100, 333, true), want);
  }
}

// Every range size with one-byte buffers, mapped or not, gives the reference's rows.
void ExpectSameAtEveryRange(const std::string& s) {
  Reading want = ReferenceRead(s, ',');
  for (size_t range = 1; range <= s.size(); ++range) {
    for (bool mapped : {false, true}) {
      std::string problem;
      Reading got = testing_support::ReadInRanges(s, range, 1, 1, mapped, &problem);
      EXPECT_EQ(problem, "") << "range " << range << " mapped " << mapped;
      EXPECT_EQ(got, want) << "range " << range << " mapped " << mapped;
    }
  }
}

// Found by the fuzzer: the bytes of a byte order mark later in the text are
// data, also for a range that begins inside them (a range at offset 5 took its
// first bytes and the byte before for a mark and skipped them).
TEST(RowReader, ByteOrderMarkBytesAfterTheStartAreData) {
  std::string s("\xe7\xe7\xe7\x00\xef\xbb\xbf", 7);
  s += "\n\xef\xbb\xbf,x\n";
  ExpectSameAtEveryRange(s);
}

// Found by the fuzzer: a range beginning inside the byte order mark, read
// through buffers smaller than the mark, must still see all of it.
TEST(RowReader, ByteOrderMarkSeenWholeThroughTinyBuffers) {
  ExpectSameAtEveryRange(std::string("\xef\xbb\xbf\n\x04", 5));
  ExpectSameAtEveryRange(std::string("\xef\xbb\xbf\"a\",b\nc\n"));
}

TEST(RowReader, MixedLineEndsAreAnErrorNamingTheObject) {
  // lone '\r's in the first bytes, then a '\n': no consistent reading exists
  std::string s = "a,b\rc,d\r" + std::string(100, 'x') + "\ne\n";
  std::string problem, chain_error;
  testing_support::ReadInRanges(s, 16, 8, 100, false, &problem, &chain_error);
  EXPECT_EQ(problem, "");
  EXPECT_NE(chain_error.find("mem"), std::string::npos) << chain_error;
  EXPECT_NE(chain_error.find("mixed line ends"), std::string::npos) << chain_error;
}

TEST(RowReader, UnterminatedQuoteIsReportedNotEmitted) {
  std::string s = "a,b\n1,\"open\n2,3\n";
  MemoryStream stream(s, 0, 100);
  RowReader reader(&stream, "t.csv", ReadOptions{});
  struct Plain final : RowSink {
    Status OnRow(const Row&) override { return Status::OK(); }
  } plain;  // the default: an error naming the object and the row's offset
  Status st = reader.Run(&plain);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("t.csv"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("byte 4"), std::string::npos) << st.message();
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
  EXPECT_EQ(Unquote("\"ab\"c\"d", &scratch), "abc\"d");  // after the closing quote, quotes are text
  EXPECT_EQ(Unquote("5'10\"", &scratch), "5'10\"");
  EXPECT_EQ(Unquote("\"a\"\"\"", &scratch), "a\"");
}

}  // namespace
}  // namespace fanout::csv
