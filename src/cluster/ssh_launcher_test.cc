#include "cluster/ssh_launcher.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fanout::cluster {
namespace {

namespace fs = std::filesystem;

// The value of `-o NAME=...` in argv, or "" when it has none.
std::string Option(const std::vector<std::string>& argv, const std::string& name) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-o" && argv[i + 1].rfind(name + "=", 0) == 0) return argv[i + 1].substr(name.size() + 1);
  }
  return "";
}

// A directory of its own and a stand-in for ssh in it: `ssh [options] HOST
// COMMAND` runs COMMAND with sh in hosts/HOST (its home); hosts named bad* do
// not resolve (exit 255, as ssh).
class SshLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fanout-ssh-launcher-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    const char* old = getenv("XDG_CACHE_HOME");
    if (old != nullptr) saved_xdg_ = old;
    had_xdg_ = old != nullptr;
    setenv("XDG_CACHE_HOME", (root_ + "/cache").c_str(), 1);
    ssh_ = root_ + "/fake ssh";
    std::ofstream(ssh_) << "#!/bin/sh\n"
                           "while [ $# -gt 0 ]; do case $1 in -o|-p|-F) shift 2 ;; -*) shift ;; *) break ;; esac; done\n"
                           "host=$1; shift\n"
                           "case $host in bad*) echo \"ssh: Could not resolve hostname $host\" >&2; exit 255 ;; esac\n"
                           "mkdir -p \"" + root_ + "/hosts/$host\" && cd \"" + root_ + "/hosts/$host\" || exit 255\n"
                           "HOME=$PWD exec sh -c \"$*\"\n";
    ::chmod(ssh_.c_str(), 0755);
  }
  void TearDown() override {
    if (had_xdg_) {
      setenv("XDG_CACHE_HOME", saved_xdg_.c_str(), 1);
    } else {
      unsetenv("XDG_CACHE_HOME");
    }
    fs::remove_all(root_);
  }

  // The launcher through the stand-in ("'/tmp/.../fake ssh'" has a space: the
  // --ssh value is split on spaces, so it goes in through a symlink).
  SshLauncher Launcher(std::vector<std::string> hosts, std::string remote_fanout = kDefaultRemoteFanout) {
    std::string link = root_ + "/ssh";
    fs::create_symlink(ssh_, link, ec_);
    return SshLauncher(std::move(hosts), {link + " -p 22", std::move(remote_fanout), 3});
  }

  std::string root_, ssh_, saved_xdg_;
  bool had_xdg_ = false;
  std::error_code ec_;
};

// The ssh control sockets live in the one cache directory every other cache
// uses ($XDG_CACHE_HOME/fanout when it is set), not in a second one of their own.
TEST_F(SshLauncherTest, ControlPathIsInTheCacheDirectory) {
  std::vector<std::string> argv = SshArgv("ssh", "h1", {"fanout", "worker"}, 15);
  EXPECT_EQ(Option(argv, "ControlPath"), root_ + "/cache/fanout/ssh/%C");
  EXPECT_TRUE(fs::is_directory(root_ + "/cache/fanout/ssh"));
}

// ssh takes the first value of an option: the user's come first, then ours,
// then the host and the remote command.
TEST_F(SshLauncherTest, TheUsersOptionsComeFirst) {
  std::vector<std::string> argv = SshArgv("ssh -F my.conf -o ConnectTimeout=99", "user@h2", {"'x y' worker"}, 7);
  ASSERT_GE(argv.size(), 7u);
  EXPECT_EQ(std::vector<std::string>(argv.begin(), argv.begin() + 5),
            (std::vector<std::string>{"ssh", "-F", "my.conf", "-o", "ConnectTimeout=99"}));
  EXPECT_EQ(Option(argv, "ConnectTimeout"), "99");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "ConnectTimeout=7"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "BatchMode=yes"), argv.end());
  EXPECT_EQ(argv[argv.size() - 2], "user@h2");
  EXPECT_EQ(argv.back(), "'x y' worker");
  EXPECT_EQ(SshArgv("", "h", {}, 1)[0], "ssh");
}

