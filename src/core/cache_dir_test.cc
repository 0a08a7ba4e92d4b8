#include "core/cache_dir.h"

#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace fanout {
namespace {

namespace fs = std::filesystem;

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class CacheDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fanout-cache-dir-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_F(CacheDirTest, IsUnderXdgCacheHomeWhenSet) {
  ScopedEnv xdg("XDG_CACHE_HOME", root_ + "/xdg");
  ScopedEnv home("HOME", root_ + "/home");
  EXPECT_EQ(CacheDir(), root_ + "/xdg/fanout");
  EXPECT_TRUE(fs::is_directory(root_ + "/xdg/fanout"));
  EXPECT_FALSE(fs::exists(root_ + "/home"));
  EXPECT_EQ(fs::status(root_ + "/xdg/fanout").permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST_F(CacheDirTest, IsUnderTheHomeDirectoryWithoutXdgCacheHome) {
  ScopedEnv home("HOME", root_);
  for (std::optional<std::string> xdg : {std::optional<std::string>(), std::optional<std::string>("")}) {
    ScopedEnv unset("XDG_CACHE_HOME", xdg);
    EXPECT_EQ(CacheDir(), root_ + "/.cache/fanout") << (xdg ? "XDG_CACHE_HOME empty" : "XDG_CACHE_HOME unset");
    EXPECT_TRUE(fs::is_directory(root_ + "/.cache/fanout"));
  }
}

TEST_F(CacheDirTest, FallsBackToTmpWhenNeitherIsThere) {
  ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
  ScopedEnv home("HOME", std::nullopt);
  std::string want = "/tmp/fanout-" + std::to_string(getuid());
  EXPECT_EQ(CacheDir(), want);
  EXPECT_TRUE(fs::is_directory(want));
}

TEST_F(CacheDirTest, FallsBackToTmpWhenItCannotBeMade) {
  ScopedEnv xdg("XDG_CACHE_HOME", "/proc/fanout-cannot-be-made");
  EXPECT_EQ(CacheDir(), "/tmp/fanout-" + std::to_string(getuid()));
}

}  // namespace
}  // namespace fanout
