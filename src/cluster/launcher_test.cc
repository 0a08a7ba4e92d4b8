#include "cluster/launcher.h"

#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace fanout::cluster {
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

// The ssh control sockets live in the one cache directory every other cache
// uses ($XDG_CACHE_HOME/fanout when it is set), not in a second one of their own.
TEST(SshArgv, ControlPathIsInTheCacheDirectory) {
  char tmpl[] = "/tmp/fanout-launcher-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const char* old = getenv("XDG_CACHE_HOME");
  std::string saved = old != nullptr ? old : "";
  setenv("XDG_CACHE_HOME", tmpl, 1);
  std::vector<std::string> argv = SshArgv("ssh", "h1", {"fanout", "worker"}, 15);
  if (old != nullptr) {
    setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  } else {
    unsetenv("XDG_CACHE_HOME");
  }
  std::string want = std::string("ControlPath=") + tmpl + "/fanout/ssh/%C";
  EXPECT_NE(std::find(argv.begin(), argv.end(), want), argv.end()) << "no " << want;
  EXPECT_TRUE(std::filesystem::is_directory(std::string(tmpl) + "/fanout/ssh"));
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace fanout::cluster
