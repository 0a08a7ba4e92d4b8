// fanout ls: the objects a command would read, with their sizes.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/output.h"
#include "core/bytes.h"
#include "core/strings.h"
#include "io/object_store.h"
#include "io/remote.h"
#include "io/router_store.h"

namespace fanout::cli {

namespace {

struct LsFlags {
  std::vector<std::string> inputs;
  io::RemoteOptions remote;
};

void Run(const LsFlags& f) {
  CatchSigpipe();
  std::unique_ptr<io::Store> store = io::MakeStore(f.remote);
  std::vector<io::ObjectInfo> objects = OrFail(ListObjects(*store, f.inputs));
  uint64_t total = 0;
  // Exact bytes for scripts, then the same for people; names as ForTerminal
  // shows them (a key may hold a newline or an escape sequence).
  for (const io::ObjectInfo& o : objects) {
    std::printf("%14llu  %9s  %s\n", static_cast<unsigned long long>(o.size), FormatBytes(o.size).c_str(),
                ForTerminal(o.url).c_str());
    total += o.size;
  }
  std::printf("%14llu  %9s  total (%zu %s)\n", static_cast<unsigned long long>(total), FormatBytes(total).c_str(),
              objects.size(), objects.size() == 1 ? "object" : "objects");
  OrFail(CloseStdout());
}

}  // namespace

void AddLsCommand(CLI::App& app) {
  static LsFlags flags;
  CLI::App* sub = app.add_subcommand("ls",
                                     "List the objects a command would read, with their sizes.\n\n"
                                     "Examples:\n"
                                     "  fanout ls data/\n"
                                     "  fanout ls 'data/yellow_tripdata_2015-*.csv'");
  sub->add_option("INPUT", flags.inputs, "Files, directories, globs, s3://bucket/keys and http(s) URLs")->required();
  AddRemoteFlags(sub, &flags.remote);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
