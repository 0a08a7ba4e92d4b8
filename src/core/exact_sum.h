// ExactSum: the exact sum of any numbers fanout reads (core/number.h), however
// many digits they have and whatever their exponents — so a sum never depends
// on the order of its terms or on how the work was split.
//
// The positive and negative terms are added apart, each as an unsigned big
// integer in base 10^18 counting units of 10^-scale, where scale is a multiple
// of 18 that grows to the finest term seen (at most kMaxScaleLimbs limbs). Only
// Value() subtracts. Numbers fit by construction: a term's last nonzero digit
// lies at 10^kMinDigitExponent or above, its first below 10^309.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/number.h"

namespace fanout {

class ExactSum {
 public:
  static constexpr uint64_t kLimbBase = 1000000000000000000ull;  // 10^18
  static constexpr int kLimbDigits = 18;
  // Enough fraction limbs for the finest number (10^kMinDigitExponent).
  static constexpr uint32_t kMaxScaleLimbs = (-kMinDigitExponent + kLimbDigits - 1) / kLimbDigits;
  // Bounds the magnitudes a decoded sum may have (far above any real sum's:
  // 10^309 times 2^64 terms needs 19 integer limbs).
  static constexpr size_t kMaxLimbs = kMaxScaleLimbs + 64;

  void Add(const Decimal& d);
  void AddScaled(__int128 units);  // units of 1e-9
  void Merge(const ExactSum& o);

  // The sum, exactly.
  Decimal Value() const;
  bool empty() const { return pos_.empty() && neg_.empty(); }

  // A versioned-by-its-container binary form: scale_limbs:u32, then each
  // magnitude as count:u64 limb:u64{count} (little-endian limbs, each below
  // 10^18, the last nonzero). Decode returns false on anything else, consuming
  // from *in what it read.
  void Encode(std::string* out) const;
  static bool Decode(std::string_view* in, ExactSum* out);

 private:
  using Magnitude = std::vector<uint64_t>;  // little-endian limbs, no high zero limb

  void Rescale(uint32_t scale_limbs);
  static void AddDigits(Magnitude* m, const std::string& digits, int64_t first_power);
  static void AddShifted(Magnitude* m, const Magnitude& o, size_t shift);

  uint32_t scale_limbs_ = 0;  // the unit is 10^-(18 * scale_limbs_)
  Magnitude pos_, neg_;
};

}  // namespace fanout
