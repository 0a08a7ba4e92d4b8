#include "gen/taxi_parquet.h"

#include <charconv>
#include <memory>
#include <string_view>

#include "gen/taxi_rows.h"

namespace fanout::gen {
namespace {

// How a CSV field becomes a Parquet value (an empty field is NULL whatever the kind).
enum class Kind { kText, kInt32, kInt64, kDouble, kTimestamp };

struct Column {
  std::string name;
  Kind kind;
};

constexpr int kTimestampsFromYear = 2011;  // 2009 and 2010 files keep their datetimes as text
constexpr int kNarrowIdsFromYear = 2023;   // INT32 ids, INT64 counts
constexpr int kAirportFeeFromYear = 2022;
constexpr int kAirportFeeCents2022 = 125;
constexpr int kAirportFeeCentsLater = 175;
constexpr int kAirportZones[] = {132, 138};  // JFK, LaGuardia

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

Kind KindOf(Era era, int year, std::string_view name) {
  if (IsOneOf(name, {"vendor_name", "vendor_id", "store_and_forward", "store_and_fwd_flag", "Payment_Type"})) {
    return Kind::kText;
  }
  if (name == "payment_type") return era == Era::k2010To2014 ? Kind::kText : Kind::kInt64;
  if (IsOneOf(name, {"Trip_Pickup_DateTime", "Trip_Dropoff_DateTime", "pickup_datetime", "dropoff_datetime",
                     "tpep_pickup_datetime", "tpep_dropoff_datetime"})) {
    return year >= kTimestampsFromYear ? Kind::kTimestamp : Kind::kText;
  }
  if (IsOneOf(name, {"Passenger_Count", "passenger_count", "Rate_Code", "rate_code", "RateCodeID", "RatecodeID"})) {
    return year < kTimestampsFromYear || year >= kNarrowIdsFromYear ? Kind::kInt64 : Kind::kDouble;
  }
  if (IsOneOf(name, {"VendorID", "PULocationID", "DOLocationID"})) {
    return year >= kNarrowIdsFromYear ? Kind::kInt32 : Kind::kInt64;
  }
  return Kind::kDouble;
}

std::string AirportFeeName(int year) { return year == kAirportFeeFromYear ? "airport_fee" : "Airport_fee"; }

// The CSV header's columns with their kinds (the airport fee is not among them).
std::vector<Column> CsvColumnsOf(YearMonth m) {
  const Era era = EraOf(m);
  std::vector<Column> columns;
  std::string_view header = HeaderOf(era);
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view name = header.substr(0, comma);
    columns.push_back({std::string(name), KindOf(era, m.year, name)});
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
  }
  return columns;
}

parquet::ColumnSpec SpecOf(const Column& c) {
  parquet::ColumnSpec spec;
  spec.name = c.name;
  spec.optional = true;
  switch (c.kind) {
    case Kind::kText:
      spec.type = parquet::PhysicalType::kByteArray;
      spec.logical = parquet::Logical::String();
      break;
    case Kind::kInt32: spec.type = parquet::PhysicalType::kInt32; break;
    case Kind::kInt64: spec.type = parquet::PhysicalType::kInt64; break;
    case Kind::kDouble: spec.type = parquet::PhysicalType::kDouble; break;
    case Kind::kTimestamp:
      spec.type = parquet::PhysicalType::kInt64;
      spec.logical = parquet::Logical::TimestampMicros();
      break;
  }
  return spec;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian; Hinnant's days_from_civil).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return int64_t{era} * 146097 + doe - 719468;
}

bool ParseDigits(std::string_view text, int64_t* v) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *v);
  return ec == std::errc() && end == text.data() + text.size();
}

// "YYYY-MM-DD HH:MM:SS" as microseconds since 1970-01-01 00:00:00 (the same wall clock).
bool ParseTimestamp(std::string_view t, int64_t* micros) {
  constexpr size_t kLength = 19;
  if (t.size() != kLength || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' || t[16] != ':') return false;
  int64_t y, mo, d, h, mi, s;
  if (!ParseDigits(t.substr(0, 4), &y) || !ParseDigits(t.substr(5, 2), &mo) || !ParseDigits(t.substr(8, 2), &d) ||
      !ParseDigits(t.substr(11, 2), &h) || !ParseDigits(t.substr(14, 2), &mi) || !ParseDigits(t.substr(17, 2), &s)) {
    return false;
  }
  constexpr int64_t kMicrosPerSecond = 1000000;
  const int64_t seconds = DaysFromCivil(static_cast<int>(y), static_cast<int>(mo), static_cast<int>(d)) * 86400 +
                          h * 3600 + mi * 60 + s;
  *micros = seconds * kMicrosPerSecond;
  return true;
}

// Appends one CSV field to its column; false when the text is not of the column's kind.
bool AppendField(std::string_view field, Kind kind, parquet::ColumnBuilder& out) {
  if (field.empty()) {
    out.AppendNull();
    return true;
  }
  int64_t i = 0;
  switch (kind) {
    case Kind::kText: out.AppendString(field); return true;
    case Kind::kInt32:
      if (!ParseDigits(field, &i) || i != static_cast<int32_t>(i)) return false;
      out.AppendInt32(static_cast<int32_t>(i));
      return true;
    case Kind::kInt64:
      if (!ParseDigits(field, &i)) return false;
      out.AppendInt64(i);
      return true;
    case Kind::kTimestamp:
      if (!ParseTimestamp(field, &i)) return false;
      out.AppendInt64(i);
      return true;
    case Kind::kDouble: {
      double d = 0;  // from_chars rounds to nearest, as every CSV reader's number parsing does
      const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), d);
      if (ec != std::errc() || end != field.data() + field.size()) return false;
      out.AppendDouble(d);
      return true;
    }
  }
  return false;
}

