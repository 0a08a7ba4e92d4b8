#include "ops/partial.h"

#include <cmath>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/number.h"

namespace fanout::ops {

namespace {

constexpr char kMagic[4] = {'F', 'O', 'P', 'T'};
constexpr uint32_t kFormatVersion = 3;  // 3: row groups met and skipped
// The fewest bytes a cell takes (exact, min, max, n, the wide flag).
constexpr size_t kMinCellBytes = 3 * sizeof(__int128) + sizeof(uint64_t) + 1;
// A plain value is below 10^36 units (core/number.h).
constexpr __int128 kPlainLimit = static_cast<__int128>(1000000000000000000ll) * 1000000000000000000ll;
// The highest power of ten of a number's first digit.
constexpr int32_t kMaxDecimalTop = 308;

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  template <typename T>
  void Put(const T& v) {
    out_->append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void PutBytes(std::string_view s) {
    Put<uint64_t>(s.size());
    out_->append(s);
  }
  void PutDecimal(const Decimal& d) {
    Put<uint8_t>(d.negative);
    Put<int32_t>(d.exponent);
    PutBytes(d.digits);
  }
  std::string* out() { return out_; }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T* v) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  bool GetBytes(std::string_view* s) {
    uint64_t n;
    if (!Get(&n) || n > in_.size()) return false;
    *s = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool GetBool(bool* b) {
    uint8_t v;
    if (!Get(&v) || v > 1) return false;
    *b = v != 0;
    return true;
  }
  // A decimal as Decimal requires it: digits without leading or trailing zeros,
  // within the range of the numbers fanout reads.
  bool GetDecimal(Decimal* d) {
    std::string_view digits;
    if (!GetBool(&d->negative) || !Get(&d->exponent) || !GetBytes(&digits)) return false;
    d->digits.assign(digits);
    if (digits.empty()) return !d->negative && d->exponent == 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
    }
    if (digits.front() == '0' || digits.back() == '0' || d->exponent < kMinDigitExponent ||
        digits.size() > static_cast<size_t>(kMaxDecimalTop - kMinDigitExponent + 1) || d->top() > kMaxDecimalTop) {
      return false;
    }
    Decimal number;  // at the top of the range: only if it reads back as a number (finite as a double)
    return d->top() < kMaxDecimalTop || ParseDecimal(FormatDecimal(*d), &number);
  }
  std::string_view* rest() { return &in_; }
  size_t size() const { return in_.size(); }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

void PutCell(Writer* w, const AggCell& c) {
  w->Put(c.exact);
  w->Put(c.min);
  w->Put(c.max);
  w->Put(c.n);
  w->Put<uint8_t>(c.wide != nullptr);
  if (!c.wide) return;
  c.wide->sum.Encode(w->out());
  w->Put<uint8_t>(c.wide->has_extremes);
  if (!c.wide->has_extremes) return;
  w->PutDecimal(c.wide->min);
  w->PutDecimal(c.wide->max);
}

bool PlainExtremesValid(__int128 min, __int128 max) {
  if (min == AggCell::kNoMin || max == AggCell::kNoMax) return min == AggCell::kNoMin && max == AggCell::kNoMax;
  return -kPlainLimit < min && min <= max && max < kPlainLimit;
}

bool GetCell(Reader* r, AggCell* c) {
  bool has_wide;
  if (!r->Get(&c->exact) || !r->Get(&c->min) || !r->Get(&c->max) || !r->Get(&c->n) || !r->GetBool(&has_wide)) {
    return false;
  }
  if (!PlainExtremesValid(c->min, c->max)) return false;
  if (!has_wide) return true;
  c->wide = std::make_unique<WideCell>();
  WideCell& w = *c->wide;
  if (!ExactSum::Decode(r->rest(), &w.sum) || !r->GetBool(&w.has_extremes)) return false;
  if (!w.has_extremes) return true;
  return r->GetDecimal(&w.min) && r->GetDecimal(&w.max) && CompareDecimal(w.min, w.max) <= 0;
}

}  // namespace

AggCell& AggCell::operator=(const AggCell& o) {
  if (this == &o) return *this;
  exact = o.exact;
  min = o.min;
  max = o.max;
  n = o.n;
  wide = o.wide ? std::make_unique<WideCell>(*o.wide) : nullptr;
  return *this;
}

WideCell& AggCell::Wide() {
  if (!wide) wide = std::make_unique<WideCell>();
  return *wide;
}

void AggCell::SpillExact() {
  Wide().sum.AddScaled(exact);
  exact = 0;
}

namespace {

void MergeExtremes(WideCell* w, const Decimal& min, const Decimal& max) {
  if (!w->has_extremes) {
    w->min = min;
    w->max = max;
    w->has_extremes = true;
    return;
  }
  if (CompareDecimal(min, w->min) < 0) w->min = min;
  if (CompareDecimal(max, w->max) > 0) w->max = max;
}

// The value at 1e-9 units `plain` (if there is one) or `wide` (if there is one),
// whichever is lower (or, with `lowest` false, higher).
Decimal Extreme(__int128 plain, bool has_plain, const WideCell* w, const Decimal* wide, bool lowest) {
  if (w == nullptr || !w->has_extremes) return DecimalFromScaled(plain);
  if (!has_plain) return *wide;
  Decimal p = DecimalFromScaled(plain);
  int c = CompareDecimal(p, *wide);
  return (lowest ? c <= 0 : c >= 0) ? p : *wide;
}

}  // namespace

void AggCell::AddWide(const Decimal& d) {
  WideCell& w = Wide();
  w.sum.Add(d);
  MergeExtremes(&w, d, d);
  ++n;
}

void AggCell::Merge(const AggCell& o) {
  __int128 sum;
  if (__builtin_add_overflow(exact, o.exact, &sum)) {
    SpillExact();
    sum = o.exact;
  }
  exact = sum;
  n += o.n;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
  if (o.wide) {
    WideCell& w = Wide();
    w.sum.Merge(o.wide->sum);
    if (o.wide->has_extremes) MergeExtremes(&w, o.wide->min, o.wide->max);
  }
}

Decimal AggCell::Sum() const {
  if (!wide) return DecimalFromScaled(exact);
  ExactSum s = wide->sum;
  s.AddScaled(exact);
  return s.Value();
}

double AggCell::Mean() const {
  // Both operands exact as doubles: one IEEE division rounds the quotient once.
  constexpr __int128 kExactDouble = static_cast<__int128>(1) << 53;
  constexpr uint64_t kExactCount = (uint64_t{1} << 53) / kDecimalScale;
  if (!wide && exact > -kExactDouble && exact < kExactDouble && n <= kExactCount) {
    return static_cast<double>(exact) / (static_cast<double>(n) * static_cast<double>(kDecimalScale));
  }
  return DivideToDouble(Sum(), n);
}

Decimal AggCell::Min() const {
  const WideCell* w = wide.get();
  return Extreme(min, min != kNoMin, w, w ? &w->min : nullptr, true);
}

Decimal AggCell::Max() const {
  const WideCell* w = wide.get();
  return Extreme(max, max != kNoMax, w, w ? &w->max : nullptr, false);
}

Partial FoldDistinct(const Partial& grouped, size_t keys, const std::vector<AggSpec>& extras) {
  const size_t aggs = grouped.num_aggs();
  Partial out(aggs + extras.size());
  out.stats() = grouped.stats();
  const bool percentiles = std::any_of(extras.begin(), extras.end(),
                                       [](const AggSpec& e) { return e.kind == AggKind::kPercentile; });
  struct Value {
    __int128 scaled;
    bool plain;
    Decimal wide;
    uint64_t rows;
  };
  std::vector<std::vector<Value>> values;  // per result group, its numeric v's, when percentiles are asked
  for (uint32_t g = 0; g < grouped.num_groups(); ++g) {
    std::string_view key = grouped.key(g), rest = key, v;
    size_t last = 0;
    for (size_t i = 0; i < keys; ++i) {
      last = key.size() - rest.size();
      if (!NextKeyField(&rest, &v)) v = {};
    }
    uint32_t h = out.Group(key.substr(0, last));
    out.count(h) += grouped.count(g);
    for (size_t a = 0; a < aggs; ++a) out.cell(h, a).Merge(grouped.cell(g, a));
    for (size_t e = 0; e < extras.size(); ++e) {
      if (extras[e].kind != AggKind::kCountDistinct) continue;
      AggCell& distinct = out.cell(h, aggs + e);
      distinct.n += grouped.count(g);
      if (!v.empty()) distinct.exact += kDecimalScale;
    }
    if (percentiles) {
      if (values.size() <= h) values.resize(h + 1);
      Value x;
      x.rows = grouped.count(g);
      if (ParseNumber(v, &x.scaled, &x.plain, &x.wide)) values[h].push_back(std::move(x));
    }
  }
  if (!percentiles) return out;
  auto less = [](const Value& a, const Value& b) {
    if (a.plain && b.plain) return a.scaled < b.scaled;
    return CompareDecimal(a.plain ? DecimalFromScaled(a.scaled) : a.wide,
                          b.plain ? DecimalFromScaled(b.scaled) : b.wide) < 0;
  };
  for (uint32_t h = 0; h < values.size(); ++h) {
    std::vector<Value>& vs = values[h];
    std::sort(vs.begin(), vs.end(), less);
    unsigned __int128 n = 0;
    for (const Value& x : vs) n += x.rows;
    if (n == 0) continue;
    for (size_t e = 0; e < extras.size(); ++e) {
      if (extras[e].kind != AggKind::kPercentile) continue;
      // The rank (1-based) of the value: ceil(n * percent / 100), at least 1.
      const unsigned __int128 p = static_cast<unsigned __int128>(std::clamp(extras[e].percent, 1, 100));
      const unsigned __int128 rank = (n * p + 99) / 100;
      unsigned __int128 seen = 0;
      for (const Value& x : vs) {
        seen += x.rows;
        if (seen < rank) continue;
        AggCell& cell = out.cell(h, aggs + e);
        x.plain ? cell.AddPlain(x.scaled) : cell.AddWide(x.wide);
        break;
      }
    }
  }
  return out;
}

double StddevOf(const AggCell& values, const AggCell& squares) {
  const uint64_t n = values.n;
  if (n < 2 || squares.n != n) return std::numeric_limits<double>::quiet_NaN();
  const Decimal count = DecimalFromScaled(static_cast<__int128>(n) * kDecimalScale);
  const Decimal sum = values.Sum();
  Decimal sum_squared = MultiplyDecimal(sum, sum);
  sum_squared.negative = !sum_squared.zero();
  ExactSum numerator;
  numerator.Add(MultiplyDecimal(count, squares.Sum()));
  numerator.Add(sum_squared);
  const Decimal num = numerator.Value();
  if (num.zero() || num.negative) return 0.0;  // (never negative, exactly: Cauchy-Schwarz)
  return std::sqrt(DivideToDouble(num, n) / static_cast<double>(n - 1));
}

void EncodeRowStats(const RowStats& s, Encoder* e) {
  e->U64(s.rows).U32(static_cast<uint32_t>(s.skipped.size()));
  for (const auto& [reason, n] : s.skipped) e->Str(reason).U64(n);
}

Result<RowStats> DecodeRowStats(Decoder* d) {
  RowStats s;
  ASSIGN_OR_RETURN(s.rows, d->U64());
  ASSIGN_OR_RETURN(uint32_t n, d->U32());
  uint64_t skipped = 0;
  for (uint32_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(std::string reason, d->Str());
    ASSIGN_OR_RETURN(uint64_t count, d->U64());
    if (!s.skipped.emplace(std::move(reason), count).second) return Status::Corrupt("duplicate skip reason");
    if (__builtin_add_overflow(skipped, count, &skipped)) return Status::Corrupt("skip counts overflow");
  }
  if (skipped > s.rows) return Status::Corrupt("more rows skipped than read");
  return s;
}

uint64_t RowStats::skipped_total() const {
  uint64_t t = 0;
  for (const auto& [reason, n] : skipped) t += n;
  return t;
}

void RowStats::Merge(const RowStats& o) {
  rows += o.rows;
  for (const auto& [reason, n] : o.skipped) skipped[reason] += n;
  row_groups += o.row_groups;
  row_groups_skipped += o.row_groups_skipped;
}

uint32_t Partial::Group(std::string_view key, uint64_t hash) {
  uint32_t g = table_.FindOrInsert(key, hash);
  if (g == counts_.size()) {
    counts_.push_back(0);
    cells_.resize(cells_.size() + num_aggs_);
    charge_.Set(HeapBytes());
  }
  return g;
}

uint32_t Partial::TryGroup(std::string_view key, uint64_t hash) {
  size_t before = counts_.size();
  uint32_t g = Group(key, hash);
  return counts_.size() > before && GroupMemoryOverLimit() ? kNoGroup : g;
}

Status Partial::Merge(const Partial& o) {
  for (uint32_t g = 0; g < o.num_groups(); ++g) {
    std::string_view key = o.key(g);
    uint32_t mine = TryGroup(key, GroupTable::Hash(key));
    if (mine == kNoGroup) return GroupMemoryError();
    counts_[mine] += o.counts_[g];
    for (size_t a = 0; a < num_aggs_; ++a) cell(mine, a).Merge(o.cell(g, a));
  }
  stats_.Merge(o.stats_);
  return Status::OK();
}

Status Partial::Merge(Partial&& o) {
  if (o.num_groups() > num_groups()) std::swap(*this, o);  // merge the smaller one into the bigger
  Status st = Merge(static_cast<const Partial&>(o));
  o = Partial(num_aggs_);
  return st;
}

size_t Partial::HeapBytes() const {
  return table_.MemoryBytes() + counts_.capacity() * sizeof(uint64_t) + cells_.capacity() * sizeof(AggCell);
}

void Partial::ReleaseIndex() {
  table_.ReleaseIndex();
  charge_.Set(HeapBytes());
}

std::string Partial::Serialize() const {
  std::string out;
  Writer w(&out);
  out.append(kMagic, sizeof kMagic);
  w.Put<uint32_t>(kFormatVersion);
  w.Put<uint64_t>(num_aggs_);
  w.Put<uint64_t>(stats_.rows);
  w.Put<uint64_t>(stats_.row_groups);
  w.Put<uint64_t>(stats_.row_groups_skipped);
  w.Put<uint64_t>(stats_.skipped.size());
  for (const auto& [reason, n] : stats_.skipped) {
    w.PutBytes(reason);
    w.Put<uint64_t>(n);
  }
  w.Put<uint64_t>(num_groups());
  for (uint32_t g = 0; g < num_groups(); ++g) {
    w.PutBytes(key(g));
    w.Put<uint64_t>(counts_[g]);
    for (size_t a = 0; a < num_aggs_; ++a) PutCell(&w, cell(g, a));
  }
  return out;
}

Result<Partial> Partial::Deserialize(std::string_view bytes) {
  auto corrupt = [](const char* what) { return Status::Corrupt(std::string("malformed partial result: ") + what); };
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return corrupt("bad magic");
  }
  Reader r(bytes.substr(sizeof kMagic));
  uint32_t version;
  uint64_t num_aggs, nreasons, ngroups;
  if (!r.Get(&version)) return corrupt("truncated");
  if (version != kFormatVersion) return corrupt("unknown format version");
  if (!r.Get(&num_aggs) || num_aggs > bytes.size()) return corrupt("bad aggregate count");
  Partial p(num_aggs);
  if (!r.Get(&p.stats_.rows) || !r.Get(&p.stats_.row_groups) || !r.Get(&p.stats_.row_groups_skipped) ||
      !r.Get(&nreasons)) {
    return corrupt("truncated");
  }
  if (p.stats_.row_groups_skipped > p.stats_.row_groups) return corrupt("more row groups skipped than met");
  for (uint64_t i = 0; i < nreasons; ++i) {
    std::string_view reason;
    uint64_t n;
    if (!r.GetBytes(&reason) || !r.Get(&n)) return corrupt("truncated skip reasons");
    if (!p.stats_.skipped.emplace(reason, n).second) return corrupt("duplicate skip reason");
  }
  if (!r.Get(&ngroups)) return corrupt("truncated");
  for (uint64_t i = 0; i < ngroups; ++i) {
    std::string_view key;
    uint64_t count;
    if (!r.GetBytes(&key) || !r.Get(&count)) return corrupt("truncated group");
    if (num_aggs > r.size() / kMinCellBytes) return corrupt("truncated aggregates");
    uint32_t g = p.Group(key);
    if (g != p.num_groups() - 1) return corrupt("duplicate group key");
    p.counts_[g] = count;
    for (size_t a = 0; a < num_aggs; ++a) {
      if (!GetCell(&r, &p.cell(g, a))) return corrupt("truncated or malformed aggregate");
    }
  }
  if (!r.empty()) return corrupt("trailing bytes");
  return p;
}

