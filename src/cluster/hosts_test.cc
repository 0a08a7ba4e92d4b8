#include "cluster/hosts.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace fanout::cluster {
namespace {

using Hosts = std::vector<std::string>;

TEST(ParseHosts, AListSeparatedByCommas) {
  Result<Hosts> h = ParseHosts("h1, user@h2 ,h3.example.com,,");
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(*h, (Hosts{"h1", "user@h2", "h3.example.com"}));
}

TEST(ParseHosts, AFileWithCommentsAndBlankLines) {
  char path[] = "/tmp/fanout-hosts-test.XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << "# the cluster\nh1\n\n  h2   # the big one\r\nuser@h3\n";
  Result<Hosts> h = ParseHosts(std::string("@") + path);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(*h, (Hosts{"h1", "h2", "user@h3"}));
  std::ofstream(path) << "h1\nh2; rm -rf ~\n";
  Result<Hosts> bad = ParseHosts(std::string("@") + path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), std::string(path) + ":2: 'h2; rm -rf ~' is not a host name");
  std::remove(path);
  Result<Hosts> missing = ParseHosts(std::string("@") + path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// A name ssh would take as an option, or a shell as more than a word, is refused.
TEST(ParseHosts, RefusesWhatIsNotAHostName) {
  for (const char* spec : {"-oProxyCommand=x", "h1,-v", "a b", "h'1", "h\"1", "h`1`", "h$1", "h;1", "h&1", "h|1",
                           "h<1", "h>1", "h\\1"}) {
    Result<Hosts> h = ParseHosts(spec);
    ASSERT_FALSE(h.ok()) << spec;
    EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument) << spec;
  }
  Result<Hosts> none = ParseHosts(" , ,");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "--hosts  , ,: no hosts");
}

}  // namespace
}  // namespace fanout::cluster