class RowConverter {
 public:
  explicit RowConverter(YearMonth m) : columns_(CsvColumnsOf(m)) {
    if (m.year < kAirportFeeFromYear) return;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name == "PULocationID") pickup_zone_ = static_cast<int>(i);
      if (columns_[i].name == "VendorID") vendor_ = static_cast<int>(i);
    }
    airport_fee_cents_ = m.year == kAirportFeeFromYear ? kAirportFeeCents2022 : kAirportFeeCentsLater;
    airport_fee_name_ = AirportFeeName(m.year);
  }

  std::vector<parquet::ColumnSpec> Specs() const {
    std::vector<parquet::ColumnSpec> specs;
    for (const Column& c : columns_) specs.push_back(SpecOf(c));
    if (airport_fee_cents_ > 0) specs.push_back(SpecOf({airport_fee_name_, Kind::kDouble}));
    return specs;
  }

  // Appends one CSV row (its line end included) to the writer's row group.
  Status Append(std::string_view row, parquet::FileWriter& w) {
    while (!row.empty() && (row.back() == '\n' || row.back() == '\r')) row.remove_suffix(1);
    fields_.clear();
    for (size_t start = 0;;) {
      const size_t comma = row.find(',', start);
      fields_.push_back(row.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (fields_.size() != columns_.size()) {
      return Status::Internal("a generated row has " + std::to_string(fields_.size()) + " fields, not " +
                              std::to_string(columns_.size()) + ": " + std::string(row));
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!AppendField(fields_[i], columns_[i].kind, w.column(static_cast<int>(i)))) {
        return Status::Internal("a generated field of column '" + columns_[i].name + "' is not of its type: '" +
                                std::string(fields_[i]) + "'");
      }
    }
    if (airport_fee_cents_ > 0) AppendAirportFee(w.column(static_cast<int>(columns_.size())));
    return Status::OK();
  }

 private:
  void AppendAirportFee(parquet::ColumnBuilder& out) const {
    if (fields_[vendor_].empty()) {
      out.AppendNull();
      return;
    }
    int64_t zone = 0;
    const bool airport = ParseDigits(fields_[pickup_zone_], &zone) &&
                         (zone == kAirportZones[0] || zone == kAirportZones[1]);
    out.AppendDouble(airport ? airport_fee_cents_ / 100.0 : 0.0);
  }

  std::vector<Column> columns_;
  int pickup_zone_ = 0;
  int vendor_ = 0;
  int airport_fee_cents_ = 0;  // 0: no airport fee column
  std::string airport_fee_name_;
  std::vector<std::string_view> fields_;
};

}  // namespace

std::vector<parquet::ColumnSpec> ParquetColumnsOf(YearMonth m) { return RowConverter(m).Specs(); }

Status WriteParquetRows(const FilePlan& plan, const GenOptions& options, int file_index, const std::string& path,
                        parquet::Output& out, FileStats& stats) {
  RowConverter converter(plan.month);
  parquet::WriterOptions writer_options;
  writer_options.codec = options.parquet.codec;
  writer_options.page_bytes = options.parquet.page_bytes;
  writer_options.dictionary_limit_bytes = options.parquet.page_bytes;  // as pyarrow's defaults are equal
  ASSIGN_OR_RETURN(std::unique_ptr<parquet::FileWriter> writer,
                   parquet::FileWriter::Open(out, converter.Specs(), writer_options));
  RowStream rows(plan, options.seed, file_index);
  char row[kMaxRowBytes];
  rows.PutHeader(row);  // not stored, but counted, so that --size stops where the CSV file does
  while (char* end = rows.PutNextRow(row)) {
    RETURN_IF_ERROR(converter.Append(std::string_view(row, end - row), *writer).WithPrefix(path));
    if (writer->pending_rows() >= options.parquet.row_group_rows) RETURN_IF_ERROR(writer->FlushRowGroup());
  }
  RETURN_IF_ERROR(writer->Close());
  stats.rows = rows.rows();
  stats.csv_bytes = rows.csv_bytes();
  return Status::OK();
}

}  // namespace fanout::gen
