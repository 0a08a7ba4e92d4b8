#include "gen/taxi.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "core/file_write.h"
#include "gen/taxi_parquet.h"
#include "gen/taxi_rows.h"

namespace fanout::gen {
namespace {

// ---------------------------------------------------------------------------
// Random numbers

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna), seeded through splitmix64 from (seed, stream) so
// that every file has its own independent sequence.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t sm = seed;
    uint64_t mixed = SplitMix64(sm) ^ (stream * 0xd1b54a32d192ed03ULL + 0x632be59bd9b4e019ULL);
    for (uint64_t& word : s_) word = SplitMix64(mixed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0: Lemire's multiply-shift (bias < n / 2^64, irrelevant here).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(hi - lo + 1)); }
  bool Chance(uint32_t per_million) { return Below(1000000) < per_million; }
  // Uniform in (0, 1].
  double OpenUnit() { return static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// ---------------------------------------------------------------------------
// Calendar and eras

int Ordinal(YearMonth m) { return m.year * 12 + (m.month - 1); }
YearMonth FromOrdinal(int ordinal) { return {ordinal / 12, ordinal % 12 + 1}; }

constexpr YearMonth kEraStarts[kEraCount] = {{2009, 1}, {2010, 1}, {2015, 1}, {2016, 7}, {2019, 1}};
constexpr YearMonth kMaxMonth{9999, 12};  // four-digit years only

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(YearMonth m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m.month - 1] + (m.month == 2 && IsLeap(m.year) ? 1 : 0);
}

// 0 = Monday .. 6 = Sunday, for the first day of the month (Hinnant's days_from_civil).
int WeekdayOfFirst(YearMonth m) {
  int y = m.year - (m.month <= 2 ? 1 : 0);
  const int era = y / 400;  // years here are positive
  const int yoe = y - era * 400;
  const int mp = m.month + (m.month > 2 ? -3 : 9);
  const int doy = (153 * mp + 2) / 5;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + doe - 719468;  // since 1970-01-01, a Thursday
  return static_cast<int>((days + 3) % 7);
}

constexpr std::string_view kHeaders[kEraCount] = {
    "vendor_name,Trip_Pickup_DateTime,Trip_Dropoff_DateTime,Passenger_Count,Trip_Distance,"
    "Start_Lon,Start_Lat,Rate_Code,store_and_forward,End_Lon,End_Lat,Payment_Type,Fare_Amt,"
    "surcharge,mta_tax,Tip_Amt,Tolls_Amt,Total_Amt",
    "vendor_id,pickup_datetime,dropoff_datetime,passenger_count,trip_distance,pickup_longitude,"
    "pickup_latitude,rate_code,store_and_fwd_flag,dropoff_longitude,dropoff_latitude,"
    "payment_type,fare_amount,surcharge,mta_tax,tip_amount,tolls_amount,total_amount",
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
    "pickup_longitude,pickup_latitude,RateCodeID,store_and_fwd_flag,dropoff_longitude,"
    "dropoff_latitude,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
    "improvement_surcharge,total_amount",
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
    "RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,"
    "mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount",
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
    "RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,"
    "mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,congestion_surcharge",
};

// ---------------------------------------------------------------------------
// Month picking and size split

// The number of default-range months in each era.
std::array<int, kEraCount> EraLengths() {
  std::array<int, kEraCount> lengths{};
  for (int e = 0; e < kEraCount; ++e) {
    const int end = e + 1 < kEraCount ? Ordinal(kEraStarts[e + 1]) : Ordinal(kLastDefaultMonth) + 1;
    lengths[e] = end - Ordinal(kEraStarts[e]);
  }
  return lengths;
}

// Largest-remainder shares of `files` by era length; see PickMonths in the header.
std::array<int, kEraCount> FilesPerEra(int files) {
  const std::array<int, kEraCount> lengths = EraLengths();
  const int months = Ordinal(kLastDefaultMonth) - Ordinal(kFirstMonth) + 1;
  std::array<int, kEraCount> count{};
  std::array<int, kEraCount> remainder{};
  int given = 0;
  for (int e = 0; e < kEraCount; ++e) {
    count[e] = files * lengths[e] / months;
    remainder[e] = files * lengths[e] % months;
    given += count[e];
  }
  for (; given < files; ++given) {  // ties go to the older era
    const int e = static_cast<int>(std::max_element(remainder.begin(), remainder.end()) - remainder.begin());
    ++count[e];
    remainder[e] = -1;
  }
  if (files >= kEraCount) {
    for (int e = 0; e < kEraCount; ++e) {
      if (count[e] > 0) continue;
      --*std::max_element(count.begin(), count.end());
      count[e] = 1;
    }
  }
  return count;
}

// Relative monthly volume of the real dataset by year, in tenths (see PlanFiles).
int YearWeight(int year) {
  if (year <= 2012) return 20;
  if (year <= 2014) return 18;
  if (year <= 2016) return 15;
  if (year <= 2018) return 12;
  return 10;
}

// ---------------------------------------------------------------------------
// Per-month parameters of the rows

constexpr std::string_view kVendors2009[] = {"VTS", "CMT", "VTS", "CMT", "VTS",
                                             "CMT", "VTS", "CMT", "VTS", "DDS"};  // DDS 10%
constexpr std::string_view kVendors2010[] = {"VTS", "CMT"};
constexpr std::string_view kVendorIds[] = {"1", "2"};
// Payment type names by code (1 credit, 2 cash, 3 no charge, 4 dispute); [0] unused.
constexpr std::string_view kPayments2009[] = {"", "Credit", "CASH", "No Charge", "Dispute"};
constexpr std::string_view kPayments2010[] = {"", "CRD", "CSH", "NOC", "DIS"};
constexpr std::string_view kPaymentCodes[] = {"", "1", "2", "3", "4"};

constexpr YearMonth kMtaTaxStart{2009, 11};
constexpr YearMonth kFareChange{2012, 9};  // 50c per fifth mile, $52 JFK flat
constexpr YearMonth kCongestionStart{2019, 2};
constexpr int kSparseRowsFromYear = 2020;

struct MonthContext {
  Era era;
  char date_prefix[8];  // "YYYY-MM-"
  int days;
  int first_weekday;  // 0 = Monday
  uint32_t month_seconds;
  std::string_view line_end;
  bool blank_after_header;
  bool coordinates;  // lon/lat columns (before 2016-07) instead of location IDs
  bool improvement_column;
  bool congestion_column;
  bool sparse_rows;  // ~3% rows with empty VendorID, passenger_count, ...
  int mta_tax_cents;
  int improvement_cents;
  bool congestion_charged;
  int fare_unit_cents;  // per fifth of a mile or per slow minute
  int jfk_flat_cents;
  int toll_cents;
  uint32_t credit_per_million;
  const std::string_view* vendors;
  int vendor_count;
  const std::string_view* payments;
};

int TollCents(int year) {
  if (year <= 2010) return 457;
  if (year <= 2014) return 533;
  if (year <= 2018) return 576;
  return 612;
}

uint32_t CreditPerMillion(Era era) {
  switch (era) {
    case Era::k2009: return 280000;
    case Era::k2010To2014: return 500000;
    case Era::k2019On: return 720000;
    default: return 660000;
  }
}

void SetVendorsAndPayments(MonthContext& c) {
  if (c.era == Era::k2009) {
    c.vendors = kVendors2009;
    c.vendor_count = std::size(kVendors2009);
    c.payments = kPayments2009;
  } else if (c.era == Era::k2010To2014) {
    c.vendors = kVendors2010;
    c.vendor_count = std::size(kVendors2010);
    c.payments = kPayments2010;
  } else {
    c.vendors = kVendorIds;
    c.vendor_count = std::size(kVendorIds);
    c.payments = kPaymentCodes;
  }
}

MonthContext MakeContext(YearMonth m) {
  MonthContext c{};
  c.era = EraOf(m);
  const int ord = Ordinal(m);
  c.date_prefix[0] = static_cast<char>('0' + m.year / 1000);
  c.date_prefix[1] = static_cast<char>('0' + m.year / 100 % 10);
  c.date_prefix[2] = static_cast<char>('0' + m.year / 10 % 10);
  c.date_prefix[3] = static_cast<char>('0' + m.year % 10);
  c.date_prefix[4] = '-';
  c.date_prefix[5] = static_cast<char>('0' + m.month / 10);
  c.date_prefix[6] = static_cast<char>('0' + m.month % 10);
  c.date_prefix[7] = '-';
  c.days = DaysInMonth(m);
  c.first_weekday = WeekdayOfFirst(m);
  c.month_seconds = static_cast<uint32_t>(c.days) * 86400;
  c.line_end = c.era == Era::k2016H2To2018 ? "\r\n" : "\n";
  c.blank_after_header = c.era == Era::k2010To2014 || c.era == Era::k2015To2016H1;
  c.coordinates = c.era <= Era::k2015To2016H1;
  c.improvement_column = c.era >= Era::k2015To2016H1;
  c.congestion_column = c.era == Era::k2019On;
  c.sparse_rows = m.year >= kSparseRowsFromYear;
  c.mta_tax_cents = ord >= Ordinal(kMtaTaxStart) ? 50 : 0;
  c.improvement_cents = c.improvement_column ? 30 : 0;
  c.congestion_charged = ord >= Ordinal(kCongestionStart);
  c.fare_unit_cents = ord >= Ordinal(kFareChange) ? 50 : 40;
  c.jfk_flat_cents = ord >= Ordinal(kFareChange) ? 5200 : 4500;
  c.toll_cents = TollCents(m.year);
  c.credit_per_million = CreditPerMillion(c.era);
  SetVendorsAndPayments(c);
  return c;
}

// ---------------------------------------------------------------------------
// Trips

// Passenger counts with the weights of the published full-dataset table.
struct PassengerWeight {
  int count;
  uint64_t weight;
};
constexpr PassengerWeight kPassengerWeights[] = {
    {1, 1135227331}, {2, 239684017}, {5, 103036920}, {3, 70434390}, {6, 38585794},
    {4, 34074806},   {0, 6881330},   {7, 2040},      {8, 1609},
};
constexpr uint64_t TotalPassengerWeight() {
  uint64_t total = 0;
  for (const PassengerWeight& w : kPassengerWeights) total += w.weight;
  return total;
}

// Share of trips per pickup hour, in thousandths (NYC's daily curve).
constexpr int kHourWeights[24] = {35, 26, 19, 14, 10, 9,  21, 36, 44, 45, 44, 46,
                                  49, 49, 52, 51, 46, 53, 62, 63, 58, 57, 55, 56};
constexpr int kHourWeightTotal = 1000;
constexpr std::array<uint8_t, kHourWeightTotal> MakeHourTable() {
  std::array<uint8_t, kHourWeightTotal> table{};
  int i = 0;
  for (int h = 0; h < 24; ++h) {
    for (int k = 0; k < kHourWeights[h]; ++k) table[i++] = static_cast<uint8_t>(h);
  }
  return table;
}
constexpr std::array<uint8_t, kHourWeightTotal> kHourTable = MakeHourTable();

// Rate codes 1..6 per million: standard, JFK, Newark, Nassau/Westchester, negotiated, group.
constexpr uint32_t kRateCodeCumulative[6] = {970000, 992000, 994000, 995000, 999000, 1000000};
constexpr int kRateJfk = 2;
constexpr int kRateNewark = 3;
constexpr int kRateNegotiated = 5;

// TLC zone IDs that see most pickups and dropoffs (Midtown, Upper East Side, airports...).
constexpr int kBusyZones[] = {237, 161, 236, 162, 230, 186, 142, 170, 48,  163, 234, 79,
                              239, 68,  107, 141, 263, 249, 138, 132, 164, 229, 100, 113,
                              158, 90,  43,  246, 231, 264, 140, 238, 233, 87,  262, 151};
constexpr int kMaxZone = 265;
constexpr int kJfkZone = 132;
constexpr uint32_t kBusyZonePerMillion = 750000;

constexpr uint32_t kSparseRowPerMillion = 30000;  // the 2020+ quirk, ~3% of rows
constexpr uint32_t kStoreForwardPerMillion = 10000;
constexpr uint32_t kZeroDistancePerMillion = 10000;
constexpr uint32_t kMinDistanceH = 30;        // hundredths of a mile
constexpr double kMeanExtraDistanceH = 260;  // exponential tail above the minimum
constexpr uint32_t kMaxDistanceH = 3000;
constexpr int kJfkMinDistanceH = 1500;
constexpr int kJfkMaxDistanceH = 2200;
constexpr int kMinSpeedMph = 6;
constexpr int kMaxSpeedMph = 20;

// Manhattan-centred coordinates, in micro-degrees.
constexpr int32_t kCenterLon = -73980000;
constexpr int32_t kCenterLat = 40750000;
constexpr int32_t kLonSpread = 15000;  // each of two summed uniforms
constexpr int32_t kLatSpread = 30000;
constexpr int32_t kJfkLon = -73781000;
constexpr int32_t kJfkLat = 40641000;
constexpr int64_t kMicroLatPerMile = 14493;
constexpr int64_t kMicroLonPerMile = 19085;  // at 40.75 N
constexpr int64_t kRoadPercent = 120;        // road miles per 100 grid miles

constexpr int kBaseFareCents = 250;
constexpr int kNewarkSurchargeCents = 1500;
constexpr int kNightExtraCents = 50;   // 20:00-06:00
constexpr int kPeakExtraCents = 100;   // weekdays 16:00-20:00
constexpr int kCongestionCents = 250;
constexpr uint32_t kCongestionPerMillion = 900000;
constexpr uint32_t kNoTipPerMillion = 100000;  // card payers who tip nothing
constexpr uint32_t kTollPerMillionLong = 150000;
constexpr uint32_t kTollPerMillionJfk = 400000;
constexpr uint32_t kLongTripH = 800;

struct Trip {
  bool sparse;  // the 2020+ row with empty VendorID, passenger_count, ...
  bool stored_forward;
  int vendor;
  int passengers;
  int rate_code;
  int payment;  // 1..4
  int pu_zone, do_zone;
  uint32_t pickup_s, dropoff_s;  // seconds since the month began
  uint32_t distance_h;           // hundredths of a mile
  int32_t pu_lon, pu_lat, do_lon, do_lat;  // micro-degrees
  int64_t fare, extra, mta_tax, tip, tolls, improvement, congestion;  // cents

  int64_t Total() const { return fare + extra + mta_tax + tip + tolls + improvement + congestion; }
};

int SamplePassengers(Rng& rng) {
  uint64_t r = rng.Below(TotalPassengerWeight());
  for (const PassengerWeight& w : kPassengerWeights) {
    if (r < w.weight) return w.count;
    r -= w.weight;
  }
  return 1;  // unreachable
}

int SampleRateCode(Rng& rng) {
  const uint64_t r = rng.Below(1000000);
  int code = 1;
  while (r >= kRateCodeCumulative[code - 1]) ++code;
  return code;
}

uint32_t SampleDistance(Rng& rng) {
  if (rng.Chance(kZeroDistancePerMillion)) return 0;
  const double tail = -std::log(rng.OpenUnit()) * kMeanExtraDistanceH;
  return std::min(kMaxDistanceH, kMinDistanceH + static_cast<uint32_t>(tail));
}

uint32_t TripSeconds(Rng& rng, uint32_t distance_h) {
  const int64_t mph = rng.Between(kMinSpeedMph, kMaxSpeedMph);
  // hundredths of a mile at mph: distance_h / 100 / mph hours = distance_h * 36 / mph s.
  return static_cast<uint32_t>(distance_h * 36 / mph + rng.Between(60, 300));
}

// A pickup second weighted by hour of day, leaving room for the trip in the month.
uint32_t SamplePickup(Rng& rng, const MonthContext& c, uint32_t duration) {
  const uint32_t day = static_cast<uint32_t>(rng.Below(c.days));
  const uint32_t hour = kHourTable[rng.Below(kHourWeightTotal)];
  const uint32_t s = day * 86400 + hour * 3600 + static_cast<uint32_t>(rng.Below(3600));
  return s + duration < c.month_seconds ? s : c.month_seconds - 1 - duration;
}

int SampleZone(Rng& rng) {
  if (rng.Chance(kBusyZonePerMillion)) return kBusyZones[rng.Below(std::size(kBusyZones))];
  return static_cast<int>(rng.Between(1, kMaxZone));
}

int32_t Jitter(Rng& rng, int32_t spread) {
  return static_cast<int32_t>(rng.Between(-spread, spread) + rng.Between(-spread, spread));
}

// Pickup around Midtown (or at JFK); dropoff a grid walk of the trip's length away.
void SamplePlaces(Rng& rng, bool airport, Trip& t) {
  t.pu_zone = airport ? kJfkZone : SampleZone(rng);
  t.do_zone = SampleZone(rng);
  t.pu_lon = (airport ? kJfkLon : kCenterLon) + Jitter(rng, kLonSpread);
  t.pu_lat = (airport ? kJfkLat : kCenterLat) + Jitter(rng, kLatSpread);
  const int64_t lat_percent = rng.Between(0, 100);
  const int64_t grid = int64_t{t.distance_h} * 100 / kRoadPercent;  // hundredths of a mile
  const int64_t dlat = grid * lat_percent * kMicroLatPerMile / 10000;
  const int64_t dlon = grid * (100 - lat_percent) * kMicroLonPerMile / 10000;
  t.do_lat = static_cast<int32_t>(t.pu_lat + (rng.Below(2) ? dlat : -dlat));
  t.do_lon = static_cast<int32_t>(t.pu_lon + (rng.Below(2) ? dlon : -dlon));
}

int64_t MeteredFare(Rng& rng, const MonthContext& c, const Trip& t, uint32_t duration) {
  const int64_t fifths = (int64_t{t.distance_h} * 5 + 99) / 100;
  const int64_t slow_minutes = int64_t{duration} * rng.Between(0, 40) / 100 / 60;
  return kBaseFareCents + (fifths + slow_minutes) * c.fare_unit_cents;
}

int64_t ExtraCents(const MonthContext& c, uint32_t pickup_s) {
  const uint32_t day = pickup_s / 86400;
  const uint32_t hour = pickup_s % 86400 / 3600;
  const bool weekday = (c.first_weekday + day) % 7 < 5;
  if (hour >= 20 || hour < 6) return kNightExtraCents;
  if (weekday && hour >= 16) return kPeakExtraCents;
  return 0;
}

int SamplePayment(Rng& rng, const MonthContext& c) {
  if (rng.Chance(c.credit_per_million)) return 1;
  const uint64_t r = rng.Below(100);
  return r < 97 ? 2 : r < 99 ? 3 : 4;
}

void SampleAmounts(Rng& rng, const MonthContext& c, uint32_t duration, Trip& t) {
  if (t.rate_code == kRateJfk) {
    t.fare = c.jfk_flat_cents;
  } else if (t.rate_code == kRateNegotiated) {
    t.fare = rng.Between(20, 80) * 100;
  } else {
    t.fare = MeteredFare(rng, c, t, duration) + (t.rate_code == kRateNewark ? kNewarkSurchargeCents : 0);
  }
  t.extra = ExtraCents(c, t.pickup_s);
  t.mta_tax = c.mta_tax_cents;
  t.improvement = c.improvement_cents;
  t.payment = SamplePayment(rng, c);
  t.tip = 0;
  if (t.payment == 1 && !t.sparse && !rng.Chance(kNoTipPerMillion)) {
    t.tip = t.fare * rng.Between(10, 30) / 100;
  }
  const uint32_t toll_chance = t.rate_code == kRateJfk      ? kTollPerMillionJfk
                               : t.distance_h >= kLongTripH ? kTollPerMillionLong
                                                            : 0;
  t.tolls = rng.Chance(toll_chance) ? c.toll_cents : 0;
  const bool congested = c.congestion_charged && !t.sparse && rng.Chance(kCongestionPerMillion);
  t.congestion = congested ? kCongestionCents : 0;
}

void SampleTrip(Rng& rng, const MonthContext& c, Trip& t) {
  t.sparse = c.sparse_rows && rng.Chance(kSparseRowPerMillion);
  t.vendor = static_cast<int>(rng.Below(c.vendor_count));
  t.passengers = SamplePassengers(rng);
  t.rate_code = SampleRateCode(rng);
  t.stored_forward = rng.Chance(kStoreForwardPerMillion);
  const bool airport = t.rate_code == kRateJfk;
  t.distance_h = airport ? static_cast<uint32_t>(rng.Between(kJfkMinDistanceH, kJfkMaxDistanceH))
                         : SampleDistance(rng);
  const uint32_t duration = TripSeconds(rng, t.distance_h);
  t.pickup_s = SamplePickup(rng, c, duration);
  t.dropoff_s = t.pickup_s + duration;
  SamplePlaces(rng, airport, t);
  SampleAmounts(rng, c, duration, t);
}

// ---------------------------------------------------------------------------
// Formatting: every Put* writes at p and returns the end; callers guarantee room.

constexpr std::array<char, 200> MakeDigitPairs() {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[2 * i] = static_cast<char>('0' + i / 10);
    pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}
constexpr std::array<char, 200> kDigitPairs = MakeDigitPairs();

char* PutTwo(char* p, uint64_t v) {  // v < 100, zero-padded
  std::memcpy(p, &kDigitPairs[2 * v], 2);
  return p + 2;
}

char* PutUint(char* p, uint64_t v) {
  char tmp[20];
  char* const end = tmp + sizeof tmp;
  char* b = end;
  while (v >= 100) {
    b -= 2;
    std::memcpy(b, &kDigitPairs[2 * (v % 100)], 2);
    v /= 100;
  }
  if (v >= 10) {
    b -= 2;
    std::memcpy(b, &kDigitPairs[2 * v], 2);
  } else {
    *--b = static_cast<char>('0' + v);
  }
  std::memcpy(p, b, end - b);
  return p + (end - b);
}

char* PutText(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// "12.34": also used for hundredths of a mile.
char* PutCents(char* p, int64_t cents) {
  if (cents < 0) {
    *p++ = '-';
    cents = -cents;
  }
  p = PutUint(p, static_cast<uint64_t>(cents) / 100);
  *p++ = '.';
  return PutTwo(p, static_cast<uint64_t>(cents) % 100);
}

// Micro-degrees as "-73.982154".
char* PutMicro(char* p, int64_t micro) {
  if (micro < 0) {
    *p++ = '-';
    micro = -micro;
  }
  const uint64_t frac = static_cast<uint64_t>(micro) % 1000000;
  p = PutUint(p, static_cast<uint64_t>(micro) / 1000000);
  *p++ = '.';
  p = PutTwo(p, frac / 10000);
  p = PutTwo(p, frac / 100 % 100);
  return PutTwo(p, frac % 100);
}

// "YYYY-MM-DD HH:MM:SS" for a second of the context's month.
char* PutDateTime(char* p, const MonthContext& c, uint32_t s) {
  std::memcpy(p, c.date_prefix, sizeof c.date_prefix);
  p += sizeof c.date_prefix;
  p = PutTwo(p, s / 86400 + 1);
  *p++ = ' ';
  const uint32_t r = s % 86400;
  p = PutTwo(p, r / 3600);
  *p++ = ':';
  p = PutTwo(p, r / 60 % 60);
  *p++ = ':';
  return PutTwo(p, r % 60);
}

char* PutRow(char* p, const MonthContext& c, const Trip& t) {
  if (!t.sparse) p = PutText(p, c.vendors[t.vendor]);
  *p++ = ',';
  p = PutDateTime(p, c, t.pickup_s);
  *p++ = ',';
  p = PutDateTime(p, c, t.dropoff_s);
  *p++ = ',';
  if (!t.sparse) *p++ = static_cast<char>('0' + t.passengers);
  *p++ = ',';
  p = PutCents(p, t.distance_h);
  *p++ = ',';
  if (c.coordinates) {
    p = PutMicro(p, t.pu_lon);
    *p++ = ',';
    p = PutMicro(p, t.pu_lat);
    *p++ = ',';
  }
  if (!t.sparse) *p++ = static_cast<char>('0' + t.rate_code);
  *p++ = ',';
  if (!t.sparse) *p++ = t.stored_forward ? 'Y' : 'N';
  *p++ = ',';
  if (c.coordinates) {
    p = PutMicro(p, t.do_lon);
    *p++ = ',';
    p = PutMicro(p, t.do_lat);
  } else {
    p = PutUint(p, t.pu_zone);
    *p++ = ',';
    p = PutUint(p, t.do_zone);
  }
  *p++ = ',';
  if (!t.sparse) p = PutText(p, c.payments[t.payment]);
  for (int64_t amount : {t.fare, t.extra, t.mta_tax, t.tip, t.tolls}) {
    *p++ = ',';
    p = PutCents(p, amount);
  }
  if (c.improvement_column) {
    *p++ = ',';
    p = PutCents(p, t.improvement);
  }
  *p++ = ',';
  p = PutCents(p, t.Total());
  if (c.congestion_column) {
    *p++ = ',';
    if (!t.sparse) p = PutCents(p, t.congestion);
  }
  return PutText(p, c.line_end);
}

// ---------------------------------------------------------------------------
// Output: a file descriptor and the sinks that feed it.

constexpr size_t kBufferBytes = 4 << 20;
constexpr size_t kCompressedChunkBytes = 1 << 20;
constexpr int kGzipLevel = 6;  // gzip's default
constexpr int kZstdLevel = 3;  // zstd's default

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Writes to `temp`; error messages name `shown`, the path the user asked for.
class FileOut {
 public:
  FileOut(std::string temp, std::string shown) : temp_(std::move(temp)), shown_(std::move(shown)) {}
  ~FileOut() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileOut(const FileOut&) = delete;
  FileOut& operator=(const FileOut&) = delete;

  Status Open() {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IoError("cannot create " + shown_ + ": " + ErrnoText(errno));
    return Status::OK();
  }

  Status Write(const char* data, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Status::IoError("cannot write " + shown_ + ": " + ErrnoText(errno));
      data += w;
      n -= static_cast<size_t>(w);
      bytes_ += static_cast<uint64_t>(w);
    }
    return Status::OK();
  }

  // Ends the temporary file (core/file_write.h): when `st` is OK, synced and
  // renamed to `path`; else (or when that fails) removed. Returns `st` or the
  // first error on the way.
  Status Finish(const std::string& path, Status st) {
    if (fd_ < 0) {  // never opened
      ::unlink(temp_.c_str());
      return st;
    }
    const int fd = fd_;
    fd_ = -1;
    return FinishTempFile(fd, temp_, path, std::move(st));
  }

  uint64_t bytes() const { return bytes_; }

 private:
  std::string temp_;
  std::string shown_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
};

// Takes the uncompressed bytes of one file.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Write(const char* data, size_t n) = 0;
  virtual Status Finish() = 0;  // flushes what the sink holds; the file is closed later
};

class PlainSink : public Sink {
 public:
  explicit PlainSink(FileOut& out) : out_(out) {}
  Status Write(const char* data, size_t n) override { return out_.Write(data, n); }
  Status Finish() override { return Status::OK(); }

