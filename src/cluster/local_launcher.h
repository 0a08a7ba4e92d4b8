// Workers on this machine (--workers N): this very program run as
// `fanout worker --cores C`, a child process each.
#pragma once

#include "cluster/launcher.h"

namespace fanout::cluster {

class LocalLauncher final : public Launcher {
 public:
  // `workers` workers ("local-1" ...), each running `cores_each` task threads;
  // 0: this machine's cores shared out among them (at least 1 each).
  LocalLauncher(int workers, int cores_each);

  std::vector<WorkerSlot> Slots() const override;
  Result<std::unique_ptr<WorkerProcess>> Start(const WorkerSlot& slot) override;
  // `host` must be exec::kLocalHolder: the command runs here, under /bin/sh.
  Result<HostRun> RunOnHost(const std::string& host, const std::string& command, const std::string& input) override;
  // Written beside `path` and renamed into place (core/file_write.h).
  Status PutFile(const std::string& host, const std::string& path, const std::string& content) override;

  // The task threads each worker runs.
  int cores_each() const { return cores_each_; }

 private:
  int workers_;
  int cores_each_;
};

}  // namespace fanout::cluster
