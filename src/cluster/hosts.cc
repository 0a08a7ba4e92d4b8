#include "cluster/hosts.h"

#include <fstream>
#include <sstream>

namespace fanout::cluster {

Result<std::vector<std::string>> ParseHosts(const std::string& spec) {
  std::vector<std::string> hosts;
  auto add = [&](std::string h, const std::string& where) -> Status {
    size_t a = h.find_first_not_of(" \t\r");
    size_t b = h.find_last_not_of(" \t\r");
    h = a == std::string::npos ? "" : h.substr(a, b - a + 1);
    if (h.empty()) return Status::OK();
    if (h[0] == '-' || h.find_first_of(" \t'\"`$;&|<>\\") != std::string::npos) {
      return Status::InvalidArgument(where + ": '" + h + "' is not a host name");
    }
    hosts.push_back(h);
    return Status::OK();
  };
  if (!spec.empty() && spec[0] == '@') {
    std::string path = spec.substr(1);
    std::ifstream in(path);
    if (!in) return Status::NotFound("--hosts " + spec + ": cannot read " + path);
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      RETURN_IF_ERROR(add(line, path + ":" + std::to_string(line_no)));
    }
  } else {
    std::stringstream in(spec);
    for (std::string h; std::getline(in, h, ',');) RETURN_IF_ERROR(add(h, "--hosts"));
  }
  if (hosts.empty()) return Status::InvalidArgument("--hosts " + spec + ": no hosts");
  return hosts;
}

}  // namespace fanout::cluster
