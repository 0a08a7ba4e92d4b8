#include "cli/report.h"

#include <gtest/gtest.h>

#include <limits>

namespace fanout::cli {
namespace {

// `n` objects of `size` bytes, each one task (compressed: unsplittable).
exec::Plan Objects(int n, uint64_t size, bool gzip) {
  exec::Plan p;
  for (int i = 0; i < n; ++i) {
    exec::ObjectPlan o;
    o.info = {"o" + std::to_string(i) + (gzip ? ".csv.gz" : ".csv"), size + static_cast<uint64_t>(i), ""};
    o.compression = gzip ? io::Compression::kGzip : io::Compression::kNone;
    p.objects.push_back(o);
    p.tasks.push_back({static_cast<uint32_t>(i), 0, 1, 0, std::numeric_limits<uint64_t>::max(), o.info.size});
    p.total_bytes += o.info.size;
  }
  return p;
}

TEST(DryRun, FewCompressedObjectsOnManySlots) {
  std::string text = DryRunText(Objects(4, 1000000, true), {{"h1", 3}, {"h2", 3}, {"h3", 3}, {"h4", 3}});
  EXPECT_NE(text.find("plan: 4 objects, 4 tasks, 4.00 MB on 4 hosts with 12 slots"), std::string::npos) << text;
  // Each host takes one task first (free cores anywhere before any extra slot).
  for (const char* h : {"  h1: 1 task,", "  h2: 1 task,", "  h3: 1 task,", "  h4: 1 task,"}) {
    EXPECT_NE(text.find(h), std::string::npos) << h << "\n" << text;
  }
  EXPECT_NE(text.find("fewer tasks than slots: 8 slots will have nothing to do"), std::string::npos) << text;
  EXPECT_NE(text.find("a compressed object cannot be split into ranges"), std::string::npos) << text;
  EXPECT_NE(text.find("3.00x the even share"), std::string::npos) << text;
}

TEST(DryRun, EvenWorkIsNoCriticalPath) {
  std::string text = DryRunText(Objects(24, 1000, false), {{"local", 4}});
  EXPECT_NE(text.find("on 1 host with 4 slots"), std::string::npos) << text;
  EXPECT_EQ(text.find("critical path"), std::string::npos) << text;
  EXPECT_EQ(text.find("fewer tasks"), std::string::npos) << text;
  EXPECT_NE(text.find("... and 4 more objects"), std::string::npos) << text;  // 20 listed
}

TEST(DryRun, OneLargeSplittableObjectGetsARangeSize) {
  exec::Plan p = Objects(3, 1000, false);
  exec::Plan big = Objects(1, 400u << 20, false);
  p.objects.push_back(big.objects[0]);
  p.tasks.insert(p.tasks.begin(), {3, 0, 1, 0, std::numeric_limits<uint64_t>::max(), big.objects[0].info.size});
  p.total_bytes += big.total_bytes;
  std::string text = DryRunText(p, {{"local", 4}});
  EXPECT_NE(text.find("the largest task is the critical path: split it (--range-size 64MiB"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace fanout::cli
