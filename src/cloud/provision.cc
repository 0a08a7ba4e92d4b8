#include "cloud/provision.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cloud/cost.h"
#include "cluster/deploy.h"
#include "cluster/ssh_launcher.h"
#include "core/bytes.h"
#include "core/strings.h"

namespace fanout::cloud {

namespace {

using Clock = std::chrono::steady_clock;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

bool Cancelled(const UpOptions& o) { return o.cancel != nullptr && o.cancel->load(); }

// Sleeps `ms`, waking early when cancelled; false when cancelled.
bool Nap(const UpOptions& o, int ms) {
  for (int slept = 0; slept < ms; slept += 50) {
    if (Cancelled(o)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !Cancelled(o);
}

std::string Owner() {
  const char* u = std::getenv("USER");
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return std::string(u != nullptr ? u : "unknown") + "@" + host;
}

std::string RandomHex(int bytes) {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xff;
    s += kHex[v >> 4];
    s += kHex[v & 15];
  }
  return s;
}

std::vector<std::string> Ids(const ClusterRecord& r) {
  std::vector<std::string> ids;
  for (const Machine& m : r.machines) ids.push_back(m.id);
  return ids;
}

bool Gone(const std::string& state) { return state == "shutting-down" || state == "terminated"; }

// Waits until none of `ids` is anything but terminated; the ones still not
// terminated after `wait_s` are returned.
Result<std::vector<std::string>> WaitTerminated(const Ec2Client& ec2, const std::vector<std::string>& ids, int wait_s) {
  auto deadline = Clock::now() + std::chrono::seconds(wait_s);
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<Instance> now, ec2.DescribeInstances(ids));
    std::vector<std::string> left;
    for (const Instance& i : now) {
      if (i.state != "terminated") left.push_back(i.id);
    }
    if (left.empty() || Clock::now() >= deadline) return left;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// Terminates what `up` started after it failed, unless asked to keep it.
Status CleanUp(const Ec2Client& ec2, const UpOptions& o, const ClusterRecord& record, Status why) {
  if (o.keep_partial) {
    o.say("kept the " + CountOf(record.machines.size(), "machine") + " started (--keep-partial): fanout cluster down " +
          record.name + " terminates them");
    return why;
  }
  std::vector<std::string> ids = Ids(record);
  o.say("terminating the " + CountOf(ids.size(), "instance") + " started: " + Join(ids, " "));
  Status st = ec2.TerminateInstances(ids);
  if (st.ok()) {
    Result<std::vector<std::string>> left = WaitTerminated(ec2, ids, 120);
    if (!left.ok()) st = left.status();
    else if (!left->empty()) st = Status::IoError("still not terminated after 120 s: " + Join(*left, " "));
  }
  if (!st.ok()) {
    return Status(why.code(), why.message() + "; and terminating the instances failed (" + st.message() +
                                  "): fanout cluster down " + record.name + " tries again");
  }
  (void)RemoveCluster(record.name);
  return why;
}

}  // namespace

std::string MountInstanceStoreScript() {
  return R"SH(set -eu
# The instance store's NVMe devices (EC2 names their model so); the first is
# formatted and mounted at /mnt, the others at /mnt/disk2, /mnt/disk3, ...
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; else SUDO=""; fi
mountpoint -q /mnt 2>/dev/null && { echo "/mnt is already mounted"; exit 0; }
devs=$(lsblk -dn -o NAME,MODEL 2>/dev/null | awk '/Instance Storage/ {print "/dev/" $1}')
[ -n "$devs" ] || { echo "no instance store"; exit 0; }
n=0
for d in $devs; do
  n=$((n + 1))
  if [ $n -eq 1 ]; then m=/mnt; else m=/mnt/disk$n; fi
  $SUDO mkfs.ext4 -q -F -E nodiscard "$d"
  $SUDO mkdir -p "$m"
  $SUDO mount -o noatime "$d" "$m"
  $SUDO chmod 1777 "$m"
  echo "mounted $d at $m"
done
)SH";
}

Status ClusterUp(const Ec2Client& ec2, const UpOptions& o, ClusterRecord* out) {
  RETURN_IF_ERROR(CheckClusterName(o.name));
  if (Result<ClusterRecord> old = LoadCluster(o.name); old.ok()) {
    return Status::InvalidArgument("a cluster named " + o.name + " is already up here (" +
                                   CountOf(old->machines.size(), "machine") + "): fanout cluster down " + o.name +
                                   " first, or choose another name");
  }
  if (ClusterDir(o.name).find(' ') != std::string::npos) {
    return Status::InvalidArgument("the cluster directory " + ClusterDir(o.name) +
                                   " has a space, which --ssh cannot take: set XDG_STATE_HOME to a path without one");
  }
  {
    ASSIGN_OR_RETURN(std::vector<Instance> tagged, ec2.DescribeInstances({}, kTagCluster, o.name));
    std::vector<std::string> live;
    for (const Instance& i : tagged) {
      if (!Gone(i.state)) live.push_back(i.id);
    }
    if (!live.empty()) {
      return Status::InvalidArgument("EC2 already runs instances of a cluster named " + o.name + " (" + Join(live, " ") +
                                     "), started elsewhere: choose another name, or take them down there");
    }
  }
  std::mutex say_mu;
  auto say = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(say_mu);
    if (o.say) o.say(line);
  };
  UpOptions opts = o;
  opts.say = say;

