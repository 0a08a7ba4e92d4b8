#include "csv/chain.h"

#include <gtest/gtest.h>

namespace fanout::csv {
namespace {

RangeEnd End(QuoteState used, QuoteState end, bool lf = true, bool quote_at_begin = false) {
  RangeEnd r;
  r.used = RangeStart{used, LineEnd::kLf};
  r.quote = end;
  r.saw_lf = lf;
  r.quote_at_begin = quote_at_begin;
  return r;
}

constexpr QuoteState kStart = QuoteState::kFieldStart, kIn = QuoteState::kQuoted, kText = QuoteState::kUnquoted;

TEST(CheckChain, AChainOfRightGuessesRunsNothingAgain) {
  Result<ChainVerdict> v = CheckChain({End(kStart, kStart), End(kStart, kStart), End(kStart, kIn)}, "o");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->rerun, 3u);
}

// A boundary in the middle of an unquoted field: the range assumed a field start
// and read alike, unless its first byte is a quote (then that quote is text).
TEST(CheckChain, AMidFieldBoundaryRunsAgainOnlyWhenItStartsWithAQuote) {
  Result<ChainVerdict> v = CheckChain({End(kStart, kText), End(kStart, kStart)}, "o");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->rerun, 2u);
  v = CheckChain({End(kStart, kText), End(kStart, kStart, true, true)}, "o");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->rerun, 1u);
  EXPECT_EQ(v->start, (RangeStart{kText, LineEnd::kLf}));
}

TEST(CheckChain, ARangeThatStartsInsideQuotesRunsAgain) {
  Result<ChainVerdict> v = CheckChain({End(kStart, kIn), End(kStart, kStart), End(kStart, kStart)}, "o");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->rerun, 1u);
  EXPECT_EQ(v->start, (RangeStart{kIn, LineEnd::kLf}));
  // Run again from inside quotes, it ends outside them: the third range is right.
  v = CheckChain({End(kStart, kIn), End(kIn, kStart), End(kStart, kStart)}, "o");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->rerun, 3u);
}

TEST(CheckChain, LoneCarriageReturnsRunLaterRangesAgainWithThem) {
  RangeEnd first = End(kStart, kStart, false);
  first.used.line_end = LineEnd::kCr;
  first.saw_cr = true;
  RangeEnd second = End(kStart, kStart, false);  // guessed '\n': its window had no line end
  Result<ChainVerdict> v = CheckChain({first, second}, "o");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->rerun, 1u);
  EXPECT_EQ(v->start, (RangeStart{kStart, LineEnd::kCr}));
}

TEST(CheckChain, AWrongFirstGuessIsAnErrorNamingTheObject) {
  RangeEnd first = End(kStart, kStart, false);
  first.used.line_end = LineEnd::kCr;
  first.saw_cr = true;
  Result<ChainVerdict> v = CheckChain({first, End(kStart, kStart, true)}, "data/x.csv");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("data/x.csv"), std::string::npos);
  EXPECT_NE(v.status().message().find("mixed line ends"), std::string::npos);
}

TEST(RangeStart, CodesRoundTripAndKeepTheOldMeanings) {
  for (uint8_t code = 0; code < 255; ++code) {
    RangeStart s;
    if (RangeStart::FromCode(code, &s)) {
      EXPECT_EQ(s.Code(), code);
    }
  }
  RangeStart s;
  ASSERT_TRUE(RangeStart::FromCode(1, &s));
  EXPECT_EQ(s.quote, QuoteState::kQuoted);
  EXPECT_EQ(RangeStart{}.Code(), 0);
  EXPECT_FALSE(RangeStart::FromCode(3, &s));
  EXPECT_FALSE(RangeStart::FromCode(12, &s));
}

}  // namespace
}  // namespace fanout::csv
