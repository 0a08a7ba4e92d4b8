#include "ops/partial.h"

#include <algorithm>
#include <cstring>

#include "core/number.h"

namespace fanout::ops {

namespace {

constexpr char kMagic[4] = {'F', 'O', 'P', 'T'};
constexpr uint32_t kFormatVersion = 1;

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
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

void AggCell::Merge(const AggCell& o) {
  exact += o.exact;
  inexact += o.inexact;
  n += o.n;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
}

double AggCell::Sum() const {
  return static_cast<double>(exact) / static_cast<double>(kDecimalScale) + inexact;
}

uint64_t RowStats::skipped_total() const {
  uint64_t t = 0;
  for (const auto& [reason, n] : skipped) t += n;
  return t;
}

void RowStats::Merge(const RowStats& o) {
  rows += o.rows;
  for (const auto& [reason, n] : o.skipped) skipped[reason] += n;
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
  w.Put<uint64_t>(stats_.skipped.size());
  for (const auto& [reason, n] : stats_.skipped) {
    w.PutBytes(reason);
    w.Put<uint64_t>(n);
  }
  w.Put<uint64_t>(num_groups());
  for (uint32_t g = 0; g < num_groups(); ++g) {
    w.PutBytes(key(g));
    w.Put<uint64_t>(counts_[g]);
    for (size_t a = 0; a < num_aggs_; ++a) {
      const AggCell& c = cell(g, a);
      w.Put(c.exact);
      w.Put(c.inexact);
      w.Put(c.n);
      w.Put(c.min);
      w.Put(c.max);
    }
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
  if (!r.Get(&p.stats_.rows) || !r.Get(&nreasons)) return corrupt("truncated");
  for (uint64_t i = 0; i < nreasons; ++i) {
    std::string_view reason;
    uint64_t n;
    if (!r.GetBytes(&reason) || !r.Get(&n)) return corrupt("truncated skip reasons");
    p.stats_.skipped[std::string(reason)] += n;
  }
  if (!r.Get(&ngroups)) return corrupt("truncated");
  for (uint64_t i = 0; i < ngroups; ++i) {
    std::string_view key;
    uint64_t count;
    if (!r.GetBytes(&key) || !r.Get(&count)) return corrupt("truncated group");
    uint32_t g = p.Group(key);
    if (g != p.num_groups() - 1) return corrupt("duplicate group key");
    p.counts_[g] = count;
    for (size_t a = 0; a < num_aggs; ++a) {
      AggCell& c = p.cell(g, a);
      if (!r.Get(&c.exact) || !r.Get(&c.inexact) || !r.Get(&c.n) || !r.Get(&c.min) || !r.Get(&c.max)) {
        return corrupt("truncated aggregate");
      }
    }
  }
  if (!r.empty()) return corrupt("trailing bytes");
  return p;
}

}  // namespace fanout::ops
