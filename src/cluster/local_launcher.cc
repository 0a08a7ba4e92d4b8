#include "cluster/local_launcher.h"

#include <algorithm>
#include <filesystem>

#include "core/cpu.h"
#include "core/file_write.h"
#include "core/subprocess.h"
#include "exec/stage.h"

namespace fanout::cluster {

namespace {

constexpr int kExecutableMode = 0755;

Status CheckHere(const std::string& host) {
  if (host == exec::kLocalHolder) return Status::OK();
  return Status::InvalidArgument("'" + host + "' is not this machine (" + exec::kLocalHolder + ")");
}

}  // namespace

LocalLauncher::LocalLauncher(int workers, int cores_each)
    : workers_(workers), cores_each_(cores_each > 0 ? cores_each : std::max(1, CoreCount() / std::max(1, workers))) {}

std::vector<WorkerSlot> LocalLauncher::Slots() const {
  std::vector<WorkerSlot> slots;
  for (int i = 0; i < workers_; ++i) slots.push_back({"local-" + std::to_string(i + 1), exec::kLocalHolder, false});
  return slots;
}

Result<std::unique_ptr<WorkerProcess>> LocalLauncher::Start(const WorkerSlot&) {
  ASSIGN_OR_RETURN(std::string exe, SelfExe());
  return SpawnWorker({exe, "worker", "--cores", std::to_string(cores_each_)});
}

Result<HostRun> LocalLauncher::RunOnHost(const std::string& host, const std::string& command,
                                         const std::string& input) {
  RETURN_IF_ERROR(CheckHere(host));
  HostRun r;
  ASSIGN_OR_RETURN(r.status, RunCapture({"/bin/sh", "-c", command}, input, &r.out, &r.err));
  return r;
}

Status LocalLauncher::PutFile(const std::string& host, const std::string& path, const std::string& content) {
  RETURN_IF_ERROR(CheckHere(host));
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Status::IoError(parent.string() + ": cannot make the directory: " + ec.message());
  return WriteFileAtomically(path, content, kExecutableMode);
}

}  // namespace fanout::cluster
