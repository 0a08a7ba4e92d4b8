#include "core/temp_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fanout {
namespace {

namespace fs = std::filesystem;

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fanout-temp-dir-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    parent_ = tmpl;
  }
  void TearDown() override { fs::remove_all(parent_); }

  // A pid that was ours and is gone now.
  static pid_t DeadPid() {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
    return pid;
  }

  std::string parent_;
};

TEST_F(TempDirTest, RemovedWithEverythingInItWhenDestroyed) {
  std::string path;
  {
    Result<std::unique_ptr<OwnedTempDir>> d = OwnedTempDir::Make(parent_, "job");
    ASSERT_TRUE(d.ok()) << d.status().message();
    path = (*d)->path();
    EXPECT_EQ(fs::path(path).filename().string().rfind("job." + std::to_string(getpid()) + ".", 0), 0u) << path;
    fs::create_directories(path + "/a/b");
    std::ofstream(path + "/a/b/file") << "x";
    fs::permissions(path + "/a/b/file", fs::perms::owner_read);
  }
  EXPECT_FALSE(fs::exists(path));
}

// What a job killed before it could clean up left behind goes; what a live
// job uses stays, even when its pid looks dead here (another pid namespace)
// but it holds its lock.
TEST_F(TempDirTest, StaleDirectoriesOfDeadOwnersAreRemovedLiveOnesKept) {
  // A child makes one and dies without removing it (as SIGKILL would).
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  if (child == 0) {
    Result<std::unique_ptr<OwnedTempDir>> d = OwnedTempDir::Make(parent_, "job");
    std::string p = d.ok() ? (*d)->path() : "";
    ssize_t ignored = write(pipefd[1], p.data(), p.size());
    (void)ignored;
    _exit(0);  // no destructor runs
  }
  close(pipefd[1]);
  char buf[4096];
  ssize_t n = read(pipefd[0], buf, sizeof(buf));
  close(pipefd[0]);
  waitpid(child, nullptr, 0);
  ASSERT_GT(n, 0);
  std::string dead_owners(buf, static_cast<size_t>(n));
  ASSERT_TRUE(fs::exists(dead_owners));

  // A live job's directory, and one whose pid is dead but whose lock is held.
  Result<std::unique_ptr<OwnedTempDir>> live = OwnedTempDir::Make(parent_, "job");
  ASSERT_TRUE(live.ok());
  std::string locked = parent_ + "/job." + std::to_string(DeadPid()) + ".abcdef";
  ASSERT_EQ(mkdir(locked.c_str(), 0700), 0);
  int fd = open((locked + "/.lock").c_str(), O_CREAT | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  // Not ours to judge: another prefix, and a name without a pid.
  std::string other = parent_ + "/other." + std::to_string(DeadPid()) + ".abcdef";
  std::string no_pid = parent_ + "/job.abcdef";
  ASSERT_EQ(mkdir(other.c_str(), 0700), 0);
  ASSERT_EQ(mkdir(no_pid.c_str(), 0700), 0);

  EXPECT_EQ(RemoveStaleDirs(parent_, "job"), 1);
  EXPECT_FALSE(fs::exists(dead_owners));
  EXPECT_TRUE(fs::exists((*live)->path()));
  EXPECT_TRUE(fs::exists(locked));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(no_pid));
  close(fd);  // its owner is gone now
  EXPECT_EQ(RemoveStaleDirs(parent_, "job"), 1);
  EXPECT_FALSE(fs::exists(locked));
}

TEST_F(TempDirTest, AnUnwritableParentIsAnErrorNamingIt) {
  Result<std::unique_ptr<OwnedTempDir>> d = OwnedTempDir::Make(parent_ + "/missing", "job");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(parent_ + "/missing"), std::string::npos) << d.status().message();
}

TEST_F(TempDirTest, TempDirectoryIsTmpdirOrTmp) {
  const char* old = getenv("TMPDIR");
  std::string saved = old != nullptr ? old : "";
  setenv("TMPDIR", parent_.c_str(), 1);
  EXPECT_EQ(TempDirectory(), parent_);
  setenv("TMPDIR", "", 1);
  EXPECT_EQ(TempDirectory(), "/tmp");
  if (old != nullptr) {
    setenv("TMPDIR", saved.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
}

}  // namespace
}  // namespace fanout
