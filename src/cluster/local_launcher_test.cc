#include "cluster/local_launcher.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/cpu.h"
#include "exec/stage.h"

namespace fanout::cluster {
namespace {

namespace fs = std::filesystem;

TEST(LocalLauncher, NamesItsWorkersAndSharesTheCores) {
  LocalLauncher l(3, 0);
  std::vector<WorkerSlot> slots = l.Slots();
  ASSERT_EQ(slots.size(), 3u);
  for (size_t i = 0; i < slots.size(); ++i) {
    EXPECT_EQ(slots[i].name, "local-" + std::to_string(i + 1));
    EXPECT_EQ(slots[i].host, exec::kLocalHolder);
    EXPECT_FALSE(slots[i].remote);
  }
  EXPECT_EQ(l.cores_each(), std::max(1, CoreCount() / 3));
  EXPECT_EQ(LocalLauncher(CoreCount() + 1, 0).cores_each(), 1);
  EXPECT_EQ(LocalLauncher(2, 5).cores_each(), 5);
}

TEST(LocalLauncher, RunsCommandsAndPutsFilesHereOnly) {
  LocalLauncher l(1, 1);
  Result<HostRun> r = l.RunOnHost(exec::kLocalHolder, "tr a-z A-Z; echo said >&2", "shout");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(r->out, "SHOUT");
  EXPECT_EQ(r->err, "said\n");
  EXPECT_FALSE(l.RunOnHost("h1", "true", "").ok());

  char tmpl[] = "/tmp/fanout-local-launcher-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/a/b/fanout";
  ASSERT_TRUE(l.PutFile(exec::kLocalHolder, path, "binary").ok());
  std::stringstream got;
  got << std::ifstream(path).rdbuf();
  EXPECT_EQ(got.str(), "binary");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, static_cast<fs::perms>(0755));
  EXPECT_FALSE(l.PutFile("h1", path, "x").ok());
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace fanout::cluster