namespace {

// Whether `key` is exactly `fields` fields in AppendKeyField's encoding.
bool KeyHasFields(std::string_view key, size_t fields) {
  constexpr int kMaxLengthBits = 35;  // a field is far shorter than 32 GiB
  size_t i = 0, seen = 0;
  while (i < key.size()) {
    uint64_t n = 0;
    int shift = 0;
    for (;;) {
      if (i == key.size() || shift >= kMaxLengthBits) return false;
      unsigned char b = static_cast<unsigned char>(key[i++]);
      n |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    if (n > key.size() - i) return false;
    i += n;
    ++seen;
  }
  return seen == fields;
}

bool AddWithoutOverflow(uint64_t* total, uint64_t n) { return !__builtin_add_overflow(*total, n, total); }

}  // namespace

Status Partial::Check(const Query& query) const {
  auto bad = [](const std::string& what) { return Status::Corrupt("a result that cannot be the query's: " + what); };
  if (num_aggs_ != query.aggs.size()) {
    return bad(std::to_string(num_aggs_) + " aggregates where the query has " + std::to_string(query.aggs.size()));
  }
  uint64_t counted = 0;
  for (uint32_t g = 0; g < num_groups(); ++g) {
    if (!KeyHasFields(key(g), query.keys.size())) {
      size_t n = query.keys.size();
      return bad("a group key that is not " + std::to_string(n) + (n == 1 ? " field" : " fields"));
    }
    uint64_t c = counts_[g];
    if (c == 0) return bad("a group that counts no rows");
    if (!AddWithoutOverflow(&counted, c)) return bad("group counts that overflow");
    for (size_t a = 0; a < num_aggs_; ++a) {
      const AggCell& cell = this->cell(g, a);
      if (cell.n != c) return bad("an aggregate over " + std::to_string(cell.n) + " values in a group of " +
                                  std::to_string(c) + " rows");
      bool extremes = cell.min != AggCell::kNoMin || (cell.wide && cell.wide->has_extremes);
      if (!extremes) return bad("an aggregate over values without a minimum");
      if (query.aggs[a].kind == AggKind::kSquares && cell.Min().negative) return bad("a negative square");
    }
  }
  uint64_t used = counted;
  for (const auto& [reason, n] : stats_.skipped) {
    if (reason.empty() || n == 0) return bad("an empty skip reason or count");
    if (!AddWithoutOverflow(&used, n)) return bad("skip counts that overflow");
  }
  if (used > stats_.rows) {
    return bad(std::to_string(counted) + " rows counted and " + std::to_string(used - counted) + " skipped of " +
               std::to_string(stats_.rows) + " read");
  }
  return Status::OK();
}

namespace {

std::string KeyText(std::string_view key) {
  std::string out;
  for (std::string_view field : DecodeKey(key)) out += (out.empty() ? "" : ",") + std::string(field);
  return "(" + out + ")";
}

std::string CellText(const AggCell& c) {
  return "n " + std::to_string(c.n) + ", sum " + FormatDecimal(c.Sum()) + ", min " + FormatDecimal(c.Min()) +
         ", max " + FormatDecimal(c.Max());
}

}  // namespace

std::string Difference(const Partial& reference, const Partial& got) {
  if (reference.stats().rows != got.stats().rows) {
    return "rows read: " + std::to_string(reference.stats().rows) + " by the reference reader, " +
           std::to_string(got.stats().rows) + " in the job";
  }
  if (reference.stats().skipped != got.stats().skipped) return "the rows skipped differ";
  if (reference.num_groups() != got.num_groups()) {
    return "groups: " + std::to_string(reference.num_groups()) + " by the reference reader, " +
           std::to_string(got.num_groups()) + " in the job";
  }
  if (reference.num_aggs() != got.num_aggs()) return "the number of aggregates differs";
  std::unordered_map<std::string_view, uint32_t> index;
  index.reserve(got.num_groups());
  for (uint32_t g = 0; g < got.num_groups(); ++g) index.emplace(got.key(g), g);
  for (uint32_t r = 0; r < reference.num_groups(); ++r) {
    auto it = index.find(reference.key(r));
    if (it == index.end()) return "group " + KeyText(reference.key(r)) + " is missing from the job's result";
    uint32_t g = it->second;
    if (reference.count(r) != got.count(g)) {
      return "group " + KeyText(reference.key(r)) + ": count " + std::to_string(reference.count(r)) +
             " by the reference reader, " + std::to_string(got.count(g)) + " in the job";
    }
    for (size_t a = 0; a < reference.num_aggs(); ++a) {
      const AggCell &x = reference.cell(r, a), &y = got.cell(g, a);
      if (x.n != y.n || !(x.Sum() == y.Sum()) || !(x.Min() == y.Min()) || !(x.Max() == y.Max())) {
        return "group " + KeyText(reference.key(r)) + ", aggregate " + std::to_string(a + 1) + ": " + CellText(x) +
               " by the reference reader, " + CellText(y) + " in the job";
      }
    }
  }
  return "";
}

}  // namespace fanout::ops
