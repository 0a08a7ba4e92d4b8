#include "cluster/deploy.h"

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

DeployResult DeployTo(Launcher& launcher, const std::string& remote_fanout, const std::string& host,
                      const DeployBinary& binary) {
  const std::string path = ShellQuote(remote_fanout);
  Result<HostRun> have = launcher.RunOnHost(host, "sha256sum " + path + " 2>/dev/null || true", "");
  if (!have.ok()) return {false, have.status().message()};
  if (have->unreachable) return {false, "ssh: " + LastLine(have->err)};
  std::string copied = "up to date";
  if (have->out.rfind(binary.sha256, 0) != 0) {
    if (Status st = launcher.PutFile(host, remote_fanout, binary.bytes); !st.ok()) {
      return {false, "copying to " + remote_fanout + ": " + st.message()};
    }
    copied = "copied " + FormatBytes(binary.bytes.size());
  }
  Result<HostRun> rc = launcher.RunOnHost(host, path + " --version", "");
  if (!rc.ok()) return {false, rc.status().message()};
  std::string got = LastLine(rc->out);
  if (rc->status != 0) return {false, remote_fanout + " does not run there: " + LastLine(rc->err)};
  const std::string& want = binary.version;
  if (got.substr(0, got.find(" (")) != want.substr(0, want.find(" ("))) {
    return {false, "it reports '" + got + "', expected '" + want + "'"};
  }
  return {true, copied + ", " + got};
}

}  // namespace fanout::cluster
