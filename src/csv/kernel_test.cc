#include "csv/kernel.h"

#include <gtest/gtest.h>

#include <random>

namespace fanout::csv {
namespace {

struct Output {
  std::vector<uint64_t> nl, dl;
  std::vector<QuoteState> st;
  QuoteState state;
  bool operator==(const Output&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Output& o) {
  for (size_t b = 0; b < o.nl.size(); ++b) {
    os << "[" << std::hex << o.nl[b] << " " << o.dl[b] << " " << std::dec << int(o.st[b]) << "]";
  }
  return os << " -> " << int(o.state);
}

// Classifies s (a whole number of blocks) exactly with `fn` as the fast kernel,
// in two calls split at block `split`.
Output ScanWith(ScanFn fn, const std::string& s, size_t split, Dialect d, QuoteState state) {
  size_t blocks = s.size() / kBlockBytes;
  Output o{std::vector<uint64_t>(blocks), std::vector<uint64_t>(blocks), std::vector<QuoteState>(blocks), state};
  ScanAll(fn, s.data(), split, d, &o.state, BlockBits{o.nl.data(), o.dl.data(), o.st.data()});
  ScanAll(fn, s.data() + split * kBlockBytes, blocks - split, d, &o.state,
          BlockBits{o.nl.data() + split, o.dl.data() + split, o.st.data() + split});
  return o;
}

// How many blocks `fn` classifies before it stops.
size_t FastBlocks(ScanFn fn, const std::string& s, Dialect d) {
  size_t blocks = s.size() / kBlockBytes;
  std::vector<uint64_t> nl(blocks), dl(blocks);
  std::vector<QuoteState> st(blocks);
  QuoteState state = QuoteState::kFieldStart;
  return fn(s.data(), blocks, d, &state, BlockBits{nl.data(), dl.data(), st.data()});
}

std::string RandomBlocks(std::mt19937_64& rng, const std::string& alphabet, size_t blocks) {
  std::string s;
  for (size_t i = 0; i < blocks * kBlockBytes; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
  return s;
}

const QuoteState kStates[] = {QuoteState::kFieldStart, QuoteState::kQuoted, QuoteState::kUnquoted};

// Every kernel, with the exact fallback, must agree with the exact kernel on
// any input, from any state, split anywhere.
TEST(Kernels, AgreeWithExactOnRandomInputsAtEverySplit) {
  std::mt19937_64 rng(1);
  const std::string alphabets[] = {"a,\"\n", "ab,,\"\"\n\r\t;", std::string("\0\xff,\"\n x", 8), "xxxxxxx\"",
                                   "ab\"\"\"\",\r", "aaaaaaaaaaaaaaa,\n\""};
  for (const Kernel& k : SupportedKernels()) {
    for (const std::string& alpha : alphabets) {
      for (int iter = 0; iter < 300; ++iter) {
        size_t blocks = rng() % 6;
        std::string s = RandomBlocks(rng, alpha, blocks);
        Dialect d{iter % 3 == 0 ? ';' : ',', iter % 4 == 0 ? '\r' : '\n'};
        QuoteState state = kStates[iter % 3];
        size_t split = blocks == 0 ? 0 : rng() % (blocks + 1);
        ASSERT_EQ(ScanWith(k.scan, s, split, d, state), ScanWith(&ScanExact, s, 0, d, state))
            << k.name << " blocks=" << blocks << " split=" << split;
      }
    }
  }
}

TEST(Kernels, AdversarialBlocks) {
  std::vector<std::string> inputs = {std::string(256, '"'), std::string(256, ','), std::string(256, '\n')};
  std::string edges(256, 'x');
  for (size_t i = 63; i < edges.size(); i += 64) edges[i] = '"';
  for (size_t i = 0; i < edges.size(); i += 7) edges[i] = ',';
  inputs.push_back(edges);
  std::string openers(256, 'x');  // quotes right after a delimiter that ends a block
  for (size_t i = 63; i + 1 < openers.size(); i += 64) openers[i] = ',', openers[i + 1] = '"';
  inputs.push_back(openers);
  for (const Kernel& k : SupportedKernels()) {
    for (const std::string& s : inputs) {
      for (QuoteState state : kStates) {
        EXPECT_EQ(ScanWith(k.scan, s, 1, Dialect{}, state), ScanWith(&ScanExact, s, 0, Dialect{}, state)) << k.name;
      }
    }
  }
}

TEST(Kernels, ExactMarksStructuralsOutsideQuotesOnly) {
  std::string s = "a,\"b,\nc\",d\n";
  s.resize(kBlockBytes, 'x');
  Output o = ScanWith(&ScanExact, s, 0, Dialect{}, QuoteState::kFieldStart);
  EXPECT_EQ(o.dl[0], (uint64_t{1} << 1) | (uint64_t{1} << 8));  // the commas at 1 and 8, not 4
  EXPECT_EQ(o.nl[0], uint64_t{1} << 10);                         // the newline at 10, not 5
  EXPECT_EQ(o.state, QuoteState::kUnquoted);                     // in the x... field
}

// The regression behind issue "a quote inside an unquoted field": `5'10"` is text,
// and the row ends at its newline; parity would have swallowed the next rows.
TEST(Kernels, QuoteInsideAnUnquotedFieldIsText) {
  std::string s = "bob,5'10\",NYC\nann,6',LA\n";
  s.resize(kBlockBytes, ' ');
  for (const Kernel& k : SupportedKernels()) {
    Output o = ScanWith(k.scan, s, 0, Dialect{}, QuoteState::kFieldStart);
    EXPECT_EQ(o.nl[0], (uint64_t{1} << 13) | (uint64_t{1} << 23)) << k.name;
    EXPECT_EQ(o.dl[0], (uint64_t{1} << 3) | (uint64_t{1} << 9) | (uint64_t{1} << 17) | (uint64_t{1} << 20)) << k.name;
  }
}

// After a quoted field's closing quote, the rest of the field is text: `"ab"c"d`
// is one field, and its second quote opens nothing.
TEST(Kernels, QuoteAfterAClosedQuotedFieldIsText) {
  std::string s = "\"ab\"c\"d,e\nf\n";
  s.resize(kBlockBytes, ' ');
  Output o = ScanWith(&ScanExact, s, 0, Dialect{}, QuoteState::kFieldStart);
  EXPECT_EQ(o.dl[0], uint64_t{1} << 7);
  EXPECT_EQ(o.nl[0], (uint64_t{1} << 9) | (uint64_t{1} << 11));
}

TEST(Kernels, LoneCarriageReturnEndsRowsInACrDialect) {
  std::string s = "a,b\rc,\"d\re\"\r";
  s.resize(kBlockBytes, ' ');
  Output o = ScanWith(&ScanExact, s, 0, Dialect{',', '\r'}, QuoteState::kFieldStart);
  EXPECT_EQ(o.nl[0], (uint64_t{1} << 3) | (uint64_t{1} << 11));  // not the \r inside quotes at 8
}

// The fast kernels must not fall back on well-formed data: quotes only at field
// starts (and doubled inside quoted fields) keep them on the fast path.
TEST(Kernels, FastKernelsKeepToTheFastPathOnWellFormedQuotes) {
  std::string s;
  while (s.size() < 64 * kBlockBytes) s += "1,\"a, \"\"b\"\"\",,\"\",\"x\ny\"\r\n2,cc,\"\"\"\"\n";
  s.resize(64 * kBlockBytes);
  for (const Kernel& k : SupportedKernels()) EXPECT_EQ(FastBlocks(k.scan, s, Dialect{}), 64u) << k.name;
  size_t at = s.find(",cc,", 200) + 2;
  s[at] = '"';  // in the middle of an unquoted field: no longer parity's to read
  for (const Kernel& k : SupportedKernels()) {
    if (k.scan != &ScanExact) {
      EXPECT_EQ(FastBlocks(k.scan, s, Dialect{}), at / kBlockBytes) << k.name;
    }
  }
}

TEST(Kernels, StateAfterFollowsTheExactRules) {
  const std::string s = "\"a\"\"b\",x\"y,\"z";
  std::vector<QuoteState> want = {QuoteState::kFieldStart, QuoteState::kQuoted,     QuoteState::kQuoted,
                                  QuoteState::kFieldStart, QuoteState::kQuoted,     QuoteState::kQuoted,
                                  QuoteState::kFieldStart, QuoteState::kFieldStart, QuoteState::kUnquoted,
                                  QuoteState::kUnquoted,   QuoteState::kUnquoted,   QuoteState::kFieldStart,
                                  QuoteState::kQuoted,     QuoteState::kQuoted};
  ASSERT_EQ(want.size(), s.size() + 1);
  for (size_t n = 0; n <= s.size(); ++n) {
    EXPECT_EQ(StateAfter(s.data(), n, ',', '\n', QuoteState::kFieldStart), want[n]) << n;
  }
}

TEST(Kernels, ThisMachineHasTheSimdKernels) {
  // The build machines have AVX2 and AVX-512; if they stop having them the
  // comparisons above silently test only the exact kernel, so say so.
  std::vector<Kernel> ks = SupportedKernels();
  EXPECT_STREQ(ks.front().name, "scalar");
  if (ks.size() < 3) GTEST_SKIP() << "this CPU lacks AVX2 or AVX-512; only " << ks.size() << " kernel(s) tested";
}

}  // namespace
}  // namespace fanout::csv