 private:
  FileOut& out_;
};

class GzipSink : public Sink {
 public:
  GzipSink(FileOut& out, std::string shown) : out_(out), shown_(std::move(shown)), buf_(kCompressedChunkBytes) {}
  ~GzipSink() override {
    if (ready_) deflateEnd(&z_);
  }

  Status Init() {
    constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper
    constexpr int kMemLevel = 8;
    if (deflateInit2(&z_, kGzipLevel, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::Internal("cannot start gzip for " + shown_);
    }
    ready_ = true;
    return Status::OK();
  }
  Status Write(const char* data, size_t n) override { return Deflate(data, n, Z_NO_FLUSH); }
  Status Finish() override { return Deflate(nullptr, 0, Z_FINISH); }

 private:
  Status Deflate(const char* data, size_t n, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(n);  // n <= kBufferBytes
    int rc = Z_OK;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf_.data());
      z_.avail_out = static_cast<uInt>(buf_.size());
      rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return Status::Internal("gzip failed for " + shown_);
      RETURN_IF_ERROR(out_.Write(buf_.data(), buf_.size() - z_.avail_out));
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return Status::OK();
  }

  FileOut& out_;
  std::string shown_;
  std::vector<char> buf_;
  z_stream z_{};
  bool ready_ = false;
};

class ZstdSink : public Sink {
 public:
  ZstdSink(FileOut& out, std::string shown)
      : out_(out), shown_(std::move(shown)), buf_(ZSTD_CStreamOutSize()), cctx_(ZSTD_createCCtx()) {}
  ~ZstdSink() override { ZSTD_freeCCtx(cctx_); }

