// Bringing a cluster's machines up and taking them down: the steps of
// `fanout cluster up` and `fanout cluster down` on top of Ec2Client and the
// ssh launcher.
//
// Up: RunInstances (all N or none: MinCount = MaxCount = N), the record saved
// at once, wait until every instance runs, then per machine (in parallel):
// wait until ssh answers, mount the instance store, run the bootstrap script,
// deploy fanout. A machine that fails a step is named with the step and why.
// On any failure or cancellation every instance started is terminated (unless
// keep_partial) and the record removed, so nothing is left costing money.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "cloud/cluster_record.h"
#include "cloud/ec2.h"
#include "core/status.h"

namespace fanout::cloud {

struct UpOptions {
  std::string name;
  LaunchSpec spec;                // image, type, count, spot, ...: tags are added
  std::string user, ssh;          // the ssh login and command
  std::string remote_fanout;      // where fanout goes on the machines
  std::string address = "auto";   // auto (public if it has one), public, private
  int connect_timeout_s = 5;      // ssh ConnectTimeout per attempt
  int running_timeout_s = 600;    // until every instance runs
  int ssh_timeout_s = 600;        // until each machine answers ssh, once running
  std::string bootstrap;          // a shell script run on each machine before it counts as ready
  bool mount_instance_store = true;
  bool deploy = true;
  bool keep_partial = false;
  double hourly_price = -1;       // the on-demand price when known (USD per hour)
  const std::atomic<bool>* cancel = nullptr;  // Ctrl-C
  std::function<void(const std::string&)> say;  // progress lines
};

// The instance store (NVMe) formatted and mounted at /mnt when the machine has
// one and /mnt is not yet a mount point; nothing otherwise. Runs as root or
// through `sudo -n`.
std::string MountInstanceStoreScript();

// On success *record is the saved record of the ready cluster.
Status ClusterUp(const Ec2Client& ec2, const UpOptions& options, ClusterRecord* record);

// Terminates the record's instances and those tagged with its name, waits
// until EC2 reports them terminated (up to `wait_s`), removes the record and
// sets *cost_line ("3 × t3.micro spot, 2m13s, $0.01"). Instances that do not
// terminate in time are an error naming them (the record stays).
Status ClusterDown(const Ec2Client& ec2, const ClusterRecord& record, int wait_s,
                   const std::function<void(const std::string&)>& say, std::string* cost_line);

}  // namespace fanout::cloud
