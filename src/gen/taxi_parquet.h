// gen/taxi_parquet: gen-taxi's Parquet files.
//
// A Parquet file holds the rows of the CSV file of the same options (gen/taxi_rows.h),
// each field converted by its column's type: so the two formats hold the same values by
// construction, an empty CSV field being NULL. The columns are the CSV header's, typed
// as the real TLC Parquet files of that month are (the table is in docs/cli.md):
//  - text: vendor names, payment names (2009, 2010-2014), store-and-forward flags, and
//    the 2009 and 2010 datetimes, which the real files keep as strings;
//  - datetimes from 2011 on: INT64 TIMESTAMP(MICROS, not adjusted to UTC);
//  - passenger_count and the rate code: INT64 in 2009-2010 and from 2023, DOUBLE
//    between (the real files' float columns for pandas' NULLs);
//  - VendorID and the location IDs: INT64 in 2015-2022, INT32 from 2023; payment_type INT64;
//  - everything else (distances, coordinates, amounts) DOUBLE, so "1.50" is 1.5.
// From 2022 the files have one column the CSV files lack, last: airport_fee (2022) or
// Airport_fee (2023 on), the fee for a pickup at JFK or LaGuardia (zones 132, 138), else
// 0, NULL in the rows whose VendorID is empty. Every column is optional, as pyarrow writes.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "gen/taxi.h"
#include "parquet/writer.h"

namespace fanout::gen {

// The columns of month `m`'s Parquet file, in order.
std::vector<parquet::ColumnSpec> ParquetColumnsOf(YearMonth m);

// Writes file `file_index` of the plan as Parquet to `out` (errors name `path`) and fills
// stats' rows and csv_bytes.
Status WriteParquetRows(const FilePlan& plan, const GenOptions& options, int file_index, const std::string& path,
                        parquet::Output& out, FileStats& stats);

}  // namespace fanout::gen
