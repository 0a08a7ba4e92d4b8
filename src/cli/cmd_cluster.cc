// fanout cluster prices | up | ls | down: machines from EC2 for --cluster jobs
// (cloud/provision.h does the work; this file is the command line).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/cluster.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cloud/cluster_record.h"
#include "cloud/cost.h"
#include "cloud/ec2.h"
#include "cloud/provision.h"
#include "core/bytes.h"
#include "core/strings.h"

namespace fanout::cli {

namespace {

constexpr const char* kDebianOwner = "136693071363";  // Debian's own AWS account: its official images
constexpr const char* kDebian12Images = "debian-12-amd64-*";
constexpr int kMaxCount = 1000;

std::atomic<bool> g_cancel{false};
std::atomic<int> g_cancel_signal{0};
void OnCancel(int sig) {
  g_cancel_signal.store(sig);
  g_cancel.store(true);
}

struct ApiFlags {
  std::string region, endpoint;
};

void AddApiFlags(CLI::App* sub, ApiFlags* f) {
  sub->add_option("--region", f->region, "The AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the config's, us-east-1)");
  sub->add_option("--endpoint-url", f->endpoint,
                  "Another EC2 API endpoint (default: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, EC2's own)");
}

cloud::Ec2Client Client(const ApiFlags& f) {
  return cloud::Ec2Client(OrFail(cloud::Ec2ConfigFromEnvironment(f.endpoint, f.region)));
}

// The client for a recorded cluster: its region and endpoint unless given.
cloud::Ec2Client ClientFor(const ApiFlags& f, const cloud::ClusterRecord& r) {
  ApiFlags g = f;
  if (g.region.empty()) g.region = r.region;
  if (g.endpoint.empty()) g.endpoint = r.endpoint;
  return Client(g);
}

void Say(const std::string& line) {
  std::fprintf(stderr, "fanout: %s\n", ForTerminal(line).c_str());
  std::fflush(stderr);
}

// Parses "30m", "2h", "90s", "45" (minutes); 0 for "0" or "off".
Result<int64_t> ParseIdle(const std::string& text) {
  if (text == "off" || text == "0") return 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit = end != nullptr ? end : "";
  double scale = unit.empty() || unit == "m" || unit == "min" ? 60 : unit == "s" ? 1 : unit == "h" ? 3600 : -1;
  if (text.empty() || end == text.c_str() || scale < 0 || !(v > 0) || v * scale > 7 * 24 * 3600.0) {
    return Status::InvalidArgument("--idle-timeout '" + text + "': expected a time like 30m, 2h or 600s (up to 7 days), or off");
  }
  return static_cast<int64_t>(v * scale);
}

// The user data that makes a machine power itself off (and so, with
// InstanceInitiatedShutdownBehavior=terminate, end) after `seconds` with no
// fanout process and nobody logged in.
std::string IdleUserData(int64_t seconds) {
  return "#!/bin/sh\n"
         "# fanout cluster up --idle-timeout: power off after " + std::to_string(seconds) +
         " s without a fanout process or a login.\n"
         "cat > /usr/local/sbin/fanout-idle <<'EOF'\n"
         "#!/bin/sh\n"
         "since=/run/fanout-idle-since\n"
         "while sleep 30; do\n"
         "  if pgrep -f 'fanout' >/dev/null || [ -n \"$(who)\" ]; then rm -f $since; continue; fi\n"
         "  [ -f $since ] || date +%s > $since\n"
         "  [ $(( $(date +%s) - $(cat $since) )) -ge " + std::to_string(seconds) + " ] && shutdown -h now\n"
         "done\n"
         "EOF\n"
         "chmod 755 /usr/local/sbin/fanout-idle\n"
         "nohup setsid /usr/local/sbin/fanout-idle >/dev/null 2>&1 &\n";
}

// ---- prices -----------------------------------------------------------------

struct PricesFlags {
  ApiFlags api;
  std::string type;
  int days = 7;
};

void RunPrices(const PricesFlags& f) {
  cloud::Ec2Client ec2 = Client(f.api);
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<cloud::SpotPrice> history =
      OrFail(ec2.SpotPriceHistory(f.type, cloud::FormatIsoTime(now - static_cast<int64_t>(f.days) * 86400)));
  if (history.empty()) {
    FailJob(Status::NotFound("EC2 has no spot price of " + f.type + " in " + ec2.config().region +
                             " (is the type offered there?)"));
  }
  std::map<std::string, double> max;
  for (const cloud::SpotPrice& p : history) max[p.zone] = std::max(max[p.zone], p.price);
  std::vector<std::pair<std::string, double>> current = cloud::CurrentPrices(history);
  std::printf("%-22s %12s %14s\n", "zone", "spot $/hour", ("max " + std::to_string(f.days) + " days").c_str());
  for (size_t i = 0; i < current.size(); ++i) {
    std::printf("%-22s %12.5f %14.5f%s\n", ForTerminal(current[i].first).c_str(), current[i].second,
                max[current[i].first], i == 0 ? "  <- cheapest" : "");
  }
  std::printf("%s spot in %s; the on-demand price is not asked for (the AWS Price List API); give it to "
              "cluster up with --hourly-price to have on-demand machines' cost counted\n",
              ForTerminal(f.type).c_str(), ForTerminal(ec2.config().region).c_str());
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) FailJob(Status::IoError("cannot write the prices to stdout"));
}

// ---- up ---------------------------------------------------------------------

struct UpFlags {
  ApiFlags api;
  std::string name, type, image = "debian-12", zone, profile, key, subnet, max_price, user, ssh, remote_fanout;
  std::vector<std::string> security_groups;
  std::string bootstrap, idle_timeout = "30m", address = "auto";
  int count = 0;
  bool spot = false, keep_partial = false, no_mount = false;
  double hourly_price = -1;
  int connect_timeout = 5, wait = 600;
};

void RunUp(const UpFlags& f) {
  cloud::UpOptions o;
  o.name = f.name;
  OrFail(cloud::CheckClusterName(f.name));
  if (!f.max_price.empty() && !f.spot) throw CLI::ValidationError("--max-price", "is for spot machines: add --spot");
  if (!f.max_price.empty()) {
    char* end = nullptr;
    double p = std::strtod(f.max_price.c_str(), &end);
    if (*end != '\0' || !(p > 0)) throw CLI::ValidationError("--max-price", "expected a price in USD per hour like 0.25, not '" + f.max_price + "'");
  }
  int64_t idle = 0;
  if (Result<int64_t> r = ParseIdle(f.idle_timeout); r.ok()) idle = *r;
  else throw CLI::ValidationError("--idle-timeout", r.status().message());
  cloud::Ec2Client ec2 = Client(f.api);
  o.spec.type = f.type;
  o.spec.count = f.count;
  o.spec.spot = f.spot;
  o.spec.max_price = f.max_price;
  o.spec.zone = f.zone;
  o.spec.iam_profile = f.profile;
  o.spec.key_name = f.key;
  o.spec.subnet = f.subnet;
  o.spec.security_groups = f.security_groups;
  o.spec.image = f.image;
  if (f.image == "debian-12") o.spec.image = OrFail(ec2.LatestImage(kDebianOwner, kDebian12Images));
  else if (f.image.rfind("ami-", 0) != 0) throw CLI::ValidationError("--image", "expected debian-12 or an image id ami-..., not '" + f.image + "'");
  if (idle > 0) o.spec.user_data = IdleUserData(idle);
  o.user = f.user.empty() && f.image == "debian-12" ? "admin" : f.user;  // Debian's images log in as admin
  o.ssh = f.ssh.empty() ? kDefaultSsh : f.ssh;
  o.remote_fanout = f.remote_fanout.empty() ? kDefaultRemoteFanout : f.remote_fanout;
  o.address = f.address;
  o.connect_timeout_s = f.connect_timeout;
  o.running_timeout_s = f.wait;
  o.ssh_timeout_s = f.wait;
  o.keep_partial = f.keep_partial;
  o.mount_instance_store = !f.no_mount;
  o.hourly_price = f.hourly_price;
  if (!f.bootstrap.empty()) {
    std::ifstream in(f.bootstrap, std::ios::binary);
    if (!in) FailJob(Status::NotFound("cannot read the bootstrap script " + f.bootstrap));
    std::stringstream buf;
    buf << in.rdbuf();
    o.bootstrap = buf.str();
    if (o.bootstrap.empty()) FailJob(Status::InvalidArgument("the bootstrap script " + f.bootstrap + " is empty"));
  }
  o.cancel = &g_cancel;
  o.say = Say;
  struct sigaction sa = {}, old_int = {}, old_term = {}, old_hup = {};
  sa.sa_handler = OnCancel;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  auto t0 = std::chrono::steady_clock::now();
  cloud::ClusterRecord record;
  Status st = cloud::ClusterUp(ec2, o, &record);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  if (g_cancel.load()) {
    std::fprintf(stderr, "fanout: interrupted: %s\n", ForTerminal(st.message()).c_str());
    throw CLI::RuntimeError(128 + g_cancel_signal.load());
  }
  OrFail(st);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("cluster %s: %s up in %s\n", record.name.c_str(),
              (std::to_string(record.machines.size()) + " × " + record.type + (record.spot ? " spot" : " on-demand")).c_str(),
              FormatSeconds(seconds).c_str());
  for (const cloud::Machine& m : record.machines) {
    std::printf("  %s  %s  %s%s\n", m.id.c_str(), m.address.c_str(), m.zone.c_str(),
                m.hourly_price >= 0 ? ("  $" + std::to_string(m.hourly_price).substr(0, 8) + "/hour").c_str() : "");
  }
  std::printf("hosts: %s/hosts\nrun a job on it:  fanout count --by COLUMN --cluster %s DATA...\n"
              "take it down:     fanout cluster down %s\n",
              cloud::ClusterDir(record.name).c_str(), record.name.c_str(), record.name.c_str());
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) FailJob(Status::IoError("cannot write to stdout"));
}

