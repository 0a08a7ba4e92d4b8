#include "cluster/launcher.h"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

namespace fanout::cluster {
namespace {

using Clock = std::chrono::steady_clock;

TEST(SpawnWorker, WaitExitGivesTheStatusOnceItHasEnded) {
  Result<std::unique_ptr<WorkerProcess>> w = SpawnWorker({"sh", "-c", "read x; exit 7"});
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ((*w)->WaitExit(50), -1);  // still reading
  (*w)->CloseInput();
  EXPECT_EQ((*w)->to_fd(), -1);
  EXPECT_EQ((*w)->WaitExit(10000), 7);
  (*w)->Stop(0);  // already reaped: nothing to do
}

// Terminate asks the whole group to go; Stop ends what ignores that after the grace.
TEST(SpawnWorker, TerminateAndStop) {
  Result<std::unique_ptr<WorkerProcess>> w = SpawnWorker({"sleep", "1000"});
  ASSERT_TRUE(w.ok());
  (*w)->Terminate();
  EXPECT_EQ((*w)->WaitExit(10000), 128 + SIGTERM);

  Result<std::unique_ptr<WorkerProcess>> stubborn = SpawnWorker({"sh", "-c", "trap '' TERM; echo ready; sleep 1000"});
  ASSERT_TRUE(stubborn.ok());
  char c;
  for (int i = 0; i < 1000 && ::read((*stubborn)->from_fd(), &c, 1) != 1; ++i) usleep(10 * 1000);  // the trap is set
  (*stubborn)->Terminate();
  auto start = Clock::now();
  (*stubborn)->Stop(200);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(190));
  EXPECT_EQ((*stubborn)->from_fd(), -1);
  EXPECT_EQ((*stubborn)->WaitExit(0), -1);  // gone, and reaped by Stop
}

// The base launcher's answers for a worker that did not start, and for what
// it cannot do.
TEST(Launcher, DefaultsSayWhatHappened) {
  class Bare final : public Launcher {
   public:
    std::vector<WorkerSlot> Slots() const override { return {}; }
    Result<std::unique_ptr<WorkerProcess>> Start(const WorkerSlot&) override { return Status::Unsupported("no"); }
  } bare;
  WorkerSlot s{"w1", "local", false};
  EXPECT_EQ(bare.WhyNotStarted(s, 2, "bad flag"), "it exited with status 2: bad flag");
  EXPECT_EQ(bare.WhyNotStarted(s, -1, ""), "it exited");
  EXPECT_EQ(bare.DeployHint(s), "");
  EXPECT_EQ(bare.RunOnHost("h1", "true", "").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(bare.PutFile("h1", "x", "y").code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace fanout::cluster
