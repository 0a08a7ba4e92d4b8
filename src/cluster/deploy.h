// Putting this fanout binary on a host and checking that it runs there: what
// `fanout deploy` does per host, and `fanout cluster up` for each new machine.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cluster/launcher.h"
#include "core/status.h"

namespace fanout::cluster {

// This binary's bytes, their SHA-256 (hex) and the line `fanout --version` prints.
struct DeployBinary {
  std::string bytes, sha256, version;
};
Result<DeployBinary> ThisBinary();

// The shared libraries this process has loaded (glibc and its loader
// included), each as (file name, bytes): what a machine that lacks them gets
// beside fanout, a bundle.
Result<std::vector<std::pair<std::string, std::string>>> LoadedLibraries();

// The program put at the remote path when fanout is deployed as a bundle: a
// shell script that runs PATH.lib/fanout through the bundled loader with the
// bundled libraries (PATH.lib/), so fanout runs on a machine that has none of
// them or an older C library. Names `binary_sha256` (so an unchanged bundle
// is recognised) and sets FANOUT_SELF (SelfExe) to itself.
std::string BundleWrapper(const std::string& binary_sha256, const std::string& loader_name);

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
