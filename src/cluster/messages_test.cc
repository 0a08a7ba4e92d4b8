#include "cluster/messages.h"

#include <gtest/gtest.h>

namespace fanout::cluster {
namespace {

std::string_view Payload(const std::string& frame) { return std::string_view(frame).substr(5); }

TEST(Messages, TasksCarryTheirRangeStart) {
  TaskMsg t;
  t.id = 3;
  t.object.info = {"/data/a.csv", 1000, ""};
  t.task = {0, 1, 3, 100, 200, 100};
  t.start = csv::RangeStart{csv::QuoteState::kUnquoted, csv::LineEnd::kCr};
  Result<TaskMsg> back = DecodeTask(Payload(EncodeTask(t)));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->start, t.start);
}

TEST(Messages, DoneFramesCarryWhatTheRangeFound) {
  DoneMsg d;
  d.id = 7;
  d.end.used = csv::RangeStart{csv::QuoteState::kQuoted, csv::LineEnd::kLf};
  d.end.quote = csv::QuoteState::kUnquoted;
  d.end.saw_lf = true;
  d.end.saw_cr = true;
  d.end.quote_at_begin = true;
  d.end.unterminated = 12345;
  d.partial = "p";
  Result<DoneMsg> back = DecodeDone(Payload(EncodeDone(d)));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->end, d.end);
  EXPECT_EQ(back->partial, "p");
}

// A worker that reports a range read with a guessed line end, or a quote state
// that does not exist, sent garbage: the frame is refused.
TEST(Messages, ImpossibleRangeEndsAreRefused) {
  DoneMsg d;
  d.id = 7;
  std::string good = EncodeDone(d);
  ASSERT_TRUE(DecodeDone(Payload(good)).ok());
  const size_t used_at = 5 + 8, quote_at = used_at + 1, saw_at = quote_at + 1;
  std::string bad = good;
  bad[used_at] = static_cast<char>(csv::RangeStart{}.Code());  // kGuess: never what a range was read with
  EXPECT_FALSE(DecodeDone(Payload(bad)).ok());
  bad = good;
  bad[quote_at] = 3;
  EXPECT_FALSE(DecodeDone(Payload(bad)).ok());
  bad = good;
  bad[saw_at] = 8;
  EXPECT_FALSE(DecodeDone(Payload(bad)).ok());
  for (size_t n = 0; n < Payload(good).size(); ++n) EXPECT_FALSE(DecodeDone(Payload(good).substr(0, n)).ok()) << n;
}

}  // namespace
}  // namespace fanout::cluster
