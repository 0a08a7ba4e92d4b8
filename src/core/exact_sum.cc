#include "core/exact_sum.h"

#include <algorithm>
#include <cstring>

namespace fanout {

namespace {

constexpr uint64_t kPow10[ExactSum::kLimbDigits] = {1ull,
                                                     10ull,
                                                     100ull,
                                                     1000ull,
                                                     10000ull,
                                                     100000ull,
                                                     1000000ull,
                                                     10000000ull,
                                                     100000000ull,
                                                     1000000000ull,
                                                     10000000000ull,
                                                     100000000000ull,
                                                     1000000000000ull,
                                                     10000000000000ull,
                                                     100000000000000ull,
                                                     1000000000000000ull,
                                                     10000000000000000ull,
                                                     100000000000000000ull};

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool Get(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

// <0, 0, >0 as a < b, a == b, a > b (no high zero limbs on either).
int CompareMagnitudes(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

// big - small, for big >= small.
std::vector<uint64_t> Subtract(const std::vector<uint64_t>& big, const std::vector<uint64_t>& small) {
  std::vector<uint64_t> out(big.size());
  uint64_t borrow = 0;
  for (size_t i = 0; i < big.size(); ++i) {
    uint64_t s = (i < small.size() ? small[i] : 0) + borrow;
    borrow = big[i] < s;
    out[i] = borrow ? big[i] + ExactSum::kLimbBase - s : big[i] - s;
  }
  while (!out.empty() && out.back() == 0) out.pop_back();
  return out;
}

}  // namespace

void ExactSum::Rescale(uint32_t scale_limbs) {
  if (scale_limbs <= scale_limbs_) return;
  size_t shift = scale_limbs - scale_limbs_;
  for (Magnitude* m : {&pos_, &neg_}) {
    if (!m->empty()) m->insert(m->begin(), shift, 0);
  }
  scale_limbs_ = scale_limbs;
}

// Adds digits (most significant first) whose last one counts units of 10^low.
void ExactSum::AddDigits(Magnitude* m, const std::string& digits, int64_t low) {
  size_t limb = static_cast<size_t>(low) / kLimbDigits;
  size_t top_limb = (static_cast<size_t>(low) + digits.size() - 1) / kLimbDigits;
  if (m->size() <= top_limb) m->resize(top_limb + 1, 0);
  uint64_t mul = kPow10[low % kLimbDigits];
  uint64_t acc = 0, carry = 0;
  for (size_t j = digits.size(); j-- > 0;) {
    acc += static_cast<uint64_t>(digits[j] - '0') * mul;
    mul *= 10;
    if (mul == kLimbBase || j == 0) {  // this limb's digits are in: add it
      uint64_t v = (*m)[limb] + acc + carry;  // < 2 * 10^18 + 1: no overflow
      carry = v >= kLimbBase;
      (*m)[limb++] = carry ? v - kLimbBase : v;
      acc = 0;
      mul = 1;
    }
  }
  for (; carry != 0; ++limb) {
    if (limb == m->size()) m->push_back(0);
    uint64_t v = (*m)[limb] + 1;
    carry = v == kLimbBase;
    (*m)[limb] = carry ? 0 : v;
  }
}

void ExactSum::AddShifted(Magnitude* m, const Magnitude& o, size_t shift) {
  if (o.empty()) return;
  if (m->size() < o.size() + shift) m->resize(o.size() + shift, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < o.size(); ++i) {
    uint64_t v = (*m)[i + shift] + o[i] + carry;
    carry = v >= kLimbBase;
    (*m)[i + shift] = carry ? v - kLimbBase : v;
  }
  for (size_t k = o.size() + shift; carry != 0; ++k) {
    if (k == m->size()) m->push_back(0);
    uint64_t v = (*m)[k] + 1;
    carry = v == kLimbBase;
    (*m)[k] = carry ? 0 : v;
  }
}

void ExactSum::Add(const Decimal& d) {
  if (d.zero()) return;
  if (d.exponent < 0) Rescale(static_cast<uint32_t>((-static_cast<int64_t>(d.exponent) + kLimbDigits - 1) / kLimbDigits));
  int64_t low = d.exponent + static_cast<int64_t>(kLimbDigits) * scale_limbs_;
  AddDigits(d.negative ? &neg_ : &pos_, d.digits, low);
}

void ExactSum::AddScaled(__int128 units) {
  if (units != 0) Add(DecimalFromScaled(units));
}

void ExactSum::Merge(const ExactSum& o) {
  Rescale(o.scale_limbs_);
  size_t shift = scale_limbs_ - o.scale_limbs_;
  AddShifted(&pos_, o.pos_, shift);
  AddShifted(&neg_, o.neg_, shift);
}

Decimal ExactSum::Value() const {
  Decimal d;
  int c = CompareMagnitudes(pos_, neg_);
  if (c == 0) return d;
  Magnitude diff = c > 0 ? Subtract(pos_, neg_) : Subtract(neg_, pos_);
  d.negative = c < 0;
  d.digits = std::to_string(diff.back());
  for (size_t i = diff.size() - 1; i-- > 0;) {
    std::string limb = std::to_string(diff[i]);
    d.digits += std::string(kLimbDigits - limb.size(), '0') + limb;
  }
  size_t keep = d.digits.find_last_not_of('0');  // diff is nonzero: keep exists
  d.exponent = static_cast<int32_t>(d.digits.size() - keep - 1) - kLimbDigits * static_cast<int32_t>(scale_limbs_);
  d.digits.resize(keep + 1);
  return d;
}

void ExactSum::Encode(std::string* out) const {
  Put<uint32_t>(out, scale_limbs_);
  for (const Magnitude* m : {&pos_, &neg_}) {
    Put<uint64_t>(out, m->size());
    for (uint64_t limb : *m) Put(out, limb);
  }
}

bool ExactSum::Decode(std::string_view* in, ExactSum* out) {
  *out = ExactSum();
  if (!Get(in, &out->scale_limbs_) || out->scale_limbs_ > kMaxScaleLimbs) return false;
  for (Magnitude* m : {&out->pos_, &out->neg_}) {
    uint64_t n;
    if (!Get(in, &n) || n > kMaxLimbs) return false;
    m->resize(n);
    for (uint64_t& limb : *m) {
      if (!Get(in, &limb) || limb >= kLimbBase) return false;
    }
    if (!m->empty() && m->back() == 0) return false;
  }
  return true;
}

}  // namespace fanout
