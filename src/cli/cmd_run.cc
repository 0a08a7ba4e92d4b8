// fanout run: the user's own command on every object — its bytes on the
// command's stdin, the command's stdout the task's output — locally or on the
// cluster, with the outputs merged by another command or written per object.
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "cli/cluster.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/bytes.h"
#include "core/progress.h"
#include "core/subprocess.h"
#include "exec/command_task.h"
#include "exec/local_executor.h"
#include "io/remote.h"
#include "io/sigv4.h"

namespace fanout::cli {

namespace {

struct RunFlags {
  std::string cmd, merge, out;
  std::vector<std::string> ship;
  bool split = false;
  bool fail_fast = false;
  std::string range_size = "64MiB";
  int threads = 0;
  bool quiet = false;
  std::vector<std::string> inputs;
  io::RemoteOptions remote;
  ClusterFlags cluster;
};

Status Errno(const std::string& what) { return Status::IoError(what + ": " + std::strerror(errno)); }

// Where task outputs go: per object, its ranges in order, into a file that
// appears complete or not at all — DIR/<name> with --out, or a spool file per
// object that the merge command reads in object order.
class Outputs {
 public:
  // `s3_prefix` (s3://bucket/prefix/): outputs are spooled, then uploaded as
  // <prefix><name> as each object completes.
  Outputs(const exec::Plan& plan, std::string dir, bool spool, std::string s3_prefix = "")
      : plan_(plan), dir_(std::move(dir)), spool_(spool || !s3_prefix.empty()), s3_prefix_(std::move(s3_prefix)) {}
  ~Outputs() {
    for (const std::string& p : temps_) ::unlink(p.c_str());
    if (spool_ && !dir_.empty()) ::rmdir(dir_.c_str());
  }

  Status Prepare() {
    if (spool_) {
      char tmpl[] = "/tmp/fanout-run.XXXXXX";
      if (mkdtemp(tmpl) == nullptr) return Errno("cannot make a spool directory in /tmp");
      dir_ = tmpl;
      if (s3_prefix_.empty()) return Status::OK();
    } else if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
      return Errno("--out " + dir_);
    }
    std::string where = s3_prefix_.empty() ? dir_ + "/" : s3_prefix_;
    std::map<std::string, std::string> seen;
    for (const auto& o : plan_.objects) {
      auto [it, fresh] = seen.emplace(OutputName(o), o.info.url);
      if (!fresh) {
        return Status::InvalidArgument(o.info.url + " and " + it->second + " would both be written to " + where +
                                       it->first);
      }
    }
    return Status::OK();
  }

  std::string FinalPath(uint32_t object) const {
    return spool_ ? dir_ + "/" + std::to_string(object) : dir_ + "/" + OutputName(plan_.objects[object]);
  }

  // Range `range` of `ranges` of the object's output; ranges come in order.
  Status Add(uint32_t object, uint32_t range, uint32_t ranges, const std::string& data) {
    std::string final_path = FinalPath(object);
    std::string tmp = spool_ ? final_path + ".part" : dir_ + "/." + OutputName(plan_.objects[object]) + ".tmp" +
                                                          std::to_string(::getpid());
    {
      std::lock_guard<std::mutex> lock(mu_);
      temps_.insert(tmp);
    }
    {
      std::ofstream f(tmp, range == 0 ? std::ios::binary | std::ios::trunc : std::ios::binary | std::ios::app);
      f.write(data.data(), static_cast<std::streamsize>(data.size()));
      f.close();
      if (!f) return Status::IoError("cannot write " + tmp + " (disk full?)");
    }
    if (range + 1 < ranges) return Status::OK();
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) return Errno("cannot write " + final_path);
    {
      std::lock_guard<std::mutex> lock(mu_);
      temps_.erase(tmp);
      if (spool_) temps_.insert(final_path);
    }
    if (s3_prefix_.empty()) return Status::OK();
    std::ifstream in(final_path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    RETURN_IF_ERROR(io::PutObject(s3_prefix_ + OutputName(plan_.objects[object]), content.str()));
    ::unlink(final_path.c_str());
    return Status::OK();
  }

