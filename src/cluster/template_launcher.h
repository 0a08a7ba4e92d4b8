// Workers started through any command that gives a stdio channel to a machine
// (--launcher 'TEMPLATE', --slurm): the template's words, {host} replaced by
// each host's name, then fanout's path on the machine and "worker". Recipes:
//   srun --nodes=1 --ntasks=1 --nodelist={host} --     (Slurm: what --slurm uses)
//   kubectl exec -i {host} --                          (a pod per "host")
//   docker exec -i {host}                              (a container per "host")
// Commands and files reach a host the same way, through `sh -c`.
#pragma once

#include <string>
#include <vector>

#include "cluster/launcher.h"

namespace fanout::cluster {

// The template's words, split on spaces, with {host} replaced in each. A
// template without {host}, or empty, is an error saying so.
Result<std::vector<std::string>> ExpandTemplate(const std::string& launcher_template, const std::string& host);

class TemplateLauncher final : public Launcher {
 public:
  // `remote_fanout`: fanout's path as the launched command sees it.
  TemplateLauncher(std::vector<std::string> hosts, std::string launcher_template, std::string remote_fanout);

  std::vector<WorkerSlot> Slots() const override;
  Result<std::unique_ptr<WorkerProcess>> Start(const WorkerSlot& slot) override;
  std::string WhyNotStarted(const WorkerSlot& slot, int status, const std::string& last) const override;
  Result<HostRun> RunOnHost(const std::string& host, const std::string& command, const std::string& input) override;
  Status PutFile(const std::string& host, const std::string& path, const std::string& content) override;

  const std::string& launcher_template() const { return template_; }

 private:
  std::vector<std::string> hosts_;
  std::string template_, remote_fanout_;
};

}  // namespace fanout::cluster