  Status Init() {
    if (cctx_ == nullptr || ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, kZstdLevel))) {
      return Status::Internal("cannot start zstd for " + shown_);
    }
    return Status::OK();
  }
  Status Write(const char* data, size_t n) override { return Compress(data, n, ZSTD_e_continue); }
  Status Finish() override { return Compress(nullptr, 0, ZSTD_e_end); }

 private:
  Status Compress(const char* data, size_t n, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data, n, 0};
    while (true) {
      ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
      const size_t left = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(left)) {
        return Status::Internal("zstd failed for " + shown_ + ": " + ZSTD_getErrorName(left));
      }
      RETURN_IF_ERROR(out_.Write(buf_.data(), out.pos));
      const bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) return Status::OK();
    }
  }

  FileOut& out_;
  std::string shown_;
  std::vector<char> buf_;
  ZSTD_CCtx* cctx_;
};

Result<std::unique_ptr<Sink>> MakeSink(Compression c, FileOut& out, const std::string& shown) {
  if (c == Compression::kGzip) {
    auto sink = std::make_unique<GzipSink>(out, shown);
    RETURN_IF_ERROR(sink->Init());
    return std::unique_ptr<Sink>(std::move(sink));
  }
  if (c == Compression::kZstd) {
    auto sink = std::make_unique<ZstdSink>(out, shown);
    RETURN_IF_ERROR(sink->Init());
    return std::unique_ptr<Sink>(std::move(sink));
  }
  return std::unique_ptr<Sink>(std::make_unique<PlainSink>(out));
}

