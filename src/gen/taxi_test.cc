#include "gen/taxi.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fanout::gen {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// Helpers

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "fanout_taxi_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Sub(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// name -> bytes of every file in dir.
std::map<std::string, std::string> ReadDir(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files[entry.path().filename().string()] = ReadFile(entry.path().string());
  }
  return files;
}

std::string Gunzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

std::string Unzstd(const std::string& data) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  size_t rc = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(dctx, &o, &in);
    if (ZSTD_isError(rc)) break;
    out.append(buf.data(), o.pos);
  }
  EXPECT_EQ(rc, 0u) << "zstd frame incomplete or corrupt";
  ZSTD_freeDCtx(dctx);
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// The lines of a file without their line ends; the file must end with '\n'.
std::vector<std::string> Lines(const std::string& content, const std::string& line_end) {
  std::vector<std::string> lines = Split(content, '\n');
  EXPECT_EQ(lines.back(), "") << "file does not end with a newline";
  lines.pop_back();
  for (std::string& line : lines) {
    if (line_end == "\r\n") {
      EXPECT_TRUE(!line.empty() && line.back() == '\r') << "line without CRLF: " << line;
      if (!line.empty()) line.pop_back();
    }
  }
  return lines;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "12.34" with exactly `decimals` fraction digits (and an optional '-').
bool IsFixed(const std::string& s, int decimals) {
  const size_t dot = s.find('.');
  if (dot == std::string::npos || s.size() - dot - 1 != static_cast<size_t>(decimals)) return false;
  const size_t first = s[0] == '-' ? 1 : 0;
  if (dot == first) return false;
  for (size_t i = first; i < s.size(); ++i) {
    if (i != dot && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int64_t Cents(const std::string& s) {
  EXPECT_TRUE(IsFixed(s, 2)) << "not an amount: '" << s << "'";
  const bool negative = s[0] == '-';
  std::string digits = s.substr(negative ? 1 : 0);
  digits.erase(digits.find('.'), 1);
  const int64_t v = std::stoll(digits);
  return negative ? -v : v;
}

bool IsDateTimeIn(const std::string& s, const std::string& month_prefix) {
  if (s.size() != 19 || s.compare(0, 8, month_prefix) != 0 || s[10] != ' ') return false;
  const int day = std::stoi(s.substr(8, 2));
  const int hour = std::stoi(s.substr(11, 2));
  const int minute = std::stoi(s.substr(14, 2));
  const int second = std::stoi(s.substr(17, 2));
  return day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60;
}

GenOptions OneMonth(YearMonth m, uint64_t rows, uint64_t seed = 1) {
  GenOptions o;
  o.files = 1;
  o.start = m;
  o.rows_per_file = rows;
  o.seed = seed;
  return o;
}

// Generates the single file of `options` into `dir` and returns its bytes.
std::string GenerateOne(const GenOptions& options, const TempDir& dir) {
  const std::string path = dir.Sub("one.csv");
  const Status st = GenerateFile(options, 0, path);
  EXPECT_TRUE(st.ok()) << st.message();
  return ReadFile(path);
}

// ---------------------------------------------------------------------------
// Months, eras, names

TEST(TaxiEras, BoundariesAndHeaders) {
  EXPECT_EQ(EraOf({2009, 12}), Era::k2009);
  EXPECT_EQ(EraOf({2010, 1}), Era::k2010To2014);
  EXPECT_EQ(EraOf({2014, 12}), Era::k2010To2014);
  EXPECT_EQ(EraOf({2015, 1}), Era::k2015To2016H1);
  EXPECT_EQ(EraOf({2016, 6}), Era::k2015To2016H1);
  EXPECT_EQ(EraOf({2016, 7}), Era::k2016H2To2018);
  EXPECT_EQ(EraOf({2018, 12}), Era::k2016H2To2018);
  EXPECT_EQ(EraOf({2019, 1}), Era::k2019On);
  EXPECT_EQ(EraOf({2031, 5}), Era::k2019On);
  EXPECT_EQ(FieldCountOf(Era::k2009), 18);
  EXPECT_EQ(FieldCountOf(Era::k2010To2014), 18);
  EXPECT_EQ(FieldCountOf(Era::k2015To2016H1), 19);
  EXPECT_EQ(FieldCountOf(Era::k2016H2To2018), 17);
  EXPECT_EQ(FieldCountOf(Era::k2019On), 18);
  EXPECT_EQ(std::string(HeaderOf(Era::k2019On)),
            std::string(HeaderOf(Era::k2016H2To2018)) + ",congestion_surcharge");
  EXPECT_EQ(FileName({2015, 7}, Compression::kNone), "yellow_tripdata_2015-07.csv");
  EXPECT_EQ(FileName({2009, 1}, Compression::kGzip), "yellow_tripdata_2009-01.csv.gz");
  EXPECT_EQ(FileName({2021, 12}, Compression::kZstd), "yellow_tripdata_2021-12.csv.zst");
}

TEST(TaxiMonths, DefaultRuleCoversEveryEraAndStaysDistinct) {
  for (int files = 1; files <= 156; ++files) {
    Result<std::vector<YearMonth>> months = PickMonths(files, std::nullopt);
    ASSERT_TRUE(months.ok()) << files;
    ASSERT_EQ(static_cast<int>(months->size()), files);
    std::set<int> eras;
    int previous = -1;
    for (const YearMonth& m : *months) {
      const int ordinal = m.year * 12 + m.month - 1;
      EXPECT_GT(ordinal, previous) << "months must be increasing, files=" << files;
      EXPECT_GE(m.year, 2009);
      EXPECT_LE(m.year, 2021);
      previous = ordinal;
      eras.insert(static_cast<int>(EraOf(m)));
    }
    if (files >= kEraCount) {
      EXPECT_EQ(static_cast<int>(eras.size()), kEraCount) << "files=" << files;
    }
  }
  Result<std::vector<YearMonth>> all = PickMonths(156, std::nullopt);
  EXPECT_EQ(all->front(), (YearMonth{2009, 1}));
  EXPECT_EQ(all->back(), (YearMonth{2021, 12}));
  EXPECT_FALSE(PickMonths(157, std::nullopt).ok());
  EXPECT_FALSE(PickMonths(0, std::nullopt).ok());
}

TEST(TaxiMonths, StartGivesConsecutiveMonths) {
  Result<std::vector<YearMonth>> months = PickMonths(3, YearMonth{2016, 11});
  ASSERT_TRUE(months.ok());
  EXPECT_EQ((*months)[0], (YearMonth{2016, 11}));
  EXPECT_EQ((*months)[1], (YearMonth{2016, 12}));
  EXPECT_EQ((*months)[2], (YearMonth{2017, 1}));
  EXPECT_FALSE(PickMonths(2, YearMonth{9999, 12}).ok());
}

TEST(TaxiMonths, Parsing) {
  Result<YearMonth> m = ParseYearMonth("2015-07");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (YearMonth{2015, 7}));
  for (const char* bad : {"2008-12", "2015-13", "2015-00", "2015-7", "15-07", "2015/07", "abcd-ef"}) {
    Result<YearMonth> r = ParseYearMonth(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(ParseCompression("zst").value(), Compression::kZstd);
  EXPECT_FALSE(ParseCompression("bz2").ok());
}

// ---------------------------------------------------------------------------
// Determinism

TEST(TaxiGenerate, SameSeedSameBytesOtherSeedOtherBytes) {
  TempDir tmp;
  GenOptions o;
  o.files = 6;
  o.rows_per_file = 3000;
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("a"), 2).ok());
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("b"), 2).ok());
  o.seed = 2;
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("c"), 2).ok());
  const auto a = ReadDir(tmp.Sub("a"));
  const auto c = ReadDir(tmp.Sub("c"));
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a, ReadDir(tmp.Sub("b")));
  ASSERT_EQ(c.size(), a.size());
  for (const auto& [name, bytes] : a) EXPECT_NE(bytes, c.at(name)) << name;
}