// ---- ls ---------------------------------------------------------------------

struct LsFlags {
  ApiFlags api;
};

void RunLs(const LsFlags& f) {
  std::vector<std::string> names = cloud::ClusterNames();
  if (names.empty()) {
    std::printf("no clusters (fanout cluster up NAME ... makes one)\n");
    return;
  }
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::printf("%-20s %9s %-16s %-9s %10s %10s  %s\n", "name", "machines", "type", "market", "age", "so far", "running");
  for (const std::string& n : names) {
    Result<cloud::ClusterRecord> r = cloud::LoadCluster(n);
    if (!r.ok()) {
      std::printf("%-20s %s\n", n.c_str(), ForTerminal(r.status().message()).c_str());
      continue;
    }
    std::string live = "?";
    Result<cloud::Ec2Config> config = cloud::Ec2ConfigFromEnvironment(f.api.endpoint.empty() ? r->endpoint : f.api.endpoint,
                                                                       f.api.region.empty() ? r->region : f.api.region);
    if (config.ok()) {
      cloud::Ec2Client ec2(*config);
      std::vector<std::string> ids;
      for (const cloud::Machine& m : r->machines) ids.push_back(m.id);
      Result<std::vector<cloud::Instance>> now_state = ec2.DescribeInstances(ids);
      if (now_state.ok()) {
        int running = 0;
        for (const cloud::Instance& i : *now_state) running += i.state == "running";
        live = std::to_string(running) + " of " + std::to_string(r->machines.size());
      } else {
        live = "? (" + now_state.status().message() + ")";
      }
    }
    bool known = false;
    double cost = cloud::ClusterCost(*r, now, nullptr, &known);
    std::printf("%-20s %9zu %-16s %-9s %10s %10s  %s\n", n.c_str(), r->machines.size(), r->type.c_str(),
                r->spot ? "spot" : "on-demand", FormatSeconds(static_cast<double>(now - r->created)).c_str(),
                known ? cloud::FormatUsd(cost).c_str() : "?", ForTerminal(live).c_str());
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) FailJob(Status::IoError("cannot write to stdout"));
}

