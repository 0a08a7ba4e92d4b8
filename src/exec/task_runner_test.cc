#include "exec/task_runner.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <vector>

namespace fanout::exec {
namespace {

// Records the progress counter's value at every row.
class ProgressSampler final : public csv::RowSink {
 public:
  explicit ProgressSampler(const Progress* p) : progress_(p) {}
  Status OnRow(const csv::Row&) override {
    samples.push_back(progress_->bytes.load());
    return Status::OK();
  }
  std::vector<uint64_t> samples;

 private:
  const Progress* progress_;
};

// Regression: a compressed object is one task, and its bytes used to count only
// when it ended, so the progress line (and its ETA) stood still while it ran.
TEST(TaskRunnerTest, CompressedObjectProgressGrowsAsItIsRead) {
  char dir[] = "/tmp/fanout-task-test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/rows.csv.gz";
  {
    // Random digits compress little: several MB stored, read in many chunks.
    gzFile gz = gzopen(path.c_str(), "wb1");
    ASSERT_NE(gz, nullptr);
    std::mt19937_64 rng(7);
    std::string line;
    for (int i = 0; i < 200000; ++i) {
      line = std::to_string(rng()) + "," + std::to_string(rng()) + "\n";
      gzwrite(gz, line.data(), static_cast<unsigned>(line.size()));
    }
    gzclose(gz);
  }
  uint64_t stored = std::filesystem::file_size(path);
  ObjectPlan object{io::ObjectInfo{path, stored, ""}, io::Compression::kGzip};
  Task task{0, 0, 1, 0, std::numeric_limits<uint64_t>::max(), stored};
  Progress progress;
  ProgressSampler sampler(&progress);
  csv::RangeEnd end;
  Status st = ScanTask(object, task, csv::RangeStart{}, ScanOptions{}, &sampler, &progress, nullptr, &end);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(sampler.samples.size(), 200000u);
  EXPECT_EQ(progress.bytes.load(), stored);  // all of it, once
  uint64_t mid = sampler.samples[sampler.samples.size() / 2];
  EXPECT_GT(mid, stored / 4) << "halfway through the rows, bytes read should show";
  EXPECT_LT(mid, stored) << "halfway through the rows, not all bytes were read yet";
  EXPECT_LT(sampler.samples.front(), stored);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fanout::exec