// ---------------------------------------------------------------------------
// Files

char* PutHeader(char* p, const MonthContext& c) {
  p = PutText(p, HeaderOf(c.era));
  p = PutText(p, c.line_end);
  if (c.blank_after_header) p = PutText(p, c.line_end);
  return p;
}

// Streams the header and the plan's rows into `sink`.
Status WriteRows(const FilePlan& plan, uint64_t seed, int file_index, Sink& sink, FileStats& stats) {
  RowStream rows(plan, seed, file_index);
  std::unique_ptr<char[]> buffer(new char[kBufferBytes]);
  char* const begin = buffer.get();
  char* const flush_at = begin + kBufferBytes - kMaxRowBytes;
  char* p = rows.PutHeader(begin);
  while (char* end = rows.PutNextRow(p)) {
    p = end;
    if (p >= flush_at) {
      RETURN_IF_ERROR(sink.Write(begin, p - begin));
      p = begin;
    }
  }
  RETURN_IF_ERROR(sink.Write(begin, p - begin));
  stats.rows = rows.rows();
  stats.csv_bytes = rows.csv_bytes();
  return sink.Finish();
}

// Hands the Parquet writer's bytes to the temporary file.
class FileOutput : public parquet::Output {
 public:
  explicit FileOutput(FileOut& out) : out_(out) {}
  Status Append(std::string_view bytes) override { return out_.Write(bytes.data(), bytes.size()); }

