#include "cloud/cluster_record.h"

#include "core/strings.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_write.h"

namespace fanout::cloud {

namespace {

Status MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    std::string part = path.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IoError("cannot make " + part + ": " + std::strerror(errno));
    }
  }
  return Status::OK();
}

}  // namespace

Status CheckClusterName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 40 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (!ok) {
    return Status::InvalidArgument("cluster name '" + name +
                                   "': use 1 to 40 letters, digits, '-', '_' and '.', starting with a letter or digit");
  }
  return Status::OK();
}

std::string ClustersDir() {
  std::string base = EnvOr("XDG_STATE_HOME");
  if (base.empty()) base = EnvOr("HOME") + "/.local/state";
  std::string dir = base + "/fanout/clusters";
  (void)MakeDirs(dir);
  return dir;
}

std::string ClusterDir(const std::string& name) { return ClustersDir() + "/" + name; }

std::string EncodeRecord(const ClusterRecord& r) {
  nlohmann::json j = {{"format", 1},          {"name", r.name},   {"region", r.region},
                      {"endpoint", r.endpoint}, {"type", r.type},   {"image", r.image},
                      {"spot", r.spot},        {"user", r.user},   {"ssh", r.ssh},
                      {"remote_fanout", r.remote_fanout},         {"created", r.created}};
  nlohmann::json ms = nlohmann::json::array();
  for (const Machine& m : r.machines) {
    ms.push_back({{"id", m.id},
                  {"address", m.address},
                  {"zone", m.zone},
                  {"launched", m.launched},
                  {"hourly_price", m.hourly_price}});
  }
  j["machines"] = ms;
  return j.dump(2) + "\n";
}

Result<ClusterRecord> DecodeRecord(const std::string& json, const std::string& where) {
  ClusterRecord r;
  try {
    nlohmann::json j = nlohmann::json::parse(json);
    if (j.at("format").get<int>() != 1) return Status::Corrupt(where + ": a cluster record of a format this fanout does not know");
    r.name = j.at("name").get<std::string>();
    r.region = j.at("region").get<std::string>();
    r.endpoint = j.at("endpoint").get<std::string>();
    r.type = j.at("type").get<std::string>();
    r.image = j.at("image").get<std::string>();
    r.spot = j.at("spot").get<bool>();
    r.user = j.at("user").get<std::string>();
    r.ssh = j.at("ssh").get<std::string>();
    r.remote_fanout = j.at("remote_fanout").get<std::string>();
    r.created = j.at("created").get<int64_t>();
    for (const auto& m : j.at("machines")) {
      r.machines.push_back({m.at("id").get<std::string>(), m.at("address").get<std::string>(),
                            m.at("zone").get<std::string>(), m.at("launched").get<int64_t>(),
                            m.at("hourly_price").get<double>()});
    }
  } catch (const std::exception& e) {
    return Status::Corrupt(where + ": not a cluster record (" + e.what() + ")");
  }
  return r;
}

Status SaveCluster(const ClusterRecord& r) {
  RETURN_IF_ERROR(CheckClusterName(r.name));
  std::string dir = ClusterDir(r.name);
  RETURN_IF_ERROR(MakeDirs(dir));
  std::string hosts;
  for (const Machine& m : r.machines) {
    if (!m.address.empty()) hosts += m.address + "\n";
  }
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/hosts", hosts, 0600));
  return WriteFileAtomically(dir + "/cluster.json", EncodeRecord(r), 0600);
}

Result<ClusterRecord> LoadCluster(const std::string& name) {
  RETURN_IF_ERROR(CheckClusterName(name));
  std::string path = ClusterDir(name) + "/cluster.json";
  std::ifstream in(path);
  if (!in) return Status::NotFound("no cluster named " + name + " here (fanout cluster ls lists them)");
  std::stringstream buf;
  buf << in.rdbuf();
  return DecodeRecord(buf.str(), path);
}

Status RemoveCluster(const std::string& name) {
  RETURN_IF_ERROR(CheckClusterName(name));
  std::string dir = ClusterDir(name);
  for (const char* f : {"cluster.json", "hosts", "known_hosts", "known_hosts.old"}) {
    std::string p = dir + "/" + f;
    if (unlink(p.c_str()) != 0 && errno != ENOENT) return Status::IoError("cannot remove " + p + ": " + std::strerror(errno));
  }
  if (rmdir(dir.c_str()) != 0 && errno != ENOENT) return Status::IoError("cannot remove " + dir + ": " + std::strerror(errno));
  return Status::OK();
}

std::vector<std::string> ClusterNames() {
  std::vector<std::string> names;
  std::string dir = ClustersDir();
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      struct stat st;
      if (CheckClusterName(n).ok() && stat((dir + "/" + n + "/cluster.json").c_str(), &st) == 0) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ClusterSsh(const ClusterRecord& r) {
  std::string s = r.ssh.empty() ? "ssh" : r.ssh;
  s += " -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=" + ClusterDir(r.name) + "/known_hosts";
  if (!r.user.empty()) s += " -l " + r.user;
  return s;
}

}  // namespace fanout::cloud