TEST(TaxiGenerate, BytesDoNotDependOnThreads) {
  TempDir tmp;
  GenOptions o;
  o.files = 7;
  o.total_bytes = 2'000'000;
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("t1"), 1).ok());
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("t4"), 4).ok());
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("t16"), 16).ok());
  const auto one = ReadDir(tmp.Sub("t1"));
  EXPECT_EQ(one.size(), 7u);
  EXPECT_EQ(one, ReadDir(tmp.Sub("t4")));
  EXPECT_EQ(one, ReadDir(tmp.Sub("t16")));
}

TEST(TaxiGenerate, FileIsTheSameWhenWrittenAlone) {
  TempDir tmp;
  GenOptions o;
  o.files = 5;
  o.rows_per_file = 500;
  Result<GenSummary> all = GenerateAll(o, tmp.Sub("all"), 3);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->files, 5);
  EXPECT_EQ(all->totals.rows, 2500u);
  Result<std::vector<FilePlan>> plans = PlanFiles(o);
  ASSERT_TRUE(plans.ok());
  FileStats stats;
  ASSERT_TRUE(GenerateFile(o, 3, tmp.Sub("alone.csv"), &stats).ok());
  EXPECT_EQ(ReadFile(tmp.Sub("alone.csv")), ReadFile(tmp.Sub("all/" + (*plans)[3].name)));
  EXPECT_EQ(stats.rows, 500u);
  EXPECT_EQ(stats.csv_bytes, ReadFile(tmp.Sub("alone.csv")).size());
}

