#include "core/shell_quote.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/subprocess.h"

namespace fanout {
namespace {

// What /bin/sh makes of `word` after ShellQuote: the arguments it sees, each
// followed by '|'.
std::string ThroughShell(const std::string& word) {
  std::string out, err;
  Result<int> rc = RunCapture({"/bin/sh", "-c", "printf '%s|' " + ShellQuote(word)}, "", &out, &err);
  EXPECT_TRUE(rc.ok() && *rc == 0) << err;
  return out;
}

// Regression: the worker's command line joined --remote-fanout unquoted, so a
// path with a space was two words on the host.
TEST(ShellQuote, KeepsOneWordThroughTheShell) {
  for (const std::string& w : {std::string("/opt/fan out/fanout"), std::string("it's"), std::string("a\"b$c`d\\e"),
                               std::string("semi;colon && rm -rf x"), std::string(""), std::string("new\nline"),
                               std::string("''"), std::string("$(touch /tmp/x)"), std::string("*"),
                               std::string("~user/x"), std::string("a/~/b")}) {
    EXPECT_EQ(ThroughShell(w), w + "|") << w;
  }
}

// Every byte but NUL (which no argument can hold) comes through as it is.
TEST(ShellQuote, EveryByteRoundTrips) {
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(ThroughShell(all), all + "|");
}

TEST(ShellQuote, KeepsTheHomeDirectory) {
  const char* home = std::getenv("HOME");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(ThroughShell("~/my bin/fanout"), std::string(home) + "/my bin/fanout|");
  EXPECT_EQ(ShellQuote("~/bin/fanout"), "~/'bin/fanout'");
  EXPECT_EQ(ShellQuote(".cache/fanout/bin/fanout"), "'.cache/fanout/bin/fanout'");
}

}  // namespace
}  // namespace fanout
