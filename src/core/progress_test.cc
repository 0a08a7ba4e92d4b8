#include "core/progress.h"

#include <gtest/gtest.h>

#include "core/bytes.h"

namespace fanout {
namespace {

TEST(CountOfTest, SingularForOneOnly) {
  EXPECT_EQ(CountOf(0, "row"), "0 rows");
  EXPECT_EQ(CountOf(1, "row"), "1 row");
  EXPECT_EQ(CountOf(2, "task"), "2 tasks");
  EXPECT_EQ(CountOf(1234567, "row"), "1,234,567 rows");
  EXPECT_EQ(CountOf(1, "retry", "retries"), "1 retry");
  EXPECT_EQ(CountOf(3, "retry", "retries"), "3 retries");
}

// Regression: rows were counted only as tasks finished, so the progress line's
// rows lagged far behind its bytes; they are now scaled from the finished tasks.
TEST(ProgressBarTest, RowsKeepUpWithBytes) {
  // Finished tasks: 1000 bytes, 10 rows; 3000 bytes read in all.
  EXPECT_EQ(ProgressBar::RowsText(3000, 10, 1000, true), "~30 rows");
  // Every byte read is in a finished task: the count itself.
  EXPECT_EQ(ProgressBar::RowsText(3000, 30, 3000, true), "30 rows");
  // Nothing finished yet: nothing to scale from.
  EXPECT_EQ(ProgressBar::RowsText(3000, 0, 0, true), "0 rows");
  // A job that does not say which bytes its rows come from: as counted.
  EXPECT_EQ(ProgressBar::RowsText(3000, 10, 0, false), "10 rows");
  EXPECT_EQ(ProgressBar::RowsText(100, 1, 100, true), "1 row");
}

}  // namespace
}  // namespace fanout
