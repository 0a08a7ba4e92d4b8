// fanout top: the N rows with the largest (or smallest) values of a column.
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/cluster.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/output.h"
#include "cli/report.h"
#include "core/strings.h"
#include "exec/local_executor.h"
#include "exec/top_job.h"

namespace fanout::cli {

namespace {

struct TopFlags {
  CommonFlags common;
  uint64_t n = 0;
  std::string by;
  bool asc = false, desc = false;
  std::string cols;
  std::string format;
  ClusterFlags cluster;
};

// Whether `s` is a number as JSON writes one (so that it prints unquoted).
bool JsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (i >= s.size() || s[i] < '1' || s[i] > '9' || !digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// The job's rows, as the result writers print them.
class TopRowSource final : public RowSource {
 public:
  explicit TopRowSource(const exec::TopJob& job) : job_(job) {}
  const std::vector<std::string>& columns() const override { return job_.columns(); }
  size_t size() const override { return job_.columns().empty() ? 0 : job_.rows().size(); }
  int threads() const override { return 1; }
  void Row(size_t i, std::vector<Cell>* cells) const override {
    const ops::TopRow& r = job_.rows()[i];
    cells->resize(r.fields.size());
    for (size_t c = 0; c < r.fields.size(); ++c) {
      Cell& cell = (*cells)[c];
      cell.text = r.fields[c];
      cell.null = cell.text.empty();
      cell.number = JsonNumber(cell.text);
    }
  }

 private:
  const exec::TopJob& job_;
};

void Run(const TopFlags& f) {
  auto start = std::chrono::steady_clock::now();
  CatchSigpipe();
  if (f.asc && f.desc) FailUsage(Status::InvalidArgument("--asc and --desc: choose one"));
  Result<ReadSetup> setup = MakeReadSetup(f.common);
  if (!setup.ok()) FailUsage(setup.status());
  Result<Format> format = ParseFormat(f.format);
  if (!format.ok()) FailUsage(format.status());
  exec::JobCommon common = MakeJobCommon(*setup, f.common);
  exec::TopSpec spec;
  spec.n = f.n;
  spec.by = f.by;
  spec.desc = !f.asc;
  spec.cols = f.cols;
  spec.where = f.common.where;
  Result<std::unique_ptr<exec::TopJob>> made = exec::TopJob::Make(common, spec);
  if (!made.ok()) FailUsage(made.status());
  exec::TopJob& job = **made;

  exec::Plan plan = OrFail(PlanInputs(f.common, setup->range_bytes));
  job.common().scan.store = plan.store.get();
  std::vector<std::string> names;
  for (const exec::ObjectPlan& o : plan.objects) names.push_back(o.info.url);
  job.SetObjectNames(std::move(names));

  std::string extra, details;
  OrFail(RunJob(f.cluster, plan, job, f.common.threads, setup->threads, f.common.quiet, &extra, &details));
  TopRowSource rows(job);
  OrFail(WriteResult(rows, *format, stdout, "standard output"));
  OrFail(CloseStdout());
  extra += FinishReportsOrFail();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintSummary(f.common.quiet, plan, job.stats(), secs, extra);
  if (!f.common.quiet) std::fputs(ForTerminalLines(details).c_str(), stderr);
}

}  // namespace

void AddTopCommand(CLI::App& app) {
  static TopFlags flags;
  CLI::App* sub = app.add_subcommand(
      "top",
      "The N rows with the largest values of a numeric column (--asc: the smallest), every column printed or "
      "those of --cols. Ties are broken by the objects' order, then the rows' order in each: the answer is the "
      "same for any split, thread count or machines.\n\n"
      "Examples:\n"
      "  fanout top 9 --by trip_distance data/\n"
      "  fanout top 5 --by total_amount --asc --cols tpep_pickup_datetime,total_amount data/ --where 'total_amount > 0'\n"
      "  fanout top 100 --by 'trip_distance|Trip_Distance' --hosts h1,h2 's3://bucket/trip data/' --format json");
  sub->add_option("N", flags.n, "How many rows (at most " + std::to_string(exec::kMaxTopRows) + ")")
      ->required()
      ->check(WholeNumber(0, exec::kMaxTopRows));
  sub->add_option("--by", flags.by,
                  "The numeric column whose values order the rows (1-based index or header name; A|B alternatives); "
                  "a row whose value is not a number is skipped and counted")
      ->required();
  sub->add_flag("--desc", flags.desc, "Largest first (the default)");
  sub->add_flag("--asc", flags.asc, "Smallest first");
  sub->add_option("--cols", flags.cols,
                  "Columns to print, comma-separated: indices, ranges (1-5), names and key expressions named "
                  "with AS (yearmonth(pickup) AS ym) (default: every column; the objects must then have the same "
                  "header)");
  sub->add_option("--format", flags.format, "Output: table|csv|json (default: table on a terminal, csv otherwise)");
  AddCommonFlags(sub, &flags.common);
  AddClusterFlags(sub, &flags.cluster);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
