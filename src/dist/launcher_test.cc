#include "dist/launcher.h"

#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace fanout::dist {
namespace {

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
}  // namespace fanout::dist
