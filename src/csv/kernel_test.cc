#include "csv/kernel.h"

#include <gtest/gtest.h>

#include <random>

namespace fanout::csv {
namespace {

std::vector<uint32_t> ScanWith(ScanFn fn, const std::string& s, size_t from, size_t to, char delim, bool* q) {
  std::vector<uint32_t> out(to - from + 1);
  size_t k = fn(s.data() + from, to - from, static_cast<uint32_t>(from), delim, q, out.data());
  out.resize(k);
  return out;
}

// Every kernel must agree with the scalar reference on any input, split anywhere.
TEST(Kernels, AgreeWithScalarOnRandomInputsAtEverySplit) {
  std::mt19937_64 rng(1);
  const std::string alphabets[] = {"a,\"\n", "ab,,\"\"\n\r\t;", std::string("\0\xff,\"\n x", 8)};
  for (const Kernel& k : SupportedKernels()) {
    for (const std::string& alpha : alphabets) {
      for (int iter = 0; iter < 200; ++iter) {
        size_t n = rng() % 300;
        std::string s;
        for (size_t i = 0; i < n; ++i) s.push_back(alpha[rng() % alpha.size()]);
        char delim = iter % 3 == 0 ? ';' : ',';
        bool q0 = iter % 2;
        bool q_ref = q0;
        std::vector<uint32_t> ref = ScanWith(&ScanScalar, s, 0, n, delim, &q_ref);
        size_t split = n == 0 ? 0 : rng() % (n + 1);
        bool q = q0;
        std::vector<uint32_t> got = ScanWith(k.scan, s, 0, split, delim, &q);
        std::vector<uint32_t> rest = ScanWith(k.scan, s, split, n, delim, &q);
        got.insert(got.end(), rest.begin(), rest.end());
        ASSERT_EQ(got, ref) << k.name << " n=" << n << " split=" << split;
        ASSERT_EQ(q, q_ref) << k.name;
      }
    }
  }
}

TEST(Kernels, AdversarialBlocks) {
  // All quotes, all delimiters, quote at every block edge.
  std::vector<std::string> inputs = {std::string(200, '"'), std::string(200, ','), std::string(200, '\n')};
  std::string edges(256, 'x');
  for (size_t i = 63; i < edges.size(); i += 64) edges[i] = '"';
  for (size_t i = 0; i < edges.size(); i += 7) edges[i] = ',';
  inputs.push_back(edges);
  for (const Kernel& k : SupportedKernels()) {
    for (const std::string& s : inputs) {
      for (bool q0 : {false, true}) {
        bool a = q0, b = q0;
        EXPECT_EQ(ScanWith(k.scan, s, 0, s.size(), ',', &a), ScanWith(&ScanScalar, s, 0, s.size(), ',', &b)) << k.name;
        EXPECT_EQ(a, b) << k.name;
      }
    }
  }
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
