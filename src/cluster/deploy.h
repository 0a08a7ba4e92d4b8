// Putting this fanout binary on a host and checking that it runs there: what
// `fanout deploy` does per host, and `fanout cluster up` for each new machine.
#pragma once

#include <string>

#include "cluster/launcher.h"
#include "core/status.h"

namespace fanout::cluster {

// This binary's bytes, their SHA-256 (hex) and the line `fanout --version` prints.
struct DeployBinary {
  std::string bytes, sha256, version;
};
Result<DeployBinary> ThisBinary();

struct DeployResult {
  bool ok = false;
  // "copied 12.3 MiB, fanout 0.1.0 (CSV kernel: avx2)" or "up to date, ..."; else why it failed.
  std::string line;
};

// Copies `binary` to `remote_fanout` on `host` unless a file with its hash is
// already there, then runs it with --version and checks that the version
// matches (the CSV kernel in parentheses may differ by CPU).
DeployResult DeployTo(Launcher& launcher, const std::string& remote_fanout, const std::string& host,
                      const DeployBinary& binary);

}  // namespace fanout::cluster
