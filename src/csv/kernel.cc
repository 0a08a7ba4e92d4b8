#include "csv/kernel.h"

namespace fanout::csv {

size_t ScanScalar(const char* buf, size_t n, uint32_t base, char delim, bool* in_quote, uint32_t* out) noexcept {
  bool q = *in_quote;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = buf[i];
    if (c == '"') {
      q = !q;
    } else if (!q && (c == delim || c == '\n')) {
      out[k++] = base + static_cast<uint32_t>(i);
    }
  }
  *in_quote = q;
  return k;
}

ScanFn ActiveKernel() { return &ScanScalar; }

}  // namespace fanout::csv
