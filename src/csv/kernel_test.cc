#include "csv/kernel.h"

#include <gtest/gtest.h>

#include <random>

namespace fanout::csv {
namespace {

struct Output {
  std::vector<uint64_t> nl, dl, in;
  uint64_t carry;
  bool operator==(const Output&) const = default;
};

// Scans s (a whole number of blocks) in two calls split at block `split`.
Output ScanWith(ScanFn fn, const std::string& s, size_t split, char delim, uint64_t carry) {
  size_t blocks = s.size() / kBlockBytes;
  Output o{std::vector<uint64_t>(blocks), std::vector<uint64_t>(blocks), std::vector<uint64_t>(blocks), carry};
  fn(s.data(), split, delim, &o.carry, BlockBits{o.nl.data(), o.dl.data(), o.in.data()});
  fn(s.data() + split * kBlockBytes, blocks - split, delim, &o.carry,
     BlockBits{o.nl.data() + split, o.dl.data() + split, o.in.data() + split});
  return o;
}

std::string RandomBlocks(std::mt19937_64& rng, const std::string& alphabet, size_t blocks) {
  std::string s;
  for (size_t i = 0; i < blocks * kBlockBytes; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
  return s;
}

// Every kernel must agree with the scalar reference on any input, split anywhere.
TEST(Kernels, AgreeWithScalarOnRandomInputsAtEverySplit) {
  std::mt19937_64 rng(1);
  const std::string alphabets[] = {"a,\"\n", "ab,,\"\"\n\r\t;", std::string("\0\xff,\"\n x", 8), "xxxxxxx\""};
  for (const Kernel& k : SupportedKernels()) {
    for (const std::string& alpha : alphabets) {
      for (int iter = 0; iter < 200; ++iter) {
        size_t blocks = rng() % 6;
        std::string s = RandomBlocks(rng, alpha, blocks);
        char delim = iter % 3 == 0 ? ';' : ',';
        uint64_t carry = iter % 2 ? ~uint64_t{0} : 0;
        size_t split = blocks == 0 ? 0 : rng() % (blocks + 1);
        ASSERT_EQ(ScanWith(k.scan, s, split, delim, carry), ScanWith(&ScanScalar, s, 0, delim, carry))
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
  for (const Kernel& k : SupportedKernels()) {
    for (const std::string& s : inputs) {
      for (uint64_t carry : {uint64_t{0}, ~uint64_t{0}}) {
        EXPECT_EQ(ScanWith(k.scan, s, 1, ',', carry), ScanWith(&ScanScalar, s, 0, ',', carry)) << k.name;
      }
    }
  }
}

TEST(Kernels, ScalarMarksStructuralsOutsideQuotesOnly) {
  std::string s = "a,\"b,\nc\",d\n";
  s.resize(kBlockBytes, 'x');
  Output o = ScanWith(&ScanScalar, s, 0, ',', 0);
  EXPECT_EQ(o.dl[0], (uint64_t{1} << 1) | (uint64_t{1} << 8));  // the commas at 1 and 8, not 4
  EXPECT_EQ(o.nl[0], uint64_t{1} << 10);                         // the newline at 10, not 5
  EXPECT_EQ(o.carry, 0u);
}

TEST(Kernels, ThisMachineHasTheSimdKernels) {
  // The build machines have AVX2 and AVX-512; if they stop having them the
  // comparisons above silently test only the scalar kernel, so say so.
  std::vector<Kernel> ks = SupportedKernels();
  EXPECT_STREQ(ks.front().name, "scalar");
  if (ks.size() < 3) GTEST_SKIP() << "this CPU lacks AVX2 or AVX-512; only " << ks.size() << " kernel(s) tested";
}

}  // namespace
}  // namespace fanout::csv
