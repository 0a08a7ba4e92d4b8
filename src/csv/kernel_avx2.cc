// The AVX2 kernel: two 32-byte compares per mask.
#include <immintrin.h>

#include <cstdint>

#include "csv/kernel.h"
#include "csv/simd_target.h"

FANOUT_TARGET_BEGIN("avx2,pclmul,bmi")

namespace fanout::csv {
namespace avx2 {

struct Masks {
  uint64_t quote, delim, newline;
};

inline uint64_t Eq(__m256i lo, __m256i hi, char c) {
  __m256i v = _mm256_set1_epi8(c);
  uint32_t l = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)));
  uint32_t h = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)));
  return static_cast<uint64_t>(l) | (static_cast<uint64_t>(h) << 32);
}

inline Masks Classify(const char* p, Dialect d) {
  __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  return {Eq(lo, hi, '"'), Eq(lo, hi, d.delim), Eq(lo, hi, d.newline)};
}

#include "csv/kernel_blocks.inc"

}  // namespace avx2

size_t ScanAvx2(const char* buf, size_t nblocks, Dialect dialect, QuoteState* state, BlockBits out) noexcept {
  return avx2::ScanBlocks(buf, nblocks, dialect, state, out);
}

}  // namespace fanout::csv

FANOUT_TARGET_END
