// The scanner kernel: classifies CSV text into bitmasks, 64 bytes at a time.
//
// CSV is read as Python's csv module and DuckDB read it: a field that starts
// with '"' is quoted (delimiters and line ends in it are data, "" is one quote,
// and it ends at the next lone quote); a '"' anywhere else is a literal
// character (`5'10"`, `12" sub`). So the state that decides what a byte means is
// one of three (QuoteState), and it depends on every byte before it.
//
// The fast kernels track quote *parity* instead (every '"' toggles it: a prefix
// XOR of the quote mask), which gives the same answer as long as every quote that
// parity would open lies at a field start. They check exactly that for each
// block and stop before a block where it fails; that block is classified by the
// exact scalar kernel (ScanExact), and the fast kernel carries on after it.
// ScanAll does this dance; its output is always the exact one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fanout::csv {

constexpr size_t kBlockBytes = 64;

// The reader's state between two bytes.
enum class QuoteState : uint8_t {
  kFieldStart = 0,  // at a field's start, or just after a quoted field's closing quote: a '"' opens quotes
  kQuoted = 1,      // inside a quoted field
  kUnquoted = 2,    // inside an unquoted field: a '"' is a literal character
};

// What separates fields and rows in one object.
struct Dialect {
  char delim = ',';
  char newline = '\n';  // '\n', or '\r' for objects whose lines end with a lone '\r'
};

// Per-block output of a kernel: bit i of word b describes byte 64*b + i.
struct BlockBits {
  uint64_t* newline;    // the line end outside quotes
  uint64_t* delim;      // the delimiter outside quotes
  QuoteState* state;    // the state before the block's first byte
};

// Classifies up to `nblocks` whole blocks at buf (readable for nblocks * 64
// bytes), writing entry b of each array for each block b it classifies, and
// returns how many it classified. *state is the state before buf[0]; on return,
// the state after the last block classified. The exact kernel classifies all of
// them; a fast kernel stops before the first block whose quotes parity cannot
// read. Never allocates.
using ScanFn = size_t (*)(const char* buf, size_t nblocks, Dialect dialect, QuoteState* state,
                          BlockBits out) noexcept;

// The exact kernel, one byte at a time; always built, and the reference.
size_t ScanExact(const char* buf, size_t nblocks, Dialect dialect, QuoteState* state, BlockBits out) noexcept;
// Parity with the field-start check, with SIMD; call only where the CPU supports them.
size_t ScanAvx2(const char* buf, size_t nblocks, Dialect dialect, QuoteState* state, BlockBits out) noexcept;
size_t ScanAvx512(const char* buf, size_t nblocks, Dialect dialect, QuoteState* state, BlockBits out) noexcept;

// Classifies all `nblocks` blocks with `kernel`, and with ScanExact where it stops.
inline void ScanAll(ScanFn kernel, const char* buf, size_t nblocks, Dialect dialect, QuoteState* state,
                    BlockBits out) noexcept {
  size_t b = 0;
  while (b < nblocks) {
    b += kernel(buf + b * kBlockBytes, nblocks - b, dialect, state,
                BlockBits{out.newline + b, out.delim + b, out.state + b});
    if (b == nblocks) break;
    b += ScanExact(buf + b * kBlockBytes, 1, dialect, state, BlockBits{out.newline + b, out.delim + b, out.state + b});
  }
}

// ScanExact for the one block at buf, reading only its bytes from `from` on (the
// ones before are not CSV: a byte order mark) and writing entry 0 of `out`.
void ScanExactFrom(const char* buf, size_t from, Dialect dialect, QuoteState* state, BlockBits out) noexcept;

// The state after reading bytes [0, n) of buf from state `s`, by the exact rules.
QuoteState StateAfter(const char* buf, size_t n, char delim, char newline, QuoteState s) noexcept;

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