  LaunchSpec spec = o.spec;
  spec.tags[kTagCluster] = o.name;
  spec.tags[kTagOwner] = Owner();
  spec.tags[kTagCreated] = FormatIsoTime(Now());
  spec.tags["Name"] = "fanout-" + o.name;
  spec.client_token = "fanout-" + o.name + "-" + RandomHex(8);
  std::vector<std::pair<std::string, double>> spot_prices;
  if (spec.spot) {
    ASSIGN_OR_RETURN(std::vector<SpotPrice> history, ec2.SpotPriceHistory(spec.type, FormatIsoTime(Now() - 3600)));
    spot_prices = CurrentPrices(history);
  }

  auto t0 = Clock::now();
  auto elapsed = [&] { return FormatSeconds(std::chrono::duration<double>(Clock::now() - t0).count()); };
  say("asking EC2 for " + std::to_string(spec.count) + " × " + spec.type + (spec.spot ? " spot" : " on-demand") +
      (spec.zone.empty() ? "" : " in " + spec.zone));
  ASSIGN_OR_RETURN(std::vector<Instance> started, ec2.RunInstances(spec));
  ClusterRecord record;
  record.name = o.name;
  record.region = ec2.config().region;
  record.endpoint = ec2.config().endpoint;
  record.type = spec.type;
  record.image = spec.image;
  record.spot = spec.spot;
  record.user = o.user;
  record.ssh = o.ssh;
  record.remote_fanout = o.remote_fanout;
  record.created = Now();
  for (const Instance& i : started) {
    Machine m;
    m.id = i.id;
    m.zone = i.zone;
    m.launched = ParseIsoTime(i.launch_time);
    if (m.launched < 0) m.launched = Now();
    m.hourly_price = o.hourly_price;
    for (const auto& [zone, price] : spot_prices) {
      if (zone == i.zone) m.hourly_price = price;
    }
    record.machines.push_back(m);
  }
  if (Status st = SaveCluster(record); !st.ok()) return CleanUp(ec2, opts, record, st);
  if (static_cast<int>(started.size()) != spec.count) {
    return CleanUp(ec2, opts, record,
                   Status::IoError("EC2 started " + std::to_string(started.size()) + " of the " +
                                   std::to_string(spec.count) + " instances asked for"));
  }
  say("started " + Join(Ids(record), " "));

  // Every instance running.
  auto running_deadline = Clock::now() + std::chrono::seconds(o.running_timeout_s);
  for (int round = 0;; ++round) {
    if (Cancelled(o)) return CleanUp(ec2, opts, record, Status::IoError("interrupted"));
    Result<std::vector<Instance>> now = ec2.DescribeInstances(Ids(record));
    if (!now.ok()) return CleanUp(ec2, opts, record, now.status());
    size_t running = 0;
    std::vector<std::string> lost;
    for (const Instance& i : *now) {
      if (i.state == "running") {
        ++running;
        for (Machine& m : record.machines) {
          if (m.id != i.id) continue;
          std::string a = o.address == "private" ? i.private_ip
                           : o.address == "public" ? i.public_ip
                           : !i.public_ip.empty() ? i.public_ip
                                                  : i.private_ip;
          m.address = a;
        }
      } else if (i.state != "pending") {
        lost.push_back(i.id + " is " + i.state + (i.state_reason.empty() ? "" : " (" + i.state_reason + ")"));
      }
    }
    if (!lost.empty()) return CleanUp(ec2, opts, record, Status::IoError("instances did not start: " + Join(lost, "; ")));
    if (running == record.machines.size()) break;
    if (Clock::now() >= running_deadline) {
      return CleanUp(ec2, opts, record,
                     Status::IoError(std::to_string(record.machines.size() - running) + " of the instances still not running after " +
                                     std::to_string(o.running_timeout_s) + " s"));
    }
    if (!Nap(o, round < 10 ? 500 : 2000)) continue;
  }
  for (const Machine& m : record.machines) {
    if (m.address.empty()) {
      return CleanUp(ec2, opts, record,
                     Status::IoError(m.id + " has no " + (o.address == "auto" ? std::string("address") : o.address + " address") +
                                     " to reach it at"));
    }
  }
  if (Status st = SaveCluster(record); !st.ok()) return CleanUp(ec2, opts, record, st);
  say("running: " + CountOf(record.machines.size(), "instance") + " after " + elapsed());

