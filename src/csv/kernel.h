// The scanner kernel: finds the structural characters of CSV text.
//
// A structural character is a field delimiter or '\n' that lies outside quotes.
// The quote state is the parity of '"' characters seen so far: every '"' toggles
// it. That definition makes the state at any offset a pure function of the bytes
// before it, which is what lets byte-range tasks check each other (exec/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fanout::csv {

// Scans buf[0, n) and writes base + offset of every structural character, in
// order, to out, which must have room for n entries. `*in_quote`
// is the quote state before buf[0] on entry and after buf[n-1] on return.
// Returns the number of offsets written. Never allocates; never reads past n.
using ScanFn = size_t (*)(const char* buf, size_t n, uint32_t base, char delim, bool* in_quote,
                          uint32_t* out) noexcept;

// The reference kernel, one byte at a time; always built.
size_t ScanScalar(const char* buf, size_t n, uint32_t base, char delim, bool* in_quote, uint32_t* out) noexcept;

// The same contract over 64-byte blocks; call only where the CPU supports them.
size_t ScanAvx2(const char* buf, size_t n, uint32_t base, char delim, bool* in_quote, uint32_t* out) noexcept;
size_t ScanAvx512(const char* buf, size_t n, uint32_t base, char delim, bool* in_quote, uint32_t* out) noexcept;

struct Kernel {
  const char* name;  // "scalar", "avx2", "avx512"
  ScanFn scan;
};

// The kernels this CPU can run, best last ("scalar" always first).
std::vector<Kernel> SupportedKernels();

// The kernel this process uses: the best the CPU supports, or the one named by
// the environment variable FANOUT_KERNEL (scalar|avx2|avx512). Naming one the
// CPU cannot run, or an unknown one, is reported by KernelChoiceError().
const Kernel& ActiveKernel();

// Empty, or why FANOUT_KERNEL could not be honoured.
std::string KernelChoiceError();

}  // namespace fanout::csv
