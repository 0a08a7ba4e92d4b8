// libFuzzer target: every kernel against the scalar one, and the range reader
// against the simple reference reader, on arbitrary bytes split arbitrarily.
// Any difference aborts. Built with -DFANOUT_FUZZ=ON (clang); run by
// `scripts/dev.sh fuzz`.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "csv/kernel.h"
#include "csv/reference_reader.h"

namespace {

using fanout::csv::BlockBits;
using fanout::csv::kBlockBytes;

struct Bits {
  std::vector<uint64_t> nl, dl, in;
  uint64_t carry;
  bool operator==(const Bits&) const = default;
};

Bits Scan(fanout::csv::ScanFn fn, const std::string& padded, char delim, uint64_t carry) {
  size_t blocks = padded.size() / kBlockBytes;
  Bits b{std::vector<uint64_t>(blocks), std::vector<uint64_t>(blocks), std::vector<uint64_t>(blocks), carry};
  fn(padded.data(), blocks, delim, &b.carry, BlockBits{b.nl.data(), b.dl.data(), b.in.data()});
  return b;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  static const char kDelims[] = {',', ';', '\t', '|'};
  char delim = kDelims[data[0] % 4];
  size_t range = 1 + data[1] % 97;
  size_t buffer = 1 + data[2] * 3;
  std::string text(reinterpret_cast<const char*>(data + 3), size - 3);

  std::string padded = text;
  padded.resize((text.size() + kBlockBytes - 1) / kBlockBytes * kBlockBytes, '\0');
  for (uint64_t carry : {uint64_t{0}, ~uint64_t{0}}) {
    Bits want = Scan(&fanout::csv::ScanScalar, padded, delim, carry);
    for (const fanout::csv::Kernel& k : fanout::csv::SupportedKernels()) {
      Check(Scan(k.scan, padded, delim, carry) == want, k.name);
    }
  }

  if (delim != ',') return 0;  // the reference reader splits on commas
  auto expected = fanout::csv::testing_support::ReferenceRows(text, ',');
  for (bool mapped : {false, true}) {
    std::string problem;
    auto got = fanout::csv::testing_support::ReadInRanges(text, range, buffer, 1 + data[1] % 13, mapped, &problem);
    Check(problem.empty(), "reader error");
    Check(got == expected, mapped ? "mapped rows differ from the reference" : "rows differ from the reference");
  }
  return 0;
}
