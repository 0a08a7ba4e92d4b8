// fanout gen-taxi: writes synthetic NYC-yellow-taxi-like CSV or Parquet files (see gen/taxi.h).
//
// Flag errors CLI11 can see alone (malformed numbers, bad --size/--start/--compress,
// --rows with --size, too many files for the default months, a CSV flag with
// --format parquet or a Parquet flag without it) are usage errors: exit 2 through
// main. Failures while writing print "fanout: ..." naming the path and exit 1.
#include <algorithm>
#include <chrono>
#include <limits>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/bytes.h"
#include "core/cpu.h"
#include "core/strings.h"
#include "gen/taxi.h"

namespace fanout::cli {
namespace {

constexpr int kMaxFiles = 100000;
constexpr uint64_t kDefaultRows = 100000;
constexpr uint64_t kMaxRowsPerFile = 1000000000;  // about 100 GB of CSV in one file
constexpr uint64_t kMinPageBytes = 1 << 10;
constexpr uint64_t kMaxPageBytes = 1 << 30;  // page sizes are 32-bit in the page header

struct GenTaxiFlags {
  std::string out;
  int files = 12;
  std::optional<uint64_t> rows;
  std::string size;
  uint64_t seed = 1;
  std::string compress = "none";
  std::string format = "csv";
  std::string compression = "gzip";
  uint64_t row_group_rows = gen::kDefaultRowGroupRows;
  std::string page_size;
  int threads = 0;  // 0: every core
  std::string start;
  bool quiet = false;
};

// A CLI11 check built from one of the project's parsers: empty on success.
template <typename Parse>
CLI::Validator StatusCheck(Parse parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        auto parsed = parse(text);
        return parsed.ok() ? std::string() : parsed.status().message();
      },
      "");
}

// Turns the flags into generator options; a bad combination is a usage error.
gen::GenOptions ToOptions(const GenTaxiFlags& f) {
  gen::GenOptions o;
  o.files = f.files;
  o.rows_per_file = f.rows.value_or(kDefaultRows);
  if (!f.size.empty()) o.total_bytes = ParseByteSize(f.size).value();
  o.seed = f.seed;
  o.compression = gen::ParseCompression(f.compress).value();
  o.format = gen::ParseFormat(f.format).value();
  o.parquet.codec = gen::ParseParquetCodec(f.compression).value();
  o.parquet.row_group_rows = f.row_group_rows;
  if (!f.page_size.empty()) o.parquet.page_bytes = ParseByteSize(f.page_size).value();
  if (!f.start.empty()) o.start = gen::ParseYearMonth(f.start).value();
  return o;
}

[[noreturn]] void Fail(const Status& st) {
  std::fprintf(stderr, "fanout: %s\n", ForTerminal(st.message()).c_str());
  throw CLI::RuntimeError(1);
}

void PrintSummary(const gen::GenSummary& s, const gen::GenOptions& o, double seconds) {
  std::string bytes = FormatBytes(s.totals.csv_bytes);
  if (o.format == gen::Format::kParquet) {
    bytes = FormatBytes(s.totals.disk_bytes) + " Parquet (" + std::string(gen::ParquetCodecName(o.parquet.codec)) +
            "; " + bytes + " as CSV)";
  } else if (o.compression != gen::Compression::kNone) {
    bytes += " (" + FormatBytes(s.totals.disk_bytes) +
             (o.compression == gen::Compression::kGzip ? " gz)" : " zst)");
  }
  const double rate = seconds > 0 ? static_cast<double>(s.totals.csv_bytes) / seconds : 0;
  std::fprintf(stderr, "fanout: wrote %s, %s, %s, %s, %s/s\n", CountOf(s.files, "file").c_str(),
               CountOf(s.totals.rows, "row").c_str(), bytes.c_str(), FormatSeconds(seconds).c_str(),
               FormatBytes(static_cast<uint64_t>(rate)).c_str());
}

// A flag of one format given with the other is a usage error.
void CheckFormatFlags(const GenTaxiFlags& flags, const CLI::App& cmd) {
  const bool parquet = flags.format == "parquet";
  if (parquet && cmd.count("--compress") > 0) {
    throw CLI::ValidationError("--compress is for CSV files; Parquet files take --compression");
  }
  for (const char* name : {"--compression", "--row-group-rows", "--page-size"}) {
    if (!parquet && cmd.count(name) > 0) {
      throw CLI::ValidationError(std::string(name) + " is for Parquet files (add --format parquet)");
    }
  }
}