 private:
  FileOut& out_;
};

std::string TempPathFor(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".partial")).string();
}

Status WritePlannedFile(const FilePlan& plan, const GenOptions& options, int file_index,
                        const std::string& path, FileStats* stats) {
  const std::string temp = TempPathFor(path);
  FileStats local;
  FileOut out(temp, path);
  Status st = [&]() -> Status {
    RETURN_IF_ERROR(out.Open());
    if (options.format == Format::kParquet) {
      FileOutput output(out);
      RETURN_IF_ERROR(WriteParquetRows(plan, options, file_index, path, output, local));
    } else {
      ASSIGN_OR_RETURN(std::unique_ptr<Sink> sink, MakeSink(options.compression, out, path));
      RETURN_IF_ERROR(WriteRows(plan, options.seed, file_index, *sink, local));
    }
    local.disk_bytes = out.bytes();
    return Status::OK();
  }();
  RETURN_IF_ERROR(out.Finish(path, std::move(st)));
  if (stats != nullptr) *stats = local;
  return Status::OK();
}

Status MakeDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create directory " + dir + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::IoError("cannot create directory " + dir + ": not a directory");
  }
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------------------
// Rows (gen/taxi_rows.h)

struct RowStream::State {
  MonthContext context;
  Rng rng;
  Trip trip;
};