 private:
  const exec::Plan& plan_;
  std::string dir_;
  bool spool_;
  std::string s3_prefix_;
  std::mutex mu_;
  std::set<std::string> temps_;
};

// Feeds the spooled outputs, in object order, to the merge command; its stdout
// is ours.
Status RunMerge(const std::string& merge, const Outputs& outputs, size_t objects) {
  ASSIGN_OR_RETURN(std::vector<std::string> argv, exec::PipefailShell());
  argv.push_back("set -o pipefail\n" + merge);
  std::fflush(stdout);
  ASSIGN_OR_RETURN(Child c, SpawnChild(argv));
  Status st;
  std::vector<char> buf(1 << 20);
  std::string err;
  auto drain = [&](bool block) {
    for (int* fd : {&c.out, &c.err}) {
      while (*fd >= 0) {
        pollfd p{*fd, POLLIN, 0};
        if (::poll(&p, 1, block ? 100 : 0) <= 0) break;
        ssize_t n = ::read(*fd, buf.data(), buf.size());
        if (n > 0) {
          if (fd == &c.out) {
            if (std::fwrite(buf.data(), 1, static_cast<size_t>(n), stdout) != static_cast<size_t>(n)) {
              st = Status::IoError("writing to standard output failed");
            }
          } else {
            err.append(buf.data(), static_cast<size_t>(n));
          }
        } else if (n == 0 || errno != EAGAIN) {
          CloseFd(fd);
        }
      }
    }
  };
  for (size_t o = 0; o < objects && c.in >= 0 && st.ok(); ++o) {
    std::ifstream f(outputs.FinalPath(static_cast<uint32_t>(o)), std::ios::binary);
    while (f && c.in >= 0) {
      f.read(buf.data(), static_cast<std::streamsize>(buf.size() / 2));
      std::string chunk(buf.data(), static_cast<size_t>(f.gcount()));
      size_t at = 0;
      while (at < chunk.size() && c.in >= 0) {
        ssize_t n = ::write(c.in, chunk.data() + at, chunk.size() - at);
        if (n > 0) {
          at += static_cast<size_t>(n);
        } else if (errno == EAGAIN) {
          drain(true);
        } else {
          CloseFd(&c.in);  // it stopped reading
        }
      }
    }
  }
  CloseFd(&c.in);
  while (c.out >= 0 || c.err >= 0) drain(true);
  int status = WaitChild(c.pid);
  std::fflush(stdout);
  RETURN_IF_ERROR(st);
  if (status != 0) {
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return Status::IoError("the merge command exited with status " + std::to_string(status) +
                           (err.empty() ? "" : ":\n" + err.substr(err.size() > 1500 ? err.size() - 1500 : 0)));
  }
  if (!err.empty()) std::fputs(err.c_str(), stderr);
  return Status::OK();
}

struct CommandOutput final : exec::TaskOutput {
  std::string data;
};

// Shipped files: read, hashed, and (locally) linked into a work directory.
struct Shipping {
  std::vector<dist::ShippedFile> files;
  std::map<std::string, std::string> content;  // sha256 -> bytes
  std::string workdir;                         // local runs: links to the files; empty without --ship

  ~Shipping() {
    if (workdir.empty()) return;
    for (const auto& f : files) ::unlink((workdir + "/" + f.name).c_str());
    ::rmdir(workdir.c_str());
  }

