#include "exec/plan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>

namespace fanout::exec {
namespace {

constexpr uint64_t kWhole = std::numeric_limits<uint64_t>::max();

ObjectPlan Object(const std::string& url, uint64_t size, io::Compression c = io::Compression::kNone) {
  return {io::ObjectInfo{url, size, ""}, c};
}

// The tasks of one object, by range number.
std::map<uint32_t, Task> RangesOf(const std::vector<Task>& tasks, uint32_t object) {
  std::map<uint32_t, Task> out;
  for (const Task& t : tasks) {
    if (t.object == object) {
      EXPECT_TRUE(out.emplace(t.range, t).second) << "range " << t.range << " twice";
    }
  }
  return out;
}

TEST(SplitIntoTasks, RangesTileTheObjectAndOnlyTheLastIsShort) {
  const uint64_t r = 1000;
  std::vector<Task> tasks = SplitIntoTasks({Object("a", 10 * r + 3)}, r);
  ASSERT_EQ(tasks.size(), 11u);
  std::map<uint32_t, Task> ranges = RangesOf(tasks, 0);
  ASSERT_EQ(ranges.size(), 11u);
  uint64_t at = 0;
  for (const auto& [i, t] : ranges) {
    EXPECT_EQ(t.ranges, 11u);
    EXPECT_EQ(t.begin, at) << "range " << i;
    EXPECT_EQ(t.end, i < 10 ? at + r : 10 * r + 3) << "range " << i;
    EXPECT_EQ(t.stored_bytes, t.end - t.begin) << "range " << i;
    at = t.end;
  }
  EXPECT_EQ(at, 10 * r + 3);
  EXPECT_EQ(ranges[10].stored_bytes, 3u);  // the last range is the short one
}

TEST(SplitIntoTasks, AnObjectOfAtMostOneRangeIsReadWhole) {
  const uint64_t r = 64;
  std::vector<Task> tasks = SplitIntoTasks({Object("empty", 0), Object("one", 1), Object("exact", r),
                                            Object("over", r + 1)},
                                           r);
  ASSERT_EQ(tasks.size(), 5u);
  for (uint32_t o : {0u, 1u, 2u}) {
    std::map<uint32_t, Task> ranges = RangesOf(tasks, o);
    ASSERT_EQ(ranges.size(), 1u) << o;
    EXPECT_EQ(ranges[0].ranges, 1u);
    EXPECT_EQ(ranges[0].begin, 0u);
    EXPECT_EQ(ranges[0].end, kWhole) << "a whole object is read to its end, whatever its size now";
  }
  std::map<uint32_t, Task> over = RangesOf(tasks, 3);
  ASSERT_EQ(over.size(), 2u);
  EXPECT_EQ(over[0].end, r);
  EXPECT_EQ(over[1].begin, r);
  EXPECT_EQ(over[1].end, r + 1);
  EXPECT_EQ(over[1].stored_bytes, 1u);
}

TEST(SplitIntoTasks, CompressedObjectsAreOneTaskWhateverTheirSize) {
  const uint64_t r = 100;
  std::vector<Task> tasks =
      SplitIntoTasks({Object("a.gz", 10 * r, io::Compression::kGzip), Object("b.zst", 3 * r + 1, io::Compression::kZstd),
                      Object("c.csv", 3 * r)},
                     r);
  EXPECT_EQ(RangesOf(tasks, 0).size(), 1u);
  EXPECT_EQ(RangesOf(tasks, 0)[0].end, kWhole);
  EXPECT_EQ(RangesOf(tasks, 0)[0].stored_bytes, 10 * r);
  EXPECT_EQ(RangesOf(tasks, 1).size(), 1u);
  EXPECT_EQ(RangesOf(tasks, 1)[0].stored_bytes, 3 * r + 1);
  EXPECT_EQ(RangesOf(tasks, 2).size(), 3u);
}

TEST(SplitIntoTasks, LargestFirstTiesInListingOrder) {
  const uint64_t r = 100;
  std::vector<Task> tasks = SplitIntoTasks({Object("small", 30), Object("big", 250), Object("gz", 500, io::Compression::kGzip),
                                            Object("also30", 30), Object("mid", 100)},
                                           r);
  std::vector<std::pair<uint32_t, uint32_t>> order;  // (object, range)
  for (const Task& t : tasks) order.emplace_back(t.object, t.range);
  std::vector<std::pair<uint32_t, uint32_t>> want = {{2, 0}, {1, 0}, {1, 1}, {4, 0}, {1, 2}, {0, 0}, {3, 0}};
  EXPECT_EQ(order, want);  // 500; 100, 100, 100 (listing order); 50; 30, 30 (listing order)
}

// Every byte of every object is owned by exactly one task, whatever the sizes.
TEST(SplitIntoTasks, EveryByteHasOneOwnerForRandomSizes) {
  std::mt19937_64 rng(12);
  for (int round = 0; round < 200; ++round) {
    uint64_t r = 1 + rng() % 50;
    std::vector<ObjectPlan> objects;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 6); i < n; ++i) objects.push_back(Object("o", rng() % 400));
    std::vector<Task> tasks = SplitIntoTasks(objects, r);
    for (size_t i = 1; i < tasks.size(); ++i) ASSERT_GE(tasks[i - 1].stored_bytes, tasks[i].stored_bytes);
    for (uint32_t o = 0; o < objects.size(); ++o) {
      uint64_t size = objects[o].info.size;
      std::vector<int> owners(size, 0);
      for (const auto& [i, t] : RangesOf(tasks, o)) {
        uint64_t end = std::min(t.end, size);
        ASSERT_LE(end - t.begin, r) << "a range longer than --range-size";
        for (uint64_t b = t.begin; b < end; ++b) ++owners[b];
      }
      for (uint64_t b = 0; b < size; ++b) ASSERT_EQ(owners[b], 1) << "byte " << b << " of " << size << ", range " << r;
    }
  }
}

// MakePlan is detection (I/O) plus SplitIntoTasks.
TEST(MakePlan, DetectsCompressionThenSplits) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("fanout-plan-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "plain.csv") << std::string(1000, 'x');
  std::ofstream(dir / "packed.csv.gz", std::ios::binary) << std::string("\x1f\x8b\x08\x00", 4) << std::string(996, 'z');
  std::vector<io::ObjectInfo> listed = {{(dir / "plain.csv").string(), 1000, ""},
                                        {(dir / "packed.csv.gz").string(), 1000, ""}};
  std::shared_ptr<io::Store> local(io::LocalFiles(), [](io::Store*) {});  // not ours to delete
  Result<Plan> plan = MakePlan(local, listed, 100);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->objects.size(), 2u);
  EXPECT_EQ(plan->objects[0].compression, io::Compression::kNone);
  EXPECT_EQ(plan->objects[1].compression, io::Compression::kGzip);
  EXPECT_EQ(plan->objects[0].format, "csv");  // the one format registered, and the one that claims all
  EXPECT_EQ(plan->objects[1].format, "csv");
  EXPECT_EQ(plan->total_bytes, 2000u);
  std::vector<Task> want = SplitIntoTasks(plan->objects, 100);
  ASSERT_EQ(plan->tasks.size(), want.size());
  EXPECT_EQ(plan->tasks.size(), 11u);  // 10 ranges of the plain file, the gzip file whole
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(plan->tasks[i].object, want[i].object);
    EXPECT_EQ(plan->tasks[i].begin, want[i].begin);
    EXPECT_EQ(plan->tasks[i].end, want[i].end);
  }
  Result<Plan> zero = MakePlan(local, listed, 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fanout::exec