RowStream::RowStream(const FilePlan& plan, uint64_t seed, int file_index)
    : plan_(plan),
      // (braces: clang 14 has no parenthesized aggregate initialization)
      state_(new State{MakeContext(plan.month), Rng(seed, static_cast<uint64_t>(file_index)), Trip{}}) {}

RowStream::~RowStream() = default;

char* RowStream::PutHeader(char* p) {
  char* const end = gen::PutHeader(p, state_->context);
  bytes_ += static_cast<uint64_t>(end - p);
  return end;
}

char* RowStream::PutNextRow(char* p) {
  const bool done = plan_.by_bytes ? bytes_ >= plan_.min_bytes : rows_ >= plan_.rows;
  if (done) return nullptr;
  SampleTrip(state_->rng, state_->context, state_->trip);
  char* const end = PutRow(p, state_->context, state_->trip);
  ++rows_;
  bytes_ += static_cast<uint64_t>(end - p);
  return end;
}

// ---------------------------------------------------------------------------
// Public functions

Era EraOf(YearMonth m) {
  int e = kEraCount - 1;
  while (e > 0 && Ordinal(m) < Ordinal(kEraStarts[e])) --e;
  return static_cast<Era>(e);
}

std::string_view HeaderOf(Era era) { return kHeaders[static_cast<int>(era)]; }

