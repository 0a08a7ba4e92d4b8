#include "csv/kernel.h"

#include <cstdlib>

namespace fanout::csv {

void ScanScalar(const char* buf, size_t nblocks, char delim, uint64_t* carry, BlockBits out) noexcept {
  bool q = *carry != 0;
  for (size_t b = 0; b < nblocks; ++b) {
    uint64_t nl = 0, dl = 0, in = 0;
    for (size_t i = 0; i < kBlockBytes; ++i) {
      char c = buf[b * kBlockBytes + i];
      uint64_t bit = uint64_t{1} << i;
      if (c == '"') {
        q = !q;
      } else if (!q && c == '\n') {
        nl |= bit;
      } else if (!q && c == delim) {
        dl |= bit;
      }
      if (q) in |= bit;
    }
    out.newline[b] = nl;
    out.delim[b] = dl;
    out.inside[b] = in;
  }
  *carry = q ? ~uint64_t{0} : 0;
}

std::vector<Kernel> SupportedKernels() {
  std::vector<Kernel> ks = {{"scalar", &ScanScalar}};
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
