// What `fanout cluster up` remembers about a cluster on this machine, so that
// `--cluster NAME`, `fanout exec`, `cluster ls` and `cluster down` find its
// machines: $XDG_STATE_HOME/fanout/clusters/NAME/ (default
// ~/.local/state/fanout/clusters/NAME/, mode 0700) holding cluster.json (this
// record), hosts (one address per line, for --hosts @FILE) and known_hosts
// (the machines' ssh host keys, learnt when each first answered).
//
// The record is written before `up` waits for anything, as soon as EC2 has
// named the instances, so a crashed `up` can still be taken down; the EC2 tags
// (ec2.h) find them too when the record is gone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace fanout::cloud {

struct Machine {
  std::string id;           // i-...
  std::string address;      // where ssh reaches it (empty until known)
  std::string zone;
  int64_t launched = 0;     // seconds since the epoch
  double hourly_price = -1; // USD per hour at launch; -1: not known
};

struct ClusterRecord {
  std::string name, region, endpoint;
  std::string type, image;
  bool spot = false;
  std::string user;           // the ssh login name (--user), empty: ssh's default
  std::string ssh;            // the ssh command given to `up` (--ssh)
  std::string remote_fanout;  // where fanout was deployed on the machines
  int64_t created = 0;
  std::vector<Machine> machines;
};

// A cluster name: 1 to 40 of letters, digits, '-', '_' and '.', starting with a
// letter or digit. The error says so, naming the name.
Status CheckClusterName(const std::string& name);

std::string ClustersDir();                       // made (0700) when missing
std::string ClusterDir(const std::string& name); // ClustersDir()/NAME (not made)

std::string EncodeRecord(const ClusterRecord& record);
Result<ClusterRecord> DecodeRecord(const std::string& json, const std::string& where);

// Writes cluster.json and hosts atomically (ClusterDir made, 0700).
Status SaveCluster(const ClusterRecord& record);
// NotFound (naming `fanout cluster ls`) when there is no such cluster here.
Result<ClusterRecord> LoadCluster(const std::string& name);
Status RemoveCluster(const std::string& name);
// The names of the clusters recorded here, sorted.
std::vector<std::string> ClusterNames();

// The ssh command that reaches the cluster's machines: its --ssh with the
// cluster's own known_hosts (new machines' keys accepted on first contact,
// changed ones refused) and login name.
std::string ClusterSsh(const ClusterRecord& record);

}  // namespace fanout::cloud
