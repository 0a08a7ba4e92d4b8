#include "cluster/template_launcher.h"

#include <sstream>

#include "core/strings.h"
#include "core/subprocess.h"

namespace fanout::cluster {

Result<std::vector<std::string>> ExpandTemplate(const std::string& t, const std::string& host) {
  std::istringstream in(t);
  std::vector<std::string> out;
  bool has_host = false;
  for (std::string w; in >> w;) {
    for (size_t at; (at = w.find("{host}")) != std::string::npos;) {
      w.replace(at, 6, host);
      has_host = true;
    }
    out.push_back(w);
  }
  if (out.empty() || !has_host) {
    return Status::InvalidArgument("--launcher '" + t + "' must name the machine with {host}, e.g. 'srun --nodes=1 "
                                   "--ntasks=1 --nodelist={host} --' or 'kubectl exec -i {host} --'");
  }
  return out;
}

TemplateLauncher::TemplateLauncher(std::vector<std::string> hosts, std::string launcher_template, std::string remote_fanout)
    : hosts_(std::move(hosts)), template_(std::move(launcher_template)), remote_fanout_(std::move(remote_fanout)) {}

std::vector<WorkerSlot> TemplateLauncher::Slots() const {
  std::vector<WorkerSlot> slots;
  for (const std::string& h : hosts_) slots.push_back({h, h, true});
  return slots;
}

Result<std::unique_ptr<WorkerProcess>> TemplateLauncher::Start(const WorkerSlot& slot) {
  ASSIGN_OR_RETURN(std::vector<std::string> argv, ExpandTemplate(template_, slot.host));
  argv.push_back(remote_fanout_);
  argv.push_back("worker");
  return SpawnWorker(argv);
}

std::string TemplateLauncher::WhyNotStarted(const WorkerSlot& slot, int status, const std::string& last) const {
  return "'" + template_ + "' for " + slot.host + " ended" +
         (status >= 0 ? " with status " + std::to_string(status) : "") + (last.empty() ? "" : ": " + last) +
         " (fanout must be at " + remote_fanout_ + " where the command runs; --remote-fanout names another path)";
}

Result<HostRun> TemplateLauncher::RunOnHost(const std::string& host, const std::string& command, const std::string& input) {
  ASSIGN_OR_RETURN(std::vector<std::string> argv, ExpandTemplate(template_, host));
  argv.insert(argv.end(), {"sh", "-c", command});
  HostRun r;
  ASSIGN_OR_RETURN(r.status, RunCapture(argv, input, &r.out, &r.err));
  return r;
}

Status TemplateLauncher::PutFile(const std::string& host, const std::string& path, const std::string& content) {
  const std::string cmd = PutFileCommand(path);
  ASSIGN_OR_RETURN(HostRun r, RunOnHost(host, cmd, content));
  if (r.status != 0) return Status::IoError(LastLine(r.err));
  return Status::OK();
}

}  // namespace fanout::cluster
