// libFuzzer target: every kernel (with its exact fallback) against the exact
// one, and the range reader, run as an executor runs it (csv/chain.h), against
// the simple reference reader, on arbitrary bytes split arbitrarily. Any
// difference aborts. Built with -DFANOUT_FUZZ=ON (clang); run by
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
using fanout::csv::Dialect;
using fanout::csv::kBlockBytes;
using fanout::csv::QuoteState;

struct Bits {
  std::vector<uint64_t> nl, dl;
  std::vector<QuoteState> st;
  QuoteState state;
  bool operator==(const Bits&) const = default;
};

Bits Scan(fanout::csv::ScanFn fn, const std::string& padded, Dialect d, QuoteState state) {
  size_t blocks = padded.size() / kBlockBytes;
  Bits b{std::vector<uint64_t>(blocks), std::vector<uint64_t>(blocks), std::vector<QuoteState>(blocks), state};
  fanout::csv::ScanAll(fn, padded.data(), blocks, d, &b.state, BlockBits{b.nl.data(), b.dl.data(), b.st.data()});
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
  for (char newline : {'\n', '\r'}) {
    for (QuoteState state : {QuoteState::kFieldStart, QuoteState::kQuoted, QuoteState::kUnquoted}) {
      Dialect d{delim, newline};
      Bits want = Scan(&fanout::csv::ScanExact, padded, d, state);
      for (const fanout::csv::Kernel& k : fanout::csv::SupportedKernels()) {
        Check(Scan(k.scan, padded, d, state) == want, k.name);
      }
    }
  }

  if (delim != ',') return 0;  // the reference reader splits on commas
  namespace ts = fanout::csv::testing_support;
  ts::Reading expected = ts::ReferenceRead(text, ',');
  bool must_fail = ts::ChainMustFail(text, buffer);
  for (bool mapped : {false, true}) {
    std::string problem, chain_error;
    ts::Reading got = ts::ReadInRanges(text, range, buffer, 1 + data[1] % 13, mapped, &problem, &chain_error);
    Check(problem.empty(), "reader error");
    Check(chain_error.empty() != must_fail, "the chain failed where it must not, or the reverse");
    Check(must_fail || got == expected, mapped ? "mapped rows differ from the reference" : "rows differ from the reference");
  }
  return 0;
}