int FieldCountOf(Era era) {
  const std::string_view h = HeaderOf(era);
  return static_cast<int>(std::count(h.begin(), h.end(), ',')) + 1;
}

Result<YearMonth> ParseYearMonth(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid month '" + std::string(text) + "': " + why);
  };
  auto digits = [&](size_t from, size_t n) {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() != 7 || text[4] != '-') return bad("expected YYYY-MM, e.g. 2015-07");
  const YearMonth m{digits(0, 4), digits(5, 2)};
  if (m.year < 0 || m.month < 1 || m.month > 12) return bad("expected YYYY-MM, e.g. 2015-07");
  if (Ordinal(m) < Ordinal(kFirstMonth)) return bad("the taxi data starts in 2009-01");
  return m;
}

Result<Compression> ParseCompression(std::string_view text) {
  if (text == "none") return Compression::kNone;
  if (text == "gz") return Compression::kGzip;
  if (text == "zst") return Compression::kZstd;
  return Status::InvalidArgument("unknown compression '" + std::string(text) + "' (expected none, gz or zst)");
}

Result<Format> ParseFormat(std::string_view text) {
  if (text == "csv") return Format::kCsv;
  if (text == "parquet") return Format::kParquet;
  return Status::InvalidArgument("unknown format '" + std::string(text) + "' (expected csv or parquet)");
}

namespace {
struct CodecName {
  parquet::Codec codec;
  std::string_view name;
};
constexpr CodecName kCodecNames[] = {
    {parquet::Codec::kUncompressed, "none"}, {parquet::Codec::kSnappy, "snappy"}, {parquet::Codec::kGzip, "gzip"},
    {parquet::Codec::kZstd, "zstd"},         {parquet::Codec::kLz4Raw, "lz4"},    {parquet::Codec::kBrotli, "brotli"},
};
}  // namespace