  Status Load(const std::vector<std::string>& paths, bool local) {
    std::set<std::string> names;
    for (const std::string& p : paths) {
      std::ifstream in(p, std::ios::binary);
      if (!in) return Status::NotFound("--ship " + p + ": cannot read it");
      std::stringstream ss;
      ss << in.rdbuf();
      dist::ShippedFile f;
      f.name = p.substr(p.find_last_of('/') + 1);
      if (f.name.empty() || !names.insert(f.name).second) {
        return Status::InvalidArgument("--ship " + p + ": another shipped file has the name '" + f.name + "'");
      }
      ASSIGN_OR_RETURN(f.sha256, io::Sha256Hex(ss.str()));
      content[f.sha256] = ss.str();
      files.push_back(f);
    }
    if (!local || files.empty()) return Status::OK();
    char tmpl[] = "/tmp/fanout-ship.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Errno("cannot make a work directory in /tmp");
    workdir = tmpl;
    for (size_t i = 0; i < files.size(); ++i) {
      char* abs = realpath(paths[i].c_str(), nullptr);
      if (abs == nullptr) return Errno("--ship " + paths[i]);
      int rc = ::symlink(abs, (workdir + "/" + files[i].name).c_str());
      std::free(abs);
      if (rc != 0) return Errno("cannot link " + files[i].name);
    }
    return Status::OK();
  }
};

void Run(const RunFlags& f) {
  auto start = std::chrono::steady_clock::now();
  if (f.merge.empty() == f.out.empty()) {
    FailUsage(Status::InvalidArgument("give either --merge CMD (one result) or --out DIR (one output per input)"));
  }
  const bool out_s3 = f.out.rfind("s3://", 0) == 0;
  if (out_s3 && f.out.find('/', 5) == std::string::npos) {
    FailUsage(Status::InvalidArgument("--out " + f.out + ": give a bucket and a prefix, e.g. s3://bucket/results/"));
  }
  uint64_t range_bytes = std::numeric_limits<uint64_t>::max();
  if (f.split) {
    Result<uint64_t> r = ParseByteSize(f.range_size);
    if (!r.ok() || *r == 0) FailUsage(Status::InvalidArgument("--range-size: expected a size like 64MiB"));
    range_bytes = *r;
  }
  OrFail(exec::PipefailShell());
  // A command that stops reading its input (head) must not end fanout with
  // SIGPIPE; the write fails with EPIPE and the command's own status decides.
  signal(SIGPIPE, SIG_IGN);
  Shipping ship;
  Status loaded = ship.Load(f.ship, !f.cluster.enabled());
  if (!loaded.ok()) FailJob(loaded);

  int threads = f.threads > 0 ? f.threads : exec::DefaultThreads();
  exec::Manifest stage;
  exec::Plan plan = OrFail(PlanObjects(f.inputs, f.remote, threads, range_bytes, &stage));
  if (!plan.stage.empty() && !f.cluster.enabled()) OrFail(ReadyLocalPieces(&plan, &stage, f.quiet));

  std::string prefix = out_s3 ? (f.out.back() == '/' ? f.out : f.out + "/") : "";
  Outputs outputs(plan, out_s3 ? "" : f.out, !f.merge.empty(), prefix);
  Status prepared = outputs.Prepare();
  if (!prepared.ok()) FailJob(prepared);

  std::string extra, details;
  if (f.cluster.enabled()) {
    dist::JobSpec job;
    job.kind = dist::JobKind::kRun;
    job.cmd = f.cmd;
    job.split = f.split;
    job.ship = ship.files;
    job.remote = plan.stage.empty() ? f.remote : StageRemote(f.remote, stage);
    job.stage = stage.recipe;
    job.threads = static_cast<uint32_t>(std::max(0, f.threads));
    class Handler final : public dist::ResultHandler {
     public:
      explicit Handler(Outputs* out) : out_(out) {}
      Status Commit(uint32_t object, std::vector<std::string>* payloads, const std::vector<std::string>&) override {
        for (size_t k = 0; k < payloads->size(); ++k) {
          RETURN_IF_ERROR(out_->Add(object, static_cast<uint32_t>(k), static_cast<uint32_t>(payloads->size()),
                                    (*payloads)[k]));
        }
        return Status::OK();
      }

     private:
      Outputs* out_;
    } handler(&outputs);
    ClusterFlags cf = f.cluster;
    if (f.fail_fast) cf.max_attempts = 1;
    Status st = RunClusterJobFromFlags(cf, plan, job, ship.content, &handler, f.threads, f.quiet, &extra, &details);
    if (!st.ok()) FailJob(st);
  } else {
    exec::Progress progress;
    exec::CommandOptions co;
    co.cmd = f.cmd;
    co.workdir = ship.workdir;
    co.split = f.split;
    std::atomic<bool> cancel{false};
    co.cancel = &cancel;
    const int attempts = f.fail_fast ? 1 : f.cluster.max_attempts;
    exec::RunFn run = [&](const exec::Task& task, csv::RangeStart) -> Result<std::unique_ptr<exec::TaskOutput>> {
      uint64_t index = static_cast<uint64_t>(&task - plan.tasks.data());
      for (int attempt = 1;; ++attempt) {
        Result<std::string> r = exec::RunCommandTask(plan.objects[task.object], task, index, co);
        if (r.ok()) {
          auto out = std::make_unique<CommandOutput>();
          out->data = std::move(r).value();
          return std::unique_ptr<exec::TaskOutput>(std::move(out));
        }
        if (r.status().code() != StatusCode::kIoError || attempt >= attempts || cancel.load()) return r.status();
        std::fprintf(stderr, "fanout: retrying (%d of %d): %s\n", attempt + 1, attempts, r.status().message().c_str());
      }
    };
    exec::CommitFn commit = [&](int, const exec::Task& t, std::unique_ptr<exec::TaskOutput> out) -> Status {
      progress.bytes.fetch_add(t.stored_bytes, std::memory_order_relaxed);
      return outputs.Add(t.object, t.range, t.ranges, static_cast<CommandOutput*>(out.get())->data);
    };
    exec::ExecOptions eo;
    eo.threads = threads;
    eo.cancel = &cancel;
    Status st;
    {
      ProgressBar bar(!f.quiet, plan.total_bytes, &progress.bytes, &progress.rows);
      st = exec::RunLocal(plan, eo, run, commit);
    }
    if (!st.ok()) FailJob(st);
  }
  if (!f.merge.empty()) {
    Status st = RunMerge(f.merge, outputs, plan.objects.size());
    if (!st.ok()) FailJob(st);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!f.quiet) {
    std::fprintf(stderr, "fanout: %zu %s, %s, %zu tasks%s, %s\n", plan.objects.size(),
                 plan.objects.size() == 1 ? "object" : "objects", FormatBytes(plan.total_bytes).c_str(),
                 plan.tasks.size(), extra.c_str(), FormatSeconds(secs).c_str());
    std::fputs(details.c_str(), stderr);
  }
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  static RunFlags flags;
  CLI::App* sub = app.add_subcommand(
      "run",
      "Run your own command on every object: the object's bytes (decompressed) on its stdin,\n"
      "its stdout the task's output. With --merge, every output goes, in input order, to the\n"
      "merge command's stdin and its stdout is the result; with --out DIR, each output is\n"
      "written to DIR/<the input's name>. The command runs with /bin/sh (bash where sh lacks\n"
      "pipefail), fails when any part of a pipeline fails, and finds the object in\n"
      "$FANOUT_KEY, $FANOUT_URL and $FANOUT_TASK — never in its command line.\n\n"
      "Examples:\n"
      "  fanout run --cmd 'cut -d, -f4 | sort | uniq -c' --merge 'awk \"{n[\\$2]+=\\$1} END {for (k in n) print k, n[k]}\"' data/\n"
      "  fanout run --ship count.py --cmd 'pypy3 count.py' --merge 'python3 merge.py' --hosts h1,h2 data/\n"
      "  fanout run --cmd 'cut -d, -f1-5' --out selected/ 's3://bucket/trip data/'\n"
      "  fanout run --split --cmd 'wc -l' --merge 'awk \"{s+=\\$1} END {print s}\"' big.csv");
  sub->add_option("--cmd", flags.cmd, "The command for every object (a /bin/sh command line)")->required();
  sub->add_option("--merge", flags.merge, "A command that reads every output, in input order, and prints the result");
  sub->add_option("--out", flags.out,
                  "Write each object's output to DIR/<its name> (or s3://bucket/prefix/<its name>) instead");
  sub->add_option("--ship", flags.ship, "Copy FILE to every worker (cached by content); commands find it by name")
      ->allow_extra_args(false);
  sub->add_flag("--split", flags.split,
                "Let large uncompressed objects be split into byte ranges (each gets the lines that start in it; "
                "only for line-oriented commands)");
  sub->add_option("--range-size", flags.range_size, "With --split: bytes per range")->capture_default_str();
  sub->add_flag("--fail-fast", flags.fail_fast, "Stop at the first failed command instead of retrying it");
  sub->add_option("-t,--threads", flags.threads, "Commands at once (default: every core); per worker with a cluster")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("-q,--quiet", flags.quiet, "No progress bar and no summary on stderr");
  sub->add_option("INPUT", flags.inputs, "Files, directories, globs, s3://bucket/keys, http(s) URLs, or stage://NAME")
      ->required();
  AddRemoteFlags(sub, &flags.remote);
  AddClusterFlags(sub, &flags.cluster);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
