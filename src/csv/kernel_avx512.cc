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

inline Masks Classify(const char* p, char delim) {
  __m512i v = _mm512_loadu_si512(p);
  return {_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')), _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(delim)),
          _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'))};
}

#include "csv/kernel_blocks.inc"

}  // namespace avx512

void ScanAvx512(const char* buf, size_t nblocks, char delim, uint64_t* carry, BlockBits out) noexcept {
  avx512::ScanBlocks(buf, nblocks, delim, carry, out);
}

}  // namespace fanout::csv

FANOUT_TARGET_END