void Run(const GenTaxiFlags& flags, const CLI::App& cmd) {
  CheckFormatFlags(flags, cmd);
  const gen::GenOptions options = ToOptions(flags);
  // Cross-flag limits (e.g. --files beyond the default months) are usage errors.
  Result<std::vector<gen::FilePlan>> plans = gen::PlanFiles(options);
  if (!plans.ok()) throw CLI::ValidationError(plans.status().message());
  const int threads = flags.threads > 0 ? flags.threads : CoreCount();
  const auto started = std::chrono::steady_clock::now();
  Result<gen::GenSummary> summary = gen::GenerateAll(options, flags.out, threads);
  if (!summary.ok()) Fail(summary.status());
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  if (!flags.quiet) PrintSummary(*summary, options, elapsed.count());
}

}  // namespace

void AddGenTaxiCommand(CLI::App& app) {
  auto flags = std::make_shared<GenTaxiFlags>();
  CLI::App* cmd = app.add_subcommand("gen-taxi", "write synthetic NYC-yellow-taxi-like CSV or Parquet files");
  cmd->add_option("--out", flags->out, "output directory (created if missing)")->required()->type_name("DIR");
  cmd->add_option("--files", flags->files, "number of files, one month each (default 12)")
      ->check(WholeNumber(1, kMaxFiles))
      ->type_name("K");
  CLI::Option* rows = cmd->add_option("--rows", flags->rows, "data rows per file (default 100000)")
                          ->check(WholeNumber(0, kMaxRowsPerFile))
                          ->type_name("N");
  CLI::Option* size =
      cmd->add_option("--size", flags->size, "total uncompressed bytes over all files, e.g. 600MB")
          ->check(StatusCheck(ParseByteSize))
          ->type_name("BYTES");
  rows->excludes(size);
  size->excludes(rows);
  cmd->add_option("--seed", flags->seed, "random seed (default 1)")
      ->check(WholeNumber(0, std::numeric_limits<uint64_t>::max()))
      ->type_name("S");
  cmd->add_option("--compress", flags->compress, "CSV files: none, gz or zst (default none)")
      ->check(StatusCheck(gen::ParseCompression))
      ->type_name("none|gz|zst");
  cmd->add_option("--format", flags->format, "csv or parquet (default csv)")
      ->check(StatusCheck(gen::ParseFormat))
      ->type_name("csv|parquet");
  cmd->add_option("--compression", flags->compression,
                  "Parquet pages: none, snappy, gzip, zstd, lz4 or brotli (default gzip)")
      ->check(StatusCheck(gen::ParseParquetCodec))
      ->type_name("CODEC");
  cmd->add_option("--row-group-rows", flags->row_group_rows,
                  "Parquet rows per row group (default 1000000: one row group per file up to that)")
      ->check(WholeNumber(1, kMaxRowsPerFile))
      ->type_name("N");
  cmd->add_option("--page-size", flags->page_size,
                  "Parquet data page size and dictionary limit, 1KiB to 1GiB (default 1MiB)")
      ->check(ByteSizeIn(kMinPageBytes, kMaxPageBytes))
      ->type_name("BYTES");
  cmd->add_option("-t,--threads", flags->threads, "files written in parallel (default: every core)")
      ->check(WholeNumber(1, kMaxThreads))
      ->type_name("N");
  cmd->add_option("--start", flags->start, "first month; the files are consecutive months from it")
      ->check(StatusCheck(gen::ParseYearMonth))
      ->type_name("YYYY-MM");
  cmd->add_flag("-q,--quiet", flags->quiet, "no summary line on stderr");
  cmd->footer(
      "Files are named yellow_tripdata_YYYY-MM.csv[.gz|.zst]; each has the header and quirks\n"
      "of the real files of its month. Without --start the months are taken from\n"
      "2009-01..2021-12 (at most 156 files): shared among the five schema eras (2009,\n"
      "2010-2014, 2015-2016/06, 2016/07-2018, 2019 on) in proportion to their length, every\n"
      "era getting at least one file when K >= 5, evenly spaced within an era. --size is\n"
      "split by era like the real dataset (2009-2012 months about twice 2019+ months).\n"
      "The same flags give the same bytes whatever --threads is.\n\n"
      "--format parquet writes yellow_tripdata_YYYY-MM.parquet with the same rows as the CSV\n"
      "files of the same flags, typed as the real TLC Parquet files of each era (text\n"
      "datetimes in 2009-2010, timestamps after; DOUBLE or INT64 passenger counts; NULL for\n"
      "an empty CSV field; airport_fee from 2022), dictionary-encoded, gzip by default. --size\n"
      "counts the bytes the CSV files would have, so it gives the same rows in either format.\n\n"
      "Examples:\n"
      "  fanout gen-taxi --out data --files 12 --size 600MB --seed 1\n"
      "  fanout gen-taxi --out pq --files 12 --size 600MB --seed 1 --format parquet --compression zstd");
  cmd->callback([flags, cmd] { Run(*flags, *cmd); });
}

}  // namespace fanout::cli
