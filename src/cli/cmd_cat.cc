// fanout cat: the objects' bytes on stdout, one after another — the same
// reading path as every other command, for pipes into other tools.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "io/object_store.h"
#include "io/remote.h"

namespace fanout::cli {

namespace {

constexpr size_t kChunk = 1 << 20;

struct CatFlags {
  std::vector<std::string> inputs;
  bool raw = false;
  io::RemoteOptions remote;
};

Status CatOne(const io::ObjectInfo& object, bool raw, std::vector<char>* buf) {
  std::unique_ptr<io::ByteStream> s;
  if (raw) {
    ASSIGN_OR_RETURN(s, io::OpenRaw(object, 0));
  } else {
    ASSIGN_OR_RETURN(io::Compression c, io::DetectCompression(object));
    ASSIGN_OR_RETURN(s, io::OpenContent(object, c));
  }
  for (;;) {
    ASSIGN_OR_RETURN(size_t got, s->Read(buf->data(), buf->size()));
    if (got == 0) return Status::OK();
    if (std::fwrite(buf->data(), 1, got, stdout) != got) return Status::IoError("writing to standard output failed");
  }
}

void Run(const CatFlags& f) {
  io::RemoteOptions remote = f.remote;
  if (remote.connections > 0) remote.parts_in_flight = remote.connections;  // one object at a time: all of them
  io::SetRemoteOptions(remote);
  std::vector<io::ObjectInfo> objects = OrFail(io::ListInputs(f.inputs));
  std::vector<char> buf(kChunk);
  for (const io::ObjectInfo& o : objects) {
    Status st = CatOne(o, f.raw, &buf);
    if (!st.ok()) FailJob(st);
  }
  if (std::fflush(stdout) != 0) FailJob(Status::IoError("writing to standard output failed"));
}

}  // namespace

void AddCatCommand(CLI::App& app) {
  static CatFlags flags;
  CLI::App* sub = app.add_subcommand("cat",
                                     "Write the objects' contents to standard output, one after another\n"
                                     "(decompressed unless --raw), read the way every command reads them.\n\n"
                                     "Examples:\n"
                                     "  fanout cat 's3://bucket/trip data/yellow_tripdata_2015-01.csv' | head\n"
                                     "  fanout cat --connections 16 https://example.com/big.csv.gz > big.csv");
  sub->add_flag("--raw", flags.raw, "The stored bytes, not decompressed");
  sub->add_option("INPUT", flags.inputs, "Files, directories, globs, s3://bucket/keys and http(s) URLs")->required();
  AddRemoteFlags(sub, &flags.remote);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
