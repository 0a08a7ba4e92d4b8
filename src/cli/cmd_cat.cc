// fanout cat: the objects' bytes on stdout, one after another — the same
// reading path as every other command, for pipes into other tools.
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/output.h"
#include "io/object_store.h"
#include "io/remote.h"
#include "io/router_store.h"

namespace fanout::cli {

namespace {

constexpr size_t kChunk = 1 << 20;

struct CatFlags {
  std::vector<std::string> inputs;
  bool raw = false;
  io::RemoteOptions remote;
};

Result<std::unique_ptr<io::ByteStream>> Open(io::Store& store, const io::ObjectInfo& object, bool raw) {
  io::Compression c = io::Compression::kNone;
  if (!raw) {
    ASSIGN_OR_RETURN(c, io::DetectCompression(store, object));
  }
  if (c == io::Compression::kNone) return io::OpenMapped(store, object, 0, object.size);  // all of it, read ahead
  return io::OpenContent(store, object, c);
}

// Writes all of `bytes` to stdout; StdoutFailed when that fails.
Status Put(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size()) return Status::OK();
  return StdoutFailed(errno ? errno : EIO);
}

Status Copy(io::ByteStream* s, std::vector<char>* buf) {
  for (;;) {
    std::optional<Result<std::string_view>> view = s->ReadView();
    if (view.has_value()) {  // the stream's own memory: no copy
      RETURN_IF_ERROR(view->status());
      std::string_view bytes = **view;
      if (bytes.empty()) return Status::OK();
      RETURN_IF_ERROR(Put(bytes));
      continue;
    }
    ASSIGN_OR_RETURN(size_t got, s->Read(buf->data(), buf->size()));
    if (got == 0) return Status::OK();
    RETURN_IF_ERROR(Put(std::string_view(buf->data(), got)));
  }
}

void Run(const CatFlags& f) {
  CatchSigpipe();
  io::RemoteOptions remote = f.remote;
  if (remote.connections > 0) remote.parts_in_flight = remote.connections;  // one object at a time: all of them
  std::unique_ptr<io::Store> store = io::MakeStore(remote);
  std::vector<io::ObjectInfo> objects = OrFail(ListObjects(*store, f.inputs));
  std::vector<char> buf(kChunk);
  // The next object opens (and a remote one starts arriving) while this one is
  // written, so the connections stay busy across object boundaries.
  Result<std::unique_ptr<io::ByteStream>> next = Open(*store, objects[0], f.raw);
  for (size_t i = 0; i < objects.size(); ++i) {
    std::unique_ptr<io::ByteStream> s = OrFail(std::move(next));
    if (i + 1 < objects.size()) next = Open(*store, objects[i + 1], f.raw);
    Status st = Copy(s.get(), &buf);
    if (!st.ok()) FailJob(st);
  }
  OrFail(CloseStdout());
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