  // Per machine: ssh, the instance store, the bootstrap script, fanout.
  std::vector<std::string> addresses;
  for (const Machine& m : record.machines) addresses.push_back(m.address);
  cluster::SshLauncher launcher(addresses, {ClusterSsh(record), o.remote_fanout, o.connect_timeout_s});
  Result<cluster::DeployBinary> binary = o.deploy ? cluster::ThisBinary() : Result<cluster::DeployBinary>(cluster::DeployBinary{});
  if (!binary.ok()) return CleanUp(ec2, opts, record, binary.status());
  std::vector<std::string> failures(record.machines.size());
  std::vector<std::thread> threads;
  for (size_t k = 0; k < record.machines.size(); ++k) {
    threads.emplace_back([&, k] {
      const Machine& m = record.machines[k];
      const std::string who = m.id + " (" + m.address + ")";
      auto deadline = Clock::now() + std::chrono::seconds(o.ssh_timeout_s);
      std::string last;
      for (;;) {
        Result<cluster::HostRun> r = launcher.RunOnHost(m.address, "true", "");
        if (r.ok() && !r->unreachable && r->status == 0) break;
        last = r.ok() ? LastLine(r->err) : r.status().message();
        if (Clock::now() >= deadline) {
          failures[k] = who + " never answered ssh in " + std::to_string(o.ssh_timeout_s) + " s" +
                        (last.empty() ? "" : " (last: " + last + ")");
          return;
        }
        if (!Nap(o, 1000)) return;
      }
      say(who + ": ssh answers after " + elapsed());
      auto step = [&](const char* what, const std::string& command, const std::string& input) {
        if (Cancelled(o)) return false;
        Result<cluster::HostRun> r = launcher.RunOnHost(m.address, command, input);
        if (r.ok() && !r->unreachable && r->status == 0) return true;
        failures[k] = who + ": " + what + " failed: " +
                      (r.ok() ? (r->unreachable ? "ssh: " : "exit status " + std::to_string(r->status) + ": ") +
                                    LastLine(r->err.empty() ? r->out : r->err)
                              : r.status().message());
        return false;
      };
      if (o.mount_instance_store && !step("mounting the instance store", "sh -s", MountInstanceStoreScript())) return;
      if (!o.bootstrap.empty()) {
        if (!step("the bootstrap script", "sh -s", o.bootstrap)) return;
        say(who + ": bootstrap script done after " + elapsed());
      }
      if (o.deploy && !Cancelled(o)) {
        cluster::DeployResult d = cluster::DeployTo(launcher, o.remote_fanout, m.address, *binary);
        if (!d.ok) {
          failures[k] = who + ": deploying fanout failed: " + d.line;
          return;
        }
        say(who + ": ready (" + d.line + ")");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (Cancelled(o)) return CleanUp(ec2, opts, record, Status::IoError("interrupted"));
  std::vector<std::string> failed;
  for (const std::string& f : failures) {
    if (!f.empty()) failed.push_back(f);
  }
  if (!failed.empty()) {
    return CleanUp(ec2, opts, record,
                   Status::IoError(std::to_string(failed.size()) + " of " + CountOf(record.machines.size(), "machine") +
                                   " failed: " + Join(failed, "; ")));
  }
  *out = record;
  return Status::OK();
}

Status ClusterDown(const Ec2Client& ec2, const ClusterRecord& record, int wait_s,
                   const std::function<void(const std::string&)>& say, std::string* cost_line) {
  std::set<std::string> ids;
  for (const Machine& m : record.machines) ids.insert(m.id);
  ASSIGN_OR_RETURN(std::vector<Instance> tagged, ec2.DescribeInstances({}, kTagCluster, record.name));
  for (const Instance& i : tagged) {
    if (i.state != "terminated") ids.insert(i.id);
  }
  std::vector<std::string> list(ids.begin(), ids.end());
  if (!list.empty()) {
    say("terminating " + CountOf(list.size(), "instance") + ": " + Join(list, " "));
    RETURN_IF_ERROR(ec2.TerminateInstances(list));
  }
  int64_t end = Now();
  if (!list.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> left, WaitTerminated(ec2, list, wait_s));
    if (!left.empty()) {
      return Status::IoError("still not terminated after " + std::to_string(wait_s) + " s: " + Join(left, " ") +
                             " (fanout cluster down " + record.name + " tries again)");
    }
  }
  int64_t start = end;
  for (const Machine& m : record.machines) start = std::min(start, m.launched);
  bool known = false;
  double cost = 0;
  if (record.spot) {
    Result<std::vector<SpotPrice>> history = ec2.SpotPriceHistory(record.type, FormatIsoTime(start - 3600));
    cost = ClusterCost(record, end, history.ok() ? &*history : nullptr, &known);
  } else {
    cost = ClusterCost(record, end, nullptr, &known);
  }
  *cost_line = CostLine(record, static_cast<double>(end - start), cost, known);
  return RemoveCluster(record.name);
}

}  // namespace fanout::cloud