// ---------------------------------------------------------------------------
// Schema and quirks

struct EraCase {
  YearMonth month;
  bool blank_after_header;
  bool crlf;
  bool sparse;  // 2020+: ~3% rows with empty passenger_count and friends
  std::set<std::string> payments;
};

const std::vector<EraCase>& EraCases() {
  static const std::vector<EraCase> cases = {
      {{2009, 3}, false, false, false, {"Credit", "CASH", "No Charge", "Dispute"}},
      {{2012, 11}, true, false, false, {"CRD", "CSH", "NOC", "DIS"}},
      {{2016, 2}, true, false, false, {"1", "2", "3", "4"}},
      {{2016, 7}, false, true, false, {"1", "2", "3", "4"}},
      {{2018, 12}, false, true, false, {"1", "2", "3", "4"}},
      {{2019, 4}, false, false, false, {"1", "2", "3", "4"}},
      {{2021, 2}, false, false, true, {"1", "2", "3", "4"}},
  };
  return cases;
}

// Checks one data row of an era; counts it into *sparse_rows when it is a sparse one.
void CheckRow(const EraCase& ec, const std::vector<std::string>& header, const std::vector<std::string>& f,
              const std::string& prefix, int* sparse_rows) {
  const Era era = EraOf(ec.month);
  ASSERT_EQ(static_cast<int>(f.size()), FieldCountOf(era));
  std::map<std::string, std::string> row;
  for (size_t i = 0; i < f.size(); ++i) row[Lower(header[i])] = f[i];
  EXPECT_TRUE(IsDateTimeIn(f[1], prefix)) << f[1];
  EXPECT_TRUE(IsDateTimeIn(f[2], prefix)) << f[2];
  EXPECT_LT(f[1], f[2]) << "dropoff must be after pickup";
  EXPECT_TRUE(IsFixed(f[4], 2)) << "distance " << f[4];
  const bool sparse = f[3].empty();
  *sparse_rows += sparse ? 1 : 0;
  if (sparse) {
    EXPECT_TRUE(ec.sparse) << "empty passenger_count outside 2020+";
    for (const char* col : {"vendorid", "ratecodeid", "store_and_fwd_flag", "payment_type", "congestion_surcharge"}) {
      EXPECT_EQ(row[col], "") << col;
    }
  } else {
    EXPECT_TRUE(f[3].size() == 1 && f[3][0] >= '0' && f[3][0] <= '8') << "passengers " << f[3];
    EXPECT_FALSE(f[0].empty());
  }
  if (!sparse) {
    EXPECT_TRUE(ec.payments.count(row["payment_type"])) << "payment '" << row["payment_type"] << "'";
    for (size_t i = 0; i < f.size(); ++i) EXPECT_FALSE(f[i].empty()) << header[i];
  }
  if (era <= Era::k2015To2016H1) {
    for (size_t i : {5u, 6u, 9u, 10u}) EXPECT_TRUE(IsFixed(f[i], 6)) << "coordinate " << f[i];
    EXPECT_LT(std::stod(f[5]), -73.0);
    EXPECT_GT(std::stod(f[6]), 40.0);
  } else {
    for (const char* col : {"pulocationid", "dolocationid"}) {
      const int zone = std::stoi(row[col]);
      EXPECT_TRUE(zone >= 1 && zone <= 265) << col << " " << zone;
    }
  }
  // Amounts are the columns from the fare on; total_amount is the sum of the others.
  const size_t fare = std::find(header.begin(), header.end(), era == Era::k2009 ? "Fare_Amt" : "fare_amount") -
                      header.begin();
  int64_t parts = 0;
  int64_t total = -1;
  for (size_t i = fare; i < f.size(); ++i) {
    if (f[i].empty()) continue;  // only congestion_surcharge, in sparse rows
    if (Lower(header[i]).rfind("total_am", 0) == 0) {
      total = Cents(f[i]);
    } else {
      parts += Cents(f[i]);
    }
  }
  EXPECT_EQ(total, parts) << "total_amount must be the sum of its parts";
}