// ---- down -------------------------------------------------------------------

struct DownFlags {
  ApiFlags api;
  std::string name;
  int wait = 300;
};

void RunDown(const DownFlags& f) {
  cloud::ClusterRecord record = OrFail(cloud::LoadCluster(f.name));
  cloud::Ec2Client ec2 = ClientFor(f.api, record);
  std::string cost;
  OrFail(cloud::ClusterDown(ec2, record, f.wait, Say, &cost));
  std::printf("cluster %s: terminated: %s\n", record.name.c_str(), cost.c_str());
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) FailJob(Status::IoError("cannot write to stdout"));
}

}  // namespace

void AddClusterCommand(CLI::App& app) {
  CLI::App* cluster = app.add_subcommand(
      "cluster",
      "Machines from EC2 for --cluster jobs: their prices, bringing them up, listing and taking them down.\n\n"
      "Examples:\n"
      "  fanout cluster prices --type i3en.2xlarge\n"
      "  fanout cluster up taxi --type i3en.2xlarge --count 12 --spot --profile s3-readonly --key mykey\n"
      "  fanout count --by passenger_count --cluster taxi 's3://nyc-tlc/trip data/yellow_*.parquet'\n"
      "  fanout exec --cluster taxi -- 'sudo apt-get install -y pypy3'\n"
      "  fanout cluster ls\n"
      "  fanout cluster down taxi");
  cluster->require_subcommand(1);

  static PricesFlags pf;
  CLI::App* prices = cluster->add_subcommand("prices",
                                             "Spot prices per availability zone, now and the last days' highest.\n\n"
                                             "Examples:\n"
                                             "  fanout cluster prices --type i3en.2xlarge\n"
                                             "  fanout cluster prices --type c6i.8xlarge --days 30 --region eu-west-1");
  prices->add_option("--type", pf.type, "The instance type, e.g. i3en.2xlarge")->required();
  prices->add_option("--days", pf.days, "How many days back the highest price looks (1 to 90)")
      ->check(WholeNumber(1, 90))
      ->capture_default_str();
  AddApiFlags(prices, &pf.api);
  prices->callback([] { RunPrices(pf); });

  static UpFlags uf;
  CLI::App* up = cluster->add_subcommand(
      "up",
      "Start COUNT machines of TYPE tagged with NAME, wait until each answers ssh, mount its instance store at\n"
      "/mnt, run --bootstrap, deploy fanout; then --cluster NAME works wherever --hosts does. On any failure or\n"
      "Ctrl-C every machine started is terminated (unless --keep-partial).\n\n"
      "Examples:\n"
      "  fanout cluster up taxi --type i3en.2xlarge --count 12 --spot --profile s3-readonly --key mykey\n"
      "  fanout cluster up big --type c6i.8xlarge --count 4 --key mykey --bootstrap setup.sh --idle-timeout 2h");
  up->add_option("name", uf.name, "The cluster's name")->required();
  up->add_option("--type", uf.type, "The instance type, e.g. i3en.2xlarge")->required();
  up->add_option("--count", uf.count, "How many machines (1 to " + std::to_string(kMaxCount) + ")")
      ->required()
      ->check(WholeNumber(1, kMaxCount));
  up->add_flag("--spot", uf.spot, "Spot machines (cheaper; EC2 may take them back: their tasks move elsewhere)");
  up->add_option("--max-price", uf.max_price, "The most to pay per machine-hour for spot, USD (default: the on-demand price)");
  up->add_option("--zone", uf.zone, "The availability zone (default: EC2's choice or the subnet's)");
  up->add_option("--image", uf.image, "debian-12 (Debian's newest official image) or an image id ami-...")->capture_default_str();
  up->add_option("--profile", uf.profile, "The IAM instance profile the machines run as (for S3 reads)");
  up->add_option("--key", uf.key, "The EC2 key pair to log in with");
  up->add_option("--subnet", uf.subnet, "The subnet (default: the default VPC's)");
  up->add_option("--security-group", uf.security_groups, "Security group ids (ssh must be let in)")->delimiter(',');
  up->add_option("--user", uf.user, "The ssh login (default: admin on debian-12, else ssh's default)");
  up->add_option("--ssh", uf.ssh, "The ssh command, split on spaces (default: ssh)");
  up->add_option("--remote-fanout", uf.remote_fanout, std::string("Where to put fanout on the machines (default: ") + kDefaultRemoteFanout + ")");
  up->add_option("--bootstrap", uf.bootstrap, "A shell script run on each machine (sh -s) before it counts as ready");
  up->add_option("--idle-timeout", uf.idle_timeout,
                 "Machines power off (and so terminate) after this long with no fanout process or login: 30m, 2h, off")
      ->capture_default_str();
  up->add_option("--address", uf.address, "Which address ssh uses: auto (public when it has one), public, private")
      ->check(CLI::IsMember({"auto", "public", "private"}))
      ->capture_default_str();
  up->add_option("--hourly-price", uf.hourly_price, "The on-demand price per machine-hour, USD, for the cost (spot prices come from EC2)")
      ->check(CLI::Range(0.0, 1000.0));
  up->add_option("--wait", uf.wait, "Seconds to wait for the machines to run and for each to answer ssh (10 to 3600)")
      ->check(WholeNumber(10, 3600))
      ->capture_default_str();
  up->add_option("--connect-timeout", uf.connect_timeout, "ssh ConnectTimeout per try, seconds (1 to 60)")
      ->check(WholeNumber(1, 60))
      ->capture_default_str();
  up->add_flag("--keep-partial", uf.keep_partial, "On failure keep the machines that were started (take them down yourself)");
  up->add_flag("--no-mount", uf.no_mount, "Leave the instance store as it is");
  AddApiFlags(up, &uf.api);
  up->callback([] { RunUp(uf); });

  static LsFlags lf;
  CLI::App* ls = cluster->add_subcommand("ls", "The clusters made here: machines, age, cost so far, how many still run");
  AddApiFlags(ls, &lf.api);
  ls->callback([] { RunLs(lf); });

  static DownFlags df;
  CLI::App* down = cluster->add_subcommand("down",
                                           "Terminate a cluster's machines, wait until they are gone, print what they cost.\n\n"
                                           "Example:\n"
                                           "  fanout cluster down taxi");
  down->add_option("name", df.name, "The cluster's name")->required();
  down->add_option("--wait", df.wait, "Seconds to wait for EC2 to report them terminated (10 to 3600)")
      ->check(WholeNumber(10, 3600))
      ->capture_default_str();
  AddApiFlags(down, &df.api);
  down->callback([] { RunDown(df); });
}

}  // namespace fanout::cli
