// gen/taxi: a deterministic generator of NYC-yellow-taxi-like CSV and Parquet files.
//
// Contract:
//  - One file per month, named yellow_tripdata_YYYY-MM.csv (+ .gz / .zst), with the
//    header row of the real files of that month's schema era and the era's quirks
//    (a blank line after the header in 2010..2016-06, CRLF line ends in
//    2016-07..2018, ~3% of rows with empty passenger_count and friends from 2020).
//  - Or, with Format::kParquet, yellow_tripdata_YYYY-MM.parquet holding the same rows
//    as the CSV file of the same options, typed as the real files of that month are
//    (gen/taxi_parquet.h).
//  - A file's bytes depend only on (options, file index): never on threads, on the
//    other files being written, or on the compression (the compressed files
//    decompress to exactly the uncompressed bytes).
//  - Rows are realistic enough for group-by demos: datetimes inside the month with
//    dropoff after pickup, total_amount equal to the sum of its parts in cents,
//    passenger counts drawn with the weights of the published full-dataset table.
//  - Errors (bad options, unwritable paths) come back as a Status naming the path;
//    nothing here throws. A file is written under a hidden temporary name in the
//    same directory and renamed when complete, so a failed run leaves no file that
//    looks complete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/types.h"
#include "parquet/writer.h"

namespace fanout::gen {

struct YearMonth {
  int year = 2009;
  int month = 1;  // 1..12
  friend bool operator==(const YearMonth&, const YearMonth&) = default;
};

// The header layouts of the published yellow-taxi files, oldest first.
enum class Era {
  k2009,          // 2009: vendor_name, Trip_Pickup_DateTime, ... (18 columns)
  k2010To2014,    // vendor_id, pickup_datetime, ... (18)
  k2015To2016H1,  // VendorID, tpep_pickup_datetime, ... lon/lat, improvement_surcharge (19)
  k2016H2To2018,  // VendorID, ... PULocationID, DOLocationID instead of lon/lat (17)
  k2019On,        // the 2016-07 layout plus congestion_surcharge (18)
};
inline constexpr int kEraCount = 5;

enum class Compression { kNone, kGzip, kZstd };
enum class Format { kCsv, kParquet };

// One row group per file up to this many rows, as pyarrow wrote the real files.
inline constexpr uint64_t kDefaultRowGroupRows = 1000000;

struct ParquetGenOptions {
  parquet::Codec codec = parquet::Codec::kGzip;
  uint64_t row_group_rows = kDefaultRowGroupRows;  // at least 1
  // Data pages of about this many bytes; a chunk's dictionary falls back to PLAIN past it.
  uint64_t page_bytes = parquet::kDefaultPageBytes;
};

// The first and last month of the default month range (see PickMonths).
inline constexpr YearMonth kFirstMonth{2009, 1};
inline constexpr YearMonth kLastDefaultMonth{2021, 12};

struct GenOptions {
  int files = 12;
  // Data rows per file; used when total_bytes is not set.
  uint64_t rows_per_file = 100000;
  // --size: uncompressed CSV bytes over all files, split by era weight (see PlanFiles).
  std::optional<uint64_t> total_bytes;
  uint64_t seed = 1;
  Compression compression = Compression::kNone;  // CSV only
  Format format = Format::kCsv;
  ParquetGenOptions parquet;
  // --start: the files are consecutive months from here; unset: PickMonths' rule.
  std::optional<YearMonth> start;
};

Era EraOf(YearMonth m);
// The header row of an era's files, without its line end.
std::string_view HeaderOf(Era era);
int FieldCountOf(Era era);

// "2015-07" -> {2015, 7}. Months before 2009-01 (no real data) or after 9999-12 are
// InvalidArgument naming the text.
Result<YearMonth> ParseYearMonth(std::string_view text);
// "none" | "gz" | "zst".
Result<Compression> ParseCompression(std::string_view text);
// "csv" | "parquet".
Result<Format> ParseFormat(std::string_view text);
// A Parquet page codec: "none" | "snappy" | "gzip" | "zstd" | "lz4" (LZ4_RAW) | "brotli".
Result<parquet::Codec> ParseParquetCodec(std::string_view text);
// The name ParseParquetCodec takes for `codec`.
std::string_view ParquetCodecName(parquet::Codec codec);

// The months of `files` files, oldest first, all distinct.
//  - With `start`: `files` consecutive months from it.
//  - Without: months from 2009-01..2021-12 (156 months, so at most 156 files). The
//    files are shared among the five eras in proportion to the eras' lengths in
//    months (largest remainder); when files >= 5 an era left without a file takes
//    one from the era holding the most, so every era appears at least once. Within
//    an era the months are evenly spaced, centred: file j of n in an era of L months
//    gets its month floor((2j + 1) * L / (2n)).
Result<std::vector<YearMonth>> PickMonths(int files, std::optional<YearMonth> start);

// "yellow_tripdata_2015-07.csv" plus ".gz" / ".zst"; "yellow_tripdata_2015-07.parquet".
std::string FileName(YearMonth m, Compression c, Format f = Format::kCsv);

struct FilePlan {
  YearMonth month;
  std::string name;
  // Exactly this many data rows, or (when by_bytes) rows until the uncompressed CSV
  // file reaches min_bytes: a file overshoots its share by less than one row. A
  // Parquet file stops at the same row as the CSV file would.
  uint64_t rows = 0;
  bool by_bytes = false;
  uint64_t min_bytes = 0;
};

// The files the options describe. With total_bytes the total is split in proportion
// to a per-year weight modelled on the real dataset's monthly volumes (2009-2012
// months weigh 2, 2013-2014 1.8, 2015-2016 1.5, 2017-2018 1.2, 2019 on 1), so the
// objects have unequal sizes; the shares add up to total_bytes exactly.
Result<std::vector<FilePlan>> PlanFiles(const GenOptions& options);

struct FileStats {
  uint64_t rows = 0;        // data rows
  uint64_t csv_bytes = 0;   // uncompressed CSV bytes (for Parquet: those the CSV file has)
  uint64_t disk_bytes = 0;  // bytes written to disk (compressed when compressing; the Parquet file)
};

// Writes file `file_index` (0-based, < options.files) of PlanFiles(options) to
// `path` (whatever its name). Fills *stats when given.
Status GenerateFile(const GenOptions& options, int file_index, const std::string& path,
                    FileStats* stats = nullptr);

struct GenSummary {
  int files = 0;
  FileStats totals;
};

// Creates `dir` if missing and writes every planned file into it with up to
// `threads` files in flight. On failure returns the error of the lowest-numbered
// failing file; files already completed stay.
Result<GenSummary> GenerateAll(const GenOptions& options, const std::string& dir, int threads);

}  // namespace fanout::gen