TEST(TaxiGenerate, EveryEraHeaderFieldsAndQuirks) {
  TempDir tmp;
  constexpr uint64_t kRows = 20000;
  for (const EraCase& ec : EraCases()) {
    SCOPED_TRACE(FileName(ec.month, Compression::kNone));
    const std::string content = GenerateOne(OneMonth(ec.month, kRows), tmp);
    const Era era = EraOf(ec.month);
    const std::string eol = ec.crlf ? "\r\n" : "\n";
    EXPECT_EQ(content.find('\r') != std::string::npos, ec.crlf);
    EXPECT_EQ(content.back(), '\n');
    const std::string head = std::string(HeaderOf(era)) + eol + (ec.blank_after_header ? eol : "");
    ASSERT_EQ(content.compare(0, head.size(), head), 0) << "header and blank-line quirk";
    std::vector<std::string> lines = Lines(content, eol);
    const std::vector<std::string> header = Split(lines[0], ',');
    const size_t first_row = ec.blank_after_header ? 2 : 1;
    ASSERT_EQ(lines.size(), first_row + kRows);
    char prefix[9];
    std::snprintf(prefix, sizeof prefix, "%04d-%02d-", ec.month.year, ec.month.month);
    int sparse_rows = 0;
    for (size_t i = first_row; i < lines.size(); ++i) {
      ASSERT_FALSE(lines[i].empty()) << "unexpected blank line " << i;
      ASSERT_NO_FATAL_FAILURE(CheckRow(ec, header, Split(lines[i], ','), prefix, &sparse_rows)) << lines[i];
    }
    if (ec.sparse) {
      // ~3% of 20,000 is 600 with a standard deviation of ~24; 2%..4% is a wide margin.
      EXPECT_GT(sparse_rows, 400);
      EXPECT_LT(sparse_rows, 800);
    } else {
      EXPECT_EQ(sparse_rows, 0);
    }
  }
}

TEST(TaxiGenerate, PassengerCountsFollowThePublishedWeights) {
  TempDir tmp;
  constexpr uint64_t kRows = 200000;
  const std::string content = GenerateOne(OneMonth({2017, 5}, kRows, 42), tmp);
  std::map<int, int64_t> observed;
  const std::vector<std::string> lines = Lines(content, "\r\n");
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t a = lines[i].find(',', lines[i].find(',', lines[i].find(',') + 1) + 1);
    observed[lines[i][a + 1] - '0']++;
  }
  // The full-dataset table. Counts 0, 7 and 8 are pooled into one bin so that every
  // bin expects far more than 5 rows (7 and 8 alone expect ~0.0003 rows each).
  const std::map<int, double> weights = {{1, 1135227331}, {2, 239684017}, {5, 103036920},
                                         {3, 70434390},   {6, 38585794},  {4, 34074806},
                                         {0, 6881330},    {7, 2040},      {8, 1609}};
  double total_weight = 0;
  for (const auto& [count, w] : weights) total_weight += w;
  std::map<int, double> expected_bin;
  std::map<int, int64_t> observed_bin;
  for (const auto& [count, w] : weights) {
    const int bin = (count == 0 || count >= 7) ? 0 : count;
    expected_bin[bin] += w / total_weight * kRows;
    observed_bin[bin] += observed[count];
  }
  double chi2 = 0;
  for (const auto& [bin, expected] : expected_bin) {
    const double d = static_cast<double>(observed_bin[bin]) - expected;
    chi2 += d * d / expected;
  }
  // 7 bins -> 6 degrees of freedom; P(chi2 > 22.46) = 0.001 for a correct sampler.
  // The seed is fixed, so the test is deterministic; the bound only says the
  // draw is not distinguishable from the table at the 0.1% level.
  EXPECT_LT(chi2, 22.46);
  EXPECT_LE(observed[7] + observed[8], 3) << "7 and 8 passengers must stay rare";
  EXPECT_NEAR(static_cast<double>(observed[1]) / kRows, 1135227331 / total_weight, 0.005);
}