Result<parquet::Codec> ParseParquetCodec(std::string_view text) {
  for (const CodecName& c : kCodecNames) {
    if (c.name == text) return c.codec;
  }
  return Status::InvalidArgument("unknown Parquet compression '" + std::string(text) +
                                 "' (expected none, snappy, gzip, zstd, lz4 or brotli)");
}

std::string_view ParquetCodecName(parquet::Codec codec) {
  for (const CodecName& c : kCodecNames) {
    if (c.codec == codec) return c.name;
  }
  return "?";
}

Result<std::vector<YearMonth>> PickMonths(int files, std::optional<YearMonth> start) {
  if (files < 1) return Status::InvalidArgument("--files must be at least 1");
  std::vector<YearMonth> months;
  if (start) {
    if (Ordinal(*start) + (files - 1) > Ordinal(kMaxMonth)) {
      return Status::InvalidArgument("--files " + std::to_string(files) + " months from --start run past 9999-12");
    }
    for (int i = 0; i < files; ++i) months.push_back(FromOrdinal(Ordinal(*start) + i));
    return months;
  }
  const int range = Ordinal(kLastDefaultMonth) - Ordinal(kFirstMonth) + 1;
  if (files > range) {
    return Status::InvalidArgument("--files " + std::to_string(files) + ": the default months 2009-01..2021-12 hold at most " +
                                   std::to_string(range) + " files; give --start to use consecutive months");
  }
  const std::array<int, kEraCount> per_era = FilesPerEra(files);
  const std::array<int, kEraCount> lengths = EraLengths();
  for (int e = 0; e < kEraCount; ++e) {
    for (int j = 0; j < per_era[e]; ++j) {
      const int offset = (2 * j + 1) * lengths[e] / (2 * per_era[e]);
      months.push_back(FromOrdinal(Ordinal(kEraStarts[e]) + offset));
    }
  }
  return months;
}

std::string FileName(YearMonth m, Compression c, Format f) {
  char name[] = "yellow_tripdata_0000-00";
  MonthContext ctx = MakeContext(m);
  std::memcpy(name + 16, ctx.date_prefix, 7);
  std::string out = name;
  if (f == Format::kParquet) return out + ".parquet";
  out += ".csv";
  if (c == Compression::kGzip) out += ".gz";
  if (c == Compression::kZstd) out += ".zst";
  return out;
}

Result<std::vector<FilePlan>> PlanFiles(const GenOptions& options) {
  ASSIGN_OR_RETURN(std::vector<YearMonth> months, PickMonths(options.files, options.start));
  std::vector<FilePlan> plans(months.size());
  uint64_t total_weight = 0;
  for (const YearMonth& m : months) total_weight += YearWeight(m.year);
  uint64_t weight_before = 0;
  for (size_t i = 0; i < months.size(); ++i) {
    FilePlan& plan = plans[i];
    plan.month = months[i];
    plan.name = FileName(months[i], options.compression, options.format);
    plan.rows = options.rows_per_file;
    if (!options.total_bytes) continue;
    // Share i is the difference of two cumulative cuts, so the shares add up exactly.
    const unsigned __int128 total = *options.total_bytes;
    const uint64_t cut_before = static_cast<uint64_t>(total * weight_before / total_weight);
    weight_before += YearWeight(months[i].year);
    const uint64_t cut_after = static_cast<uint64_t>(total * weight_before / total_weight);
    plan.by_bytes = true;
    plan.min_bytes = cut_after - cut_before;
  }
  return plans;
}

Status GenerateFile(const GenOptions& options, int file_index, const std::string& path, FileStats* stats) {
  ASSIGN_OR_RETURN(std::vector<FilePlan> plans, PlanFiles(options));
  if (file_index < 0 || file_index >= static_cast<int>(plans.size())) {
    return Status::InvalidArgument("file index " + std::to_string(file_index) + " out of range");
  }
  return WritePlannedFile(plans[file_index], options, file_index, path, stats);
}

Result<GenSummary> GenerateAll(const GenOptions& options, const std::string& dir, int threads) {
  ASSIGN_OR_RETURN(std::vector<FilePlan> plans, PlanFiles(options));
  RETURN_IF_ERROR(MakeDirectory(dir));
  const int n = static_cast<int>(plans.size());
  std::vector<Status> statuses(n);
  std::vector<FileStats> stats(n);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (int i = next++; i < n && !failed; i = next++) {
      const std::string path = (std::filesystem::path(dir) / plans[i].name).string();
      statuses[i] = WritePlannedFile(plans[i], options, i, path, &stats[i]);
      if (!statuses[i].ok()) failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::clamp(threads, 1, n); ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  GenSummary summary;
  for (int i = 0; i < n; ++i) {
    RETURN_IF_ERROR(statuses[i]);
    ++summary.files;
    summary.totals.rows += stats[i].rows;
    summary.totals.csv_bytes += stats[i].csv_bytes;
    summary.totals.disk_bytes += stats[i].disk_bytes;
  }
  return summary;
}

}  // namespace fanout::gen
