// libFuzzer target: every frame a peer can send, decoded from arbitrary bytes
// — hello, job (through the registry, every kind), task, done, fail,
// progress, need, file — and every job kind's task output (top's with and
// without --cols) as the coordinator
// decodes it from a worker. Nothing may crash; a job that decodes encodes to
// bytes that decode to the same job. Built with -DFANOUT_FUZZ=ON (clang); run by
// `scripts/dev.sh fuzz`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "cluster/messages.h"
#include "exec/job_registry.h"
#include "exec/query_job.h"
#include "exec/run_job.h"
#include "exec/select_job.h"
#include "exec/stage_job.h"
#include "exec/top_job.h"

namespace {

namespace cl = fanout::cluster;
namespace ex = fanout::exec;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: %s\n", what);
    std::abort();
  }
}

// One job of each kind, to decode outputs with.
struct Jobs {
  Jobs() {
    ex::JobCommon common;
    common.stage.name = "fuzz";
    common.stage.cols = "1-3";
    ex::QuerySpec spec;
    spec.by = "1,2";
    spec.aggs = {{0, "3"}, {2, "4"}};
    query = std::move(ex::QueryJob::Make(common, spec)).value();
    select = std::move(ex::SelectJob::Make(common, "1-3", {})).value();
    run = std::move(ex::RunJob::Make(common, "cat", false, false, {})).value();
    stage = std::move(ex::StageJob::Make(common)).value();
    ex::TopSpec top_spec;
    top_spec.n = 3;
    top_spec.by = "2";
    top = std::move(ex::TopJob::Make(common, top_spec)).value();
    top_spec.cols = "1,3";
    top_cols = std::move(ex::TopJob::Make(common, top_spec)).value();
  }
  std::unique_ptr<ex::Job> query, select, run, stage, top, top_cols;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Jobs jobs;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)cl::DecodeHello(in);
  (void)cl::DecodeTask(in);
  (void)cl::DecodeDone(in);
  (void)cl::DecodeFail(in);
  (void)cl::DecodeProgress(in);
  (void)cl::DecodeNeed(in);
  (void)cl::DecodeFile(in);
  (void)cl::DecodeCancel(in);
  (void)cl::DecodeNotice(in);
  fanout::Result<std::unique_ptr<ex::Job>> job = ex::DecodeJob(in);
  if (job.ok()) {  // (fields are clamped and flags normalised: the second round trip is exact)
    std::string once = ex::EncodeJob(**job);
    fanout::Result<std::unique_ptr<ex::Job>> again = ex::DecodeJob(once);
    Check(again.ok(), "a job's own encoding does not decode");
    Check(ex::EncodeJob(**again) == once, "a job's encoding does not round-trip");
  }
  for (const ex::Job* j :
       {jobs.query.get(), jobs.select.get(), jobs.run.get(), jobs.stage.get(), jobs.top.get(), jobs.top_cols.get()}) {
    fanout::Result<std::unique_ptr<ex::TaskOutput>> out = j->DecodeOutput(in);
    if (out.ok()) (void)j->Rows(**out);
  }
  return 0;
}
