#include "csv/kernel.h"

#include <cstdlib>

namespace fanout::csv {

namespace {

// One byte by the exact rules (kernel.h); sets *structural to 1 for a delimiter
// (1) or line end (2) outside quotes.
inline QuoteState Step(QuoteState s, char c, char delim, char newline, int* structural) {
  *structural = 0;
  switch (s) {
    case QuoteState::kQuoted:
      // A quote ends the field or, followed by another, is one quote: both
      // continue from "a quote may open here".
      return c == '"' ? QuoteState::kFieldStart : s;
    case QuoteState::kFieldStart:
      if (c == '"') return QuoteState::kQuoted;
      [[fallthrough]];
    case QuoteState::kUnquoted:
      if (c == delim) {
        *structural = 1;
        return QuoteState::kFieldStart;
      }
      if (c == newline) {
        *structural = 2;
        return QuoteState::kFieldStart;
      }
      return QuoteState::kUnquoted;
  }
  return s;
}

}  // namespace

void ScanExactFrom(const char* buf, size_t from, Dialect d, QuoteState* state, BlockBits out) noexcept {
  QuoteState s = *state;
  out.state[0] = s;
  uint64_t nl = 0, dl = 0;
  for (size_t i = from; i < kBlockBytes; ++i) {
    int structural;
    s = Step(s, buf[i], d.delim, d.newline, &structural);
    uint64_t bit = uint64_t{1} << i;
    if (structural == 1) dl |= bit;
    if (structural == 2) nl |= bit;
  }
  out.newline[0] = nl;
  out.delim[0] = dl;
  *state = s;
}

size_t ScanExact(const char* buf, size_t nblocks, Dialect d, QuoteState* state, BlockBits out) noexcept {
  for (size_t b = 0; b < nblocks; ++b) {
    ScanExactFrom(buf + b * kBlockBytes, 0, d, state, BlockBits{out.newline + b, out.delim + b, out.state + b});
  }
  return nblocks;
}

QuoteState StateAfter(const char* buf, size_t n, char delim, char newline, QuoteState s) noexcept {
  int structural;
  for (size_t i = 0; i < n; ++i) s = Step(s, buf[i], delim, newline, &structural);
  return s;
}

std::vector<Kernel> SupportedKernels() {
  std::vector<Kernel> ks = {{"scalar", &ScanExact}};
  __builtin_cpu_init();
  bool clmul = __builtin_cpu_supports("pclmul");
  if (clmul && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi")) ks.push_back({"avx2", &ScanAvx2});
  if (clmul && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f")) {
    ks.push_back({"avx512", &ScanAvx512});
  }
  return ks;
}

namespace {

struct Choice {
  Kernel kernel;
  std::string error;
};

Choice Choose() {
  std::vector<Kernel> ks = SupportedKernels();
  const char* forced = std::getenv("FANOUT_KERNEL");
  if (forced == nullptr || *forced == '\0') return {ks.back(), ""};
  for (const Kernel& k : ks) {
    if (std::string(forced) == k.name) return {k, ""};
  }
  std::string names;
  for (const Kernel& k : ks) names += std::string(names.empty() ? "" : ", ") + k.name;
  return {ks.back(), "FANOUT_KERNEL=" + std::string(forced) + " is not a kernel this CPU can run (" + names + ")"};
}

const Choice& TheChoice() {
  static const Choice choice = Choose();
  return choice;
}

}  // namespace

const Kernel& ActiveKernel() { return TheChoice().kernel; }

std::string KernelChoiceError() { return TheChoice().error; }

}  // namespace fanout::csv
