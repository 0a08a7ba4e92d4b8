// fanout count / fanout agg: group rows by key columns and aggregate.
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>

#include "cli/commands.h"
#include "cli/cluster.h"
#include "cli/report.h"
#include "cli/verify.h"
#include "core/number.h"
#include "cli/common.h"
#include "cli/output.h"
#include "core/bytes.h"
#include "core/progress.h"
#include "core/strings.h"
#include "exec/local_executor.h"
#include "exec/query_job.h"

namespace fanout::cli {

namespace {

constexpr const char* kCountInputHelp =
    "Files, directories, globs, s3://bucket/keys (globs too), http(s) URLs, or stage://NAME";

struct AggFlags {
  CommonFlags common;
  std::string by;
  bool count = false;
  std::vector<std::string> sum, mean, min, max, stddev;
  std::string count_distinct;  // --count-distinct COL; empty: none
  std::string p50, p90, p99;   // --p50 COL, ...; empty: none
  std::string format;
  int64_t top = -1;  // -1: every row
  std::string sort;  // --sort; empty: count descending, then the key
  uint64_t max_group_memory = 0;  // 0: the default (ops/group_memory.h)
  double verify = 0;              // --verify FRACTION; 0: none
  ClusterFlags cluster;
};

// The column --count-distinct and --p50/--p90/--p99 are about (one per query:
// the tasks group by it too); empty when none is asked. A usage error when they
// name different columns.
std::string DistinctColumn(const AggFlags& f) {
  std::string col;
  for (const std::string* c : {&f.count_distinct, &f.p50, &f.p90, &f.p99}) {
    if (c->empty()) continue;
    if (!col.empty() && *c != col) {
      FailUsage(Status::InvalidArgument("--count-distinct, --p50, --p90 and --p99 are about one column per query, not '" +
                                        col + "' and '" + *c + "'"));
    }
    col = *c;
  }
  return col;
}

// What the flags ask, as the workers see it too; `distinct` is DistinctColumn's.
exec::QuerySpec MakeSpec(const AggFlags& f, bool is_agg, const std::string& distinct) {
  exec::QuerySpec spec;
  spec.by = f.by;
  // Distinct values and percentiles: the workers group by the column too, and
  // FoldDistinct folds it away here.
  if (!distinct.empty()) spec.by = f.by.empty() ? distinct : f.by + "," + distinct;
  spec.where = f.common.where;
  auto add = [&](const std::vector<std::string>& cols, ops::AggKind kind) {
    for (const std::string& c : cols) spec.aggs.emplace_back(static_cast<uint8_t>(kind), c);
  };
  add(f.sum, ops::AggKind::kSum);
  add(f.mean, ops::AggKind::kMean);
  add(f.min, ops::AggKind::kMin);
  add(f.max, ops::AggKind::kMax);
  add(f.stddev, ops::AggKind::kStddev);
  spec.output_count = !is_agg || f.count || (spec.aggs.empty() && distinct.empty());
  return spec;
}

// Prints the result on stdout and checks that all of it got there; the
// partial is only read from here on. Returns how many groups --top left out.
uint64_t PrintResult(const ops::Query& query, ops::Partial* total, int64_t top, Format format, int threads,
                     const std::vector<SortKey>& sort) {
  // Without --by the answer is one row, as SQL's aggregate without GROUP BY:
  // a count of 0 (and no values) when no row passed.
  if (query.keys.empty() && total->num_groups() == 0) total->Group(std::string_view());
  total->ReleaseIndex();  // its memory serves the sort instead
  ResultRows rows(query, *total, top, threads, sort);
  OrFail(WriteResult(rows, format, stdout, "standard output"));
  OrFail(CloseStdout());
  return total->num_groups() - rows.size();
}

void Run(const AggFlags& f, bool is_agg) {
  auto start = std::chrono::steady_clock::now();
  CatchSigpipe();
  ops::SetGroupMemoryLimit(f.max_group_memory);
  Result<ReadSetup> setup = MakeReadSetup(f.common);
  if (!setup.ok()) FailUsage(setup.status());
  exec::JobCommon common = MakeJobCommon(*setup, f.common);
  common.max_group_memory = f.max_group_memory;
  const std::string distinct = DistinctColumn(f);
  Result<std::unique_ptr<exec::QueryJob>> made = exec::QueryJob::Make(common, MakeSpec(f, is_agg, distinct));
  if (!made.ok()) FailUsage(made.status());
  exec::QueryJob& job = **made;
  Result<Format> format = ParseFormat(f.format);
  if (!format.ok()) FailUsage(format.status());
  // The result's query: with --count-distinct, the keys without the counted
  // column, and its count as the last aggregate.
  ops::Query shown = job.query();
  std::vector<ops::AggSpec> extras;
  if (!distinct.empty()) {
    const csv::ColumnSpec col = shown.keys.back();
    if (!f.count_distinct.empty()) extras.push_back({ops::AggKind::kCountDistinct, col});
    for (auto [text, percent] : {std::pair{&f.p50, 50}, {&f.p90, 90}, {&f.p99, 99}}) {
      if (!text->empty()) extras.push_back({ops::AggKind::kPercentile, col, percent});
    }
    shown.keys.pop_back();
    if (!shown.key_fns.empty()) shown.key_fns.pop_back();
    shown.aggs.insert(shown.aggs.end(), extras.begin(), extras.end());
  }
  std::vector<SortKey> sort;
  if (!f.sort.empty()) {
    Result<std::vector<SortKey>> parsed = ParseSort(f.sort, shown);
    if (!parsed.ok()) FailUsage(parsed.status());
    sort = std::move(parsed).value();
  }

  exec::Manifest stage;
  exec::Plan plan = OrFail(PlanInputs(f.common, setup->range_bytes, &stage));
  job.common().scan.store = plan.store.get();
  if (!plan.stage.empty()) {  // column numbers and names are the stage's
    ReadAsStaged(stage, f.common.header, &job.common().scan);
    job.common().remote = StageRemote(job.common().remote, stage);
    job.common().stage = stage.recipe;
    job.common().stage.scan.store = plan.store.get();
    if (!f.cluster.enabled()) OrFail(ReadyLocalPieces(&plan, &stage, f.common.quiet));
  }
  std::vector<uint32_t> verified;
  if (f.verify > 0) {
    if (!plan.stage.empty()) FailUsage(Status::InvalidArgument("--verify: not for stage:// inputs (it reads the objects again here)"));
    verified = ChooseVerified(plan, f.verify, std::random_device{}());
    job.KeepObjects(verified);
  }
  std::string extra, details;
  OrFail(RunJob(f.cluster, plan, job, f.common.threads, setup->threads, f.common.quiet, &extra, &details));
  if (!verified.empty()) {
    const double started = JobTimeline().Now();
    std::string note;
    OrFail(VerifyObjects(plan, job, verified, setup->threads, &note));
    JobTimeline().AddPhase("verifying", started, JobTimeline().Now());
    MarkExecuted();
    extra += note;
  }
  ops::Partial* result = &job.result();
  ops::Partial folded;
  if (!extras.empty()) {
    folded = ops::FoldDistinct(job.result(), job.query().keys.size(), extras);
    job.result() = ops::Partial();  // (its memory, for the sort)
    result = &folded;
  }
  uint64_t left_out = PrintResult(shown, result, f.top, *format, setup->threads, sort);
  if (left_out > 0) extra += ", " + CountOf(left_out, "more group") + " not shown (--top " + std::to_string(f.top) + ")";
  extra += FinishReportsOrFail();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintSummary(f.common.quiet, plan, result->stats(), secs, extra);
  if (!f.common.quiet) std::fputs(ForTerminalLines(details).c_str(), stderr);
}

CLI::App* AddOne(CLI::App& app, const char* name, const char* help, AggFlags* f) {
  CLI::App* sub = app.add_subcommand(name, help);
  sub->add_option("--by", f->by,
                  "Group by these columns: COL[,COL...] (1-based index or header name; A|B alternatives); "
                  "without --by, one row over every row");
  sub->add_option("--format", f->format, "Output: table|csv|json (default: table on a terminal, csv otherwise)");
  sub->add_option("--sort", f->sort,
                  "Order the rows by these result columns: count, a --by column or an aggregate "
                  "(sum_total_amount), each :asc (the default) or :desc, e.g. 'year,count:desc' "
                  "(default: count descending, then the key)");
  sub->add_option("--top", f->top, "Print only the first N rows (0: only the header); the summary says how many more there were")
      ->check(WholeNumber(0, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
  sub->add_option_function<std::string>(
      "--max-group-memory",
      [f](const std::string& text) {
        Result<uint64_t> n = ParseByteSize(text);
        if (!n.ok() || *n == 0) {
          throw CLI::ValidationError("--max-group-memory", "expected a positive size like 16GiB, not '" + text + "'");
        }
        f->max_group_memory = *n;
      },
      "Memory the group tables of each process may use; more groups are an error (default: half of the "
      "machine's memory)");
  sub->add_option_function<std::string>(
      "--verify",
      [f](const std::string& text) {
        double v = 0;
        if (!ParseDouble(text, &v) || !(v > 0 && v <= 1)) {
          throw CLI::ValidationError("--verify", "expected a fraction of the tasks above 0 and at most 1 (0.02 for 2 %), not '" + text + "'");
        }
        f->verify = v;
      },
      "Read the objects of this fraction of the tasks (0.02: 2 %, at least one) again here with the reference "
      "reader (the scalar kernel, each object whole) and fail if any result differs");
  AddClusterFlags(sub, &f->cluster);
  return sub;
}

}  // namespace

void AddCountCommand(CLI::App& app) {
  static AggFlags count_flags_storage;  // CLI11 binds to it until the callback runs
  AggFlags* count_flags = &count_flags_storage;
  CLI::App* count = AddOne(app, "count",
                           "Count rows per group.\n\n"
                           "Examples:\n"
                           "  fanout count --by passenger_count data/\n"
                           "  fanout count --by vendor_id,passenger_count 'data/yellow_*.csv' --format json\n"
                           "  fanout count --by 4 --header no --where '5 > 10' data.csv.gz\n"
                           "  fanout count --by passenger_count --workers 4 data/\n"
                           "  fanout count --by passenger_count --hosts h1,h2,h3 's3://bucket/trip data/yellow_*.csv'\n"
                           "  fanout count --by 4 --hosts h1,h2,h3 stage://trips   (after fanout stage --as trips)\n"
                           "  fanout count --by passenger_count --workers 4 data/ --report report.html   (why it took that long)\n"
                           "  fanout count --by passenger_count --hosts h1,h2,h3 data/ --dry-run        (the plan, nothing read)\n"
                           "  fanout count --by passenger_count data/ --verify 0.02   (2 % re-read by the reference reader)",
                           count_flags);
  AddCommonFlags(count, &count_flags->common, kCountInputHelp);
  count->callback([count_flags] { Run(*count_flags, false); });

  static AggFlags agg_flags_storage;
  AggFlags* agg_flags = &agg_flags_storage;
  CLI::App* agg = AddOne(app, "agg",
                         "Several aggregates per group at once.\n\n"
                         "Examples:\n"
                         "  fanout agg --by passenger_count --count --sum 'total_amount|total_amt' data/\n"
                         "  fanout agg --by payment_type --mean trip_distance --min fare_amount --max fare_amount data/\n"
                         "  fanout agg --by passenger_count --mean total_amount --stddev total_amount data/\n"
                         "  fanout agg --by payment_type --count --count-distinct PULocationID data/",
                         agg_flags);
  agg->add_flag("--count", agg_flags->count, "Output the row count per group");
  agg->add_option("--sum", agg_flags->sum, "Exact sum of a numeric column (repeatable)")->allow_extra_args(false);
  agg->add_option("--mean", agg_flags->mean, "Mean of a numeric column (repeatable)")->allow_extra_args(false);
  agg->add_option("--min", agg_flags->min, "Minimum of a numeric column (repeatable)")->allow_extra_args(false);
  agg->add_option("--max", agg_flags->max, "Maximum of a numeric column (repeatable)")->allow_extra_args(false);
  agg->add_option("--count-distinct", agg_flags->count_distinct,
                  "The number of distinct non-empty values of a column (or key expression) per group, exactly, as "
                  "SQL's count(DISTINCT COL); the distinct values count against --max-group-memory")
      ->allow_extra_args(false);
  agg->add_option("--p50", agg_flags->p50,
                  "The median of a numeric column per group, exactly, as SQL's percentile_disc(0.5): a value of "
                  "the data (values that are not numbers left out; the distinct values count against "
                  "--max-group-memory; the same column as --count-distinct, --p90 and --p99)")
      ->allow_extra_args(false);
  agg->add_option("--p90", agg_flags->p90, "The 90th percentile, as --p50")->allow_extra_args(false);
  agg->add_option("--p99", agg_flags->p99, "The 99th percentile, as --p50")->allow_extra_args(false);
  agg->add_option("--stddev", agg_flags->stddev,
                  "Sample standard deviation of a numeric column, as SQL's stddev_samp (a double; empty for fewer "
                  "than two values; repeatable)")
      ->allow_extra_args(false);
  AddCommonFlags(agg, &agg_flags->common, kCountInputHelp);
  agg->callback([agg_flags] { Run(*agg_flags, true); });
}

}  // namespace fanout::cli
