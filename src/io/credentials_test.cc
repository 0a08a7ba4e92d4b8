#include "io/credentials.h"
#include "io/imds.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace fanout::io {
namespace {

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (auto [name, value] : vars) {
      const char* old = getenv(name);
      saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
      if (value) {
        setenv(name, value, 1);
      } else {
        unsetenv(name);
      }
    }
  }
  ~ScopedEnv() {
    for (auto& [name, old] : saved_) {
      if (old) {
        setenv(name.c_str(), old->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::string WriteTemp(const std::string& text) {
  std::string path = std::filesystem::temp_directory_path() / ("fanout-cred-" + std::to_string(::getpid()) +
                                                               "-" + std::to_string(rand()));
  std::ofstream(path) << text;
  return path;
}

TEST(ParseIni, SectionsKeysAndComments) {
  auto ini = ParseIni("# comment\n[default]\naws_access_key_id = AKID\n; other\n[profile x]\nregion=eu-west-1\n");
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AKID");
  EXPECT_EQ(ini["profile x"]["region"], "eu-west-1");
}

TEST(Credentials, EnvironmentFirst) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"},
                 {"AWS_SESSION_TOKEN", "TOKEN"}, {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"}});
  auto c = CredentialsFromEnvironmentOrFiles();
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->access_key_id, "ENVKEY");
  EXPECT_EQ((*c)->session_token, "TOKEN");
}

TEST(Credentials, HalfSetEnvironmentIsAnErrorWithoutTheSecret) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", nullptr}, {"AWS_SECRET_ACCESS_KEY", "s3cr3t-value"}});
  auto c = CredentialsFromEnvironmentOrFiles();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("s3cr3t-value"), std::string::npos);
}

TEST(Credentials, SharedFileProfiles) {
  std::string file = WriteTemp(
      "[default]\naws_access_key_id = DEF\naws_secret_access_key = DEFSECRET\n"
      "[work]\naws_access_key_id = WORK\naws_secret_access_key = WORKSECRET\n"
      "[broken]\naws_access_key_id = ONLYID\n");
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", nullptr}, {"AWS_SECRET_ACCESS_KEY", nullptr},
                 {"AWS_SHARED_CREDENTIALS_FILE", file.c_str()}, {"AWS_PROFILE", nullptr}});
  auto def = CredentialsFromEnvironmentOrFiles();
  ASSERT_TRUE(def.ok() && def->has_value());
  EXPECT_EQ((*def)->access_key_id, "DEF");
  {
    ScopedEnv p({{"AWS_PROFILE", "work"}});
    auto work = CredentialsFromEnvironmentOrFiles();
    ASSERT_TRUE(work.ok() && work->has_value());
    EXPECT_EQ((*work)->secret_access_key, "WORKSECRET");
  }
  {
    ScopedEnv p({{"AWS_PROFILE", "nope"}});
    auto missing = CredentialsFromEnvironmentOrFiles();
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  }
  {
    ScopedEnv p({{"AWS_PROFILE", "broken"}});
    auto broken = CredentialsFromEnvironmentOrFiles();
    ASSERT_FALSE(broken.ok());
    EXPECT_NE(broken.status().message().find("broken"), std::string::npos);
  }
  std::filesystem::remove(file);
}

TEST(Region, EnvironmentThenConfigProfile) {
  std::string config = WriteTemp("[default]\nregion = us-west-2\n[profile work]\nregion = eu-central-1\n");
  {
    ScopedEnv env({{"AWS_REGION", nullptr}, {"AWS_DEFAULT_REGION", nullptr}, {"AWS_CONFIG_FILE", config.c_str()},
                   {"AWS_PROFILE", nullptr}});
    EXPECT_EQ(RegionFromEnvironmentOrConfig(), "us-west-2");
    ScopedEnv p({{"AWS_PROFILE", "work"}});
    EXPECT_EQ(RegionFromEnvironmentOrConfig(), "eu-central-1");
  }
  {
    ScopedEnv env({{"AWS_REGION", "ap-south-1"}, {"AWS_CONFIG_FILE", config.c_str()}});
    EXPECT_EQ(RegionFromEnvironmentOrConfig(), "ap-south-1");
  }
  std::filesystem::remove(config);
}

}  // namespace
}  // namespace fanout::io

namespace fanout::io {
namespace {

TEST(InterruptionNotices, WhatEc2SaysAndWhatItDoesNot) {
  EXPECT_EQ(DescribeSpotAction(R"({"action": "terminate", "time": "2026-12-03T12:00:00Z"})"),
            "spot instance-action: terminate at 2026-12-03T12:00:00Z");
  EXPECT_EQ(DescribeSpotAction(R"({"action": "stop"})"), "spot instance-action: stop");
  EXPECT_EQ(DescribeRebalance(R"({"noticeTime": "2026-12-03T11:58:00Z"})"), "rebalance recommendation at 2026-12-03T11:58:00Z");
  // Not the JSON EC2 sends: said as it came (cut), never a crash.
  EXPECT_EQ(DescribeSpotAction("{\"action\": 3"), "spot instance-action: {\"action\": 3");
  EXPECT_EQ(DescribeRebalance(std::string(500, 'x')), "rebalance recommendation: " + std::string(200, 'x'));
}

}  // namespace
}  // namespace fanout::io
