// The AVX-512 kernel: one 64-byte compare per mask, straight into a mask register.
#include <immintrin.h>

#include <cstdint>

#include "csv/kernel.h"
#include "csv/simd_target.h"

FANOUT_TARGET_BEGIN("avx512f,avx512bw,pclmul,bmi")

namespace fanout::csv {
namespace avx512 {

struct Masks {
  uint64_t quote, delim, newline;
};

inline Masks Classify(const char* p, Dialect d) {
  __m512i v = _mm512_loadu_si512(p);
  return {_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')), _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(d.delim)),
          _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(d.newline))};
}

#include "csv/kernel_blocks.inc"

}  // namespace avx512

size_t ScanAvx512(const char* buf, size_t nblocks, Dialect dialect, QuoteState* state, BlockBits out) noexcept {
  return avx512::ScanBlocks(buf, nblocks, dialect, state, out);
}

}  // namespace fanout::csv

FANOUT_TARGET_END