TEST_F(SshLauncherTest, TheWorkerCommandIsQuoted) {
  EXPECT_EQ(RemoteWorkerCommand("~/bin/fanout"), "~/'bin/fanout' worker");
  EXPECT_EQ(RemoteWorkerCommand(".cache/fanout/bin/fanout"), "'.cache/fanout/bin/fanout' worker");
}

TEST_F(SshLauncherTest, OneWorkerPerHost) {
  SshLauncher l({"h1", "user@h2"}, {});
  std::vector<WorkerSlot> slots = l.Slots();
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[1].name, "user@h2");
  EXPECT_EQ(slots[1].host, "user@h2");
  EXPECT_TRUE(slots[0].remote && slots[1].remote);
}

// What a host that did not start a worker is told, by ssh's exit status.
TEST_F(SshLauncherTest, SaysWhyAWorkerDidNotStart) {
  SshLauncher def({"h1"}, {});
  SshLauncher other({"h1"}, {"ssh", "bin/fanout", 15});
  WorkerSlot h1{"h1", "h1", true};
  EXPECT_EQ(def.WhyNotStarted(h1, kSshFailed, "ssh: connect to host h1 port 22: Connection refused"),
            "ssh failed: ssh: connect to host h1 port 22: Connection refused");
  EXPECT_EQ(def.WhyNotStarted(h1, kCommandNotFound, "sh: 1: .cache/fanout/bin/fanout: not found"),
            "fanout not found at .cache/fanout/bin/fanout on the host (sh: 1: .cache/fanout/bin/fanout: not found)"
            " — run fanout deploy --hosts h1");
  EXPECT_EQ(other.WhyNotStarted(h1, kCannotExecute, ""),
            "bin/fanout cannot be run on the host — run fanout deploy --hosts h1 --remote-fanout bin/fanout");
  EXPECT_EQ(def.WhyNotStarted(h1, 3, "fanout worker: no job"), "it exited with status 3: fanout worker: no job");
  EXPECT_EQ(def.WhyNotStarted(h1, -1, ""), "it exited");
}

TEST_F(SshLauncherTest, RunsCommandsOnHosts) {
  SshLauncher l = Launcher({});
  Result<HostRun> r = l.RunOnHost("h1", "cat; echo \"home $HOME\" >&2; exit 4", "some input");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 4);
  EXPECT_FALSE(r->unreachable);
  EXPECT_EQ(r->out, "some input");
  EXPECT_EQ(r->err, "home " + root_ + "/hosts/h1\n");
  Result<HostRun> bad = l.RunOnHost("badhost", "true", "");
  ASSERT_TRUE(bad.ok());
  EXPECT_TRUE(bad->unreachable);
  EXPECT_EQ(bad->err, "ssh: Could not resolve hostname badhost\n");
}

// PutFile makes the directory, and the file whole, runnable, with no temporary
// file left beside it; a host that cannot take it says why.
TEST_F(SshLauncherTest, PutsFilesOnHosts) {
  SshLauncher l = Launcher({});
  std::string content(3 << 20, 'x');
  content += "the end";
  ASSERT_TRUE(l.PutFile("h1", "my bin/it's here/fanout", content).ok());
  std::string path = root_ + "/hosts/h1/my bin/it's here/fanout";
  std::ifstream in(path, std::ios::binary);
  std::stringstream got;
  got << in.rdbuf();
  EXPECT_TRUE(got.str() == content) << got.str().size() << " bytes";
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, static_cast<fs::perms>(0755));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  fs::create_directories(root_ + "/hosts/h2");
  std::ofstream(root_ + "/hosts/h2/blocker") << "a file, not a directory";
  Status st = l.PutFile("h2", "blocker/fanout", "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("blocker"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace fanout::cluster
