// The scanner kernel: classifies CSV text into bitmasks, 64 bytes at a time.
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

constexpr size_t kBlockBytes = 64;

// Per-block output of a kernel: bit i of word b describes byte 64*b + i.
struct BlockBits {
  uint64_t* newline;  // '\n' outside quotes
  uint64_t* delim;    // the delimiter outside quotes
  uint64_t* inside;   // set when the quote state after this byte is "inside quotes"
};

// Classifies the `nblocks` whole blocks at buf (which must be readable for
// nblocks * 64 bytes) and writes word b of each array for b in [0, nblocks).
// `*carry` is all ones when buf[0] starts inside quotes, else 0; on return it is
// the state after the last byte. Never allocates.
using ScanFn = void (*)(const char* buf, size_t nblocks, char delim, uint64_t* carry, BlockBits out) noexcept;

// The reference kernel, one byte at a time; always built.
void ScanScalar(const char* buf, size_t nblocks, char delim, uint64_t* carry, BlockBits out) noexcept;
// The same contract with SIMD; call only where the CPU supports them.
void ScanAvx2(const char* buf, size_t nblocks, char delim, uint64_t* carry, BlockBits out) noexcept;
void ScanAvx512(const char* buf, size_t nblocks, char delim, uint64_t* carry, BlockBits out) noexcept;

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
