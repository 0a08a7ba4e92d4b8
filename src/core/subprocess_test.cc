#include "core/subprocess.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace fanout {
namespace {

// Reads the child's stdout and stderr to their ends.
void ReadAll(Child* c, std::string* out, std::string* err) {
  CloseFd(&c->in);
  char buf[4096];
  while (c->out >= 0 || c->err >= 0) {
    for (int* fd : {&c->out, &c->err}) {
      if (*fd < 0) continue;
      pollfd p{*fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::read(*fd, buf, sizeof(buf));
      if (n > 0) {
        (fd == &c->out ? out : err)->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EAGAIN) {
        CloseFd(fd);
      }
    }
  }
}

TEST(SpawnChild, AddsAndReplacesEnvironmentVariables) {
  setenv("FANOUT_SUBPROCESS_TEST_KEPT", "kept", 1);
  setenv("FANOUT_SUBPROCESS_TEST_REPLACED", "old", 1);
  SpawnOptions so;
  so.env = {{"FANOUT_SUBPROCESS_TEST_REPLACED", "new"}, {"FANOUT_SUBPROCESS_TEST_ADDED", "a=b"}};
  Result<Child> c = SpawnChild({"sh", "-c", "env | grep '^FANOUT_SUBPROCESS_TEST_' | sort"}, so);
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string out, err;
  ReadAll(&*c, &out, &err);
  EXPECT_EQ(WaitChild(c->pid), 0) << err;
  EXPECT_EQ(out,
            "FANOUT_SUBPROCESS_TEST_ADDED=a=b\nFANOUT_SUBPROCESS_TEST_KEPT=kept\n"
            "FANOUT_SUBPROCESS_TEST_REPLACED=new\n");
  EXPECT_STREQ(getenv("FANOUT_SUBPROCESS_TEST_REPLACED"), "old");  // ours is untouched
}

TEST(SpawnChild, AMissingDirectoryOrProgramIsSaidOnItsStderr) {
  SpawnOptions so;
  so.cwd = "/nonexistent/fanout-test";
  Result<Child> c = SpawnChild({"true"}, so);
  ASSERT_TRUE(c.ok());
  std::string out, err;
  ReadAll(&*c, &out, &err);
  EXPECT_EQ(WaitChild(c->pid), 127);
  EXPECT_EQ(err, "cannot enter /nonexistent/fanout-test: No such file or directory\n");
  Result<Child> d = SpawnChild({"fanout-no-such-program"});
  ASSERT_TRUE(d.ok());
  out.clear();
  err.clear();
  ReadAll(&*d, &out, &err);
  EXPECT_EQ(WaitChild(d->pid), 127);
  EXPECT_EQ(err, "cannot run fanout-no-such-program: No such file or directory\n");
}

// StopGroup ends a group whose members ignore SIGTERM, after the grace.
TEST(StopGroup, KillsWhatIgnoresSigterm) {
  Result<Child> c = SpawnChild({"sh", "-c", "trap '' TERM; sleep 1000 & sleep 1000; wait"});
  ASSERT_TRUE(c.ok());
  usleep(100 * 1000);
  auto start = std::chrono::steady_clock::now();
  StopGroup(c->pid, 300);
  int status = WaitChild(c->pid);
  EXPECT_EQ(status, 128 + SIGKILL);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  CloseFd(&c->in);
  CloseFd(&c->out);
  CloseFd(&c->err);
}

}  // namespace
}  // namespace fanout