// ---------------------------------------------------------------------------
// Sizes and compression

TEST(TaxiGenerate, SizeIsHonouredAndSplitByEra) {
  TempDir tmp;
  GenOptions o;
  o.files = 12;
  o.total_bytes = 6'000'000;
  Result<GenSummary> s = GenerateAll(o, tmp.Sub("d"), 4);
  ASSERT_TRUE(s.ok()) << s.status().message();
  uint64_t on_disk = 0;
  const auto files = ReadDir(tmp.Sub("d"));
  for (const auto& [name, bytes] : files) on_disk += bytes.size();
  EXPECT_EQ(on_disk, s->totals.csv_bytes);
  EXPECT_NEAR(static_cast<double>(on_disk), 6e6, 0.05 * 6e6);
  // Months of 2009-2012 weigh twice those of 2019 on.
  const double early = static_cast<double>(files.at("yellow_tripdata_2010-07.csv").size());
  const double late = static_cast<double>(files.at("yellow_tripdata_2020-07.csv").size());
  EXPECT_NEAR(early / late, 2.0, 0.05);
}

TEST(TaxiGenerate, CompressedFilesDecompressToTheSameBytes) {
  TempDir tmp;
  GenOptions o;
  o.files = 5;
  o.rows_per_file = 4000;
  o.seed = 7;
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("none"), 2).ok());
  o.compression = Compression::kGzip;
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("gz"), 2).ok());
  o.compression = Compression::kZstd;
  Result<GenSummary> zst = GenerateAll(o, tmp.Sub("zst"), 2);
  ASSERT_TRUE(zst.ok());
  EXPECT_LT(zst->totals.disk_bytes, zst->totals.csv_bytes);
  const auto plain = ReadDir(tmp.Sub("none"));
  const auto gz = ReadDir(tmp.Sub("gz"));
  const auto zs = ReadDir(tmp.Sub("zst"));
  ASSERT_EQ(plain.size(), 5u);
  for (const auto& [name, bytes] : plain) {
    ASSERT_TRUE(gz.count(name + ".gz")) << name;
    ASSERT_TRUE(zs.count(name + ".zst")) << name;
    EXPECT_EQ(Gunzip(gz.at(name + ".gz")), bytes) << name;
    EXPECT_EQ(Unzstd(zs.at(name + ".zst")), bytes) << name;
  }
}

// ---------------------------------------------------------------------------
// Errors

TEST(TaxiGenerate, UnwritablePathIsAnErrorNamingIt) {
  TempDir tmp;
  std::ofstream(tmp.Sub("plain_file")) << "x";
  const std::string dir = tmp.Sub("plain_file/sub");
  Result<GenSummary> s = GenerateAll(OneMonth({2015, 1}, 10), dir, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(dir), std::string::npos) << s.status().message();
  const std::string path = tmp.Sub("missing_dir/x.csv");
  const Status st = GenerateFile(OneMonth({2015, 1}, 10), 0, path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
}

TEST(TaxiGenerate, LeavesNoTemporaryFiles) {
  TempDir tmp;
  GenOptions o;
  o.files = 3;
  o.rows_per_file = 10;
  ASSERT_TRUE(GenerateAll(o, tmp.Sub("d"), 2).ok());
  for (const auto& [name, bytes] : ReadDir(tmp.Sub("d"))) EXPECT_NE(name[0], '.') << name;
}

}  // namespace
}  // namespace fanout::gen
