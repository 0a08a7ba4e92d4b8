#include "dist/launcher.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout::dist {
namespace {

// What /bin/sh makes of `word` after ShellQuote: one argument, unchanged.
std::string ThroughShell(const std::string& word) {
  std::string out, err;
  Result<int> rc = RunCapture({"/bin/sh", "-c", "printf '%s|' " + ShellQuote(word)}, "", &out, &err);
  EXPECT_TRUE(rc.ok() && *rc == 0) << err;
  return out;
}

// Regression: the worker's command line joined --remote-fanout unquoted, so a
// path with a space was two words on the host.
TEST(LauncherTest, ShellQuoteKeepsOneWord) {
  for (const std::string& w : {std::string("/opt/fan out/fanout"), std::string("it's"), std::string("a\"b$c`d\\e"),
                               std::string("semi;colon && rm -rf x"), std::string(""), std::string("new\nline")}) {
    EXPECT_EQ(ThroughShell(w), w + "|") << w;
  }
}

TEST(LauncherTest, ShellQuoteKeepsTheHomeDirectory) {
  const char* home = std::getenv("HOME");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(ThroughShell("~/my bin/fanout"), std::string(home) + "/my bin/fanout|");
  EXPECT_EQ(RemoteWorkerCommand("~/bin/fanout"), "~/'bin/fanout' worker");
  EXPECT_EQ(RemoteWorkerCommand(".cache/fanout/bin/fanout"), "'.cache/fanout/bin/fanout' worker");
}

}  // namespace
}  // namespace fanout::dist
