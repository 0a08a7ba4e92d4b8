#include "cluster/deploy.h"

#include <link.h>

#include <fstream>
#include <sstream>

#include "core/bytes.h"
#include "core/shell_quote.h"
#include "core/strings.h"
#include "core/subprocess.h"
#include "io/sigv4.h"

namespace fanout::cluster {

Result<DeployBinary> ThisBinary() {
  DeployBinary b;
  ASSIGN_OR_RETURN(std::string exe, SelfExe());
  std::ifstream in(exe, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  b.bytes = buf.str();
  if (!in.good() && !in.eof()) return Status::IoError("cannot read " + exe);
  if (b.bytes.empty()) return Status::IoError("cannot read " + exe);
  ASSIGN_OR_RETURN(b.sha256, io::Sha256Hex(b.bytes));
  b.version = "fanout " FANOUT_VERSION;
  std::string out, err;
  Result<int> rc = RunCapture({exe, "--version"}, "", &out, &err);
  if (rc.ok() && *rc == 0) b.version = LastLine(out);
  return b;
}

Result<std::vector<std::pair<std::string, std::string>>> LoadedLibraries() {
  std::vector<std::string> paths;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        if (info->dlpi_name != nullptr && info->dlpi_name[0] == '/') {
          static_cast<std::vector<std::string>*>(data)->push_back(info->dlpi_name);
        }
        return 0;
      },
      &paths);
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in.good() && !in.eof()) return Status::IoError("cannot read the shared library " + p);
    std::string name = p.substr(p.rfind('/') + 1);
    if (buf.str().empty()) return Status::IoError("cannot read the shared library " + p);
    out.push_back({name, buf.str()});
  }
  return out;
}

std::string BundleWrapper(const std::string& binary_sha256, const std::string& loader_name) {
  return "#!/bin/sh\n"
         "# fanout, deployed as a bundle (binary sha256 " + binary_sha256 + "): this machine lacks\n"
         "# fanout's shared libraries, so they came with it; run through the bundled loader.\n"
         "case $0 in /*) self=$0 ;; *) self=$PWD/$0 ;; esac\n"
         "d=$self.lib\n"
         "FANOUT_SELF=$self exec \"$d/" + loader_name + "\" --library-path \"$d\" \"$d/fanout\" \"$@\"\n";
}

namespace {

// Whether `fanout --version` failed there for want of libraries (the dynamic
// loader's words), not for another reason.
bool LacksLibraries(const HostRun& r) {
  return r.status != 0 && (r.err.find("error while loading shared libraries") != std::string::npos ||
                           r.err.find("GLIBC") != std::string::npos || r.err.find("GLIBCXX") != std::string::npos);
}

// Puts fanout and its libraries at remote_fanout + ".lib/" and the wrapper at
// remote_fanout. Returns what was copied, or why not.
Result<std::string> PutBundle(Launcher& launcher, const std::string& remote_fanout, const std::string& host,
                              const DeployBinary& binary) {
  ASSIGN_OR_RETURN(auto libs, LoadedLibraries());
  std::string loader;
  uint64_t bytes = binary.bytes.size();
  for (const auto& [name, content] : libs) {
    if (name.rfind("ld-linux", 0) == 0) loader = name;
    RETURN_IF_ERROR(launcher.PutFile(host, remote_fanout + ".lib/" + name, content));
    bytes += content.size();
  }
  if (loader.empty()) return Status::Unsupported("this fanout has no dynamic loader to bundle (is it static?)");
  RETURN_IF_ERROR(launcher.PutFile(host, remote_fanout + ".lib/fanout", binary.bytes));
  RETURN_IF_ERROR(launcher.PutFile(host, remote_fanout, BundleWrapper(binary.sha256, loader)));
  return "copied " + FormatBytes(bytes) + " as a bundle with its " + std::to_string(libs.size()) +
         " libraries (the machine lacks them)";
}

}  // namespace

DeployResult DeployTo(Launcher& launcher, const std::string& remote_fanout, const std::string& host,
                      const DeployBinary& binary) {
  const std::string path = ShellQuote(remote_fanout);
  Result<HostRun> have = launcher.RunOnHost(host, "sha256sum " + path + " 2>/dev/null || true", "");
  if (!have.ok()) return {false, have.status().message()};
  if (have->unreachable) return {false, "ssh: " + LastLine(have->err)};
  std::string copied = "up to date";
  // A bundle deployed before: its wrapper names the binary's hash.
  Result<HostRun> wrapper = launcher.RunOnHost(host, "head -c 300 " + path + " 2>/dev/null || true", "");
  bool bundled = wrapper.ok() && wrapper->out.find("binary sha256 " + binary.sha256) != std::string::npos;
  if (bundled) copied = "up to date (a bundle)";
  if (!bundled && have->out.rfind(binary.sha256, 0) != 0) {
    if (Status st = launcher.PutFile(host, remote_fanout, binary.bytes); !st.ok()) {
      return {false, "copying to " + remote_fanout + ": " + st.message()};
    }
    copied = "copied " + FormatBytes(binary.bytes.size());
  }
  Result<HostRun> rc = launcher.RunOnHost(host, path + " --version", "");
  if (!rc.ok()) return {false, rc.status().message()};
  if (LacksLibraries(*rc)) {
    Result<std::string> put = PutBundle(launcher, remote_fanout, host, binary);
    if (!put.ok()) return {false, "fanout lacks libraries there (" + LastLine(rc->err) + ") and bundling them failed: " + put.status().message()};
    copied = *put;
    rc = launcher.RunOnHost(host, path + " --version", "");
    if (!rc.ok()) return {false, rc.status().message()};
  }
  std::string got = LastLine(rc->out);
  if (rc->status != 0) return {false, remote_fanout + " does not run there: " + LastLine(rc->err)};
  const std::string& want = binary.version;
  if (got.substr(0, got.find(" (")) != want.substr(0, want.find(" ("))) {
    return {false, "it reports '" + got + "', expected '" + want + "'"};
  }
  return {true, copied + ", " + got};
}

}  // namespace fanout::cluster
