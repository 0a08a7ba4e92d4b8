#include "exec/task_runner.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <vector>

#include "io/fault_store.h"

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

// Counts rows and sums their first field (a whole number); the header is not a row.
class SumSink final : public csv::RowSink {
 public:
  Status OnRow(const csv::Row& row) override {
    if (row.offset == header_offset) return Status::OK();
    uint64_t v = 0;
    for (uint32_t i = row.begin; i < row.end && row.data[i] != ','; ++i) v = v * 10 + (row.data[i] - '0');
    sum += v;
    ++rows;
    return Status::OK();
  }
  uint64_t rows = 0, sum = 0;
  uint64_t header_offset = std::numeric_limits<uint64_t>::max();
};

// Objects to read through a FaultStore: rows "i,<padding>" for i below kRows,
// plain and gzipped.
class TaskFaultTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kRows = 3000;
  static constexpr uint64_t kRangeBytes = 8 << 10;

  void SetUp() override {
    char tmpl[] = "/tmp/fanout-task-fault-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string content = "n,pad\n";
    for (uint64_t i = 0; i < kRows; ++i) content += std::to_string(i) + ",xxxxxxxx\n";
    plain_ = dir_ + "/rows.csv";
    std::ofstream(plain_, std::ios::binary) << content;
    gz_ = dir_ + "/rows.csv.gz";
    gzFile gz = gzopen(gz_.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
    gzclose(gz);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::shared_ptr<io::Store> Unowned(io::Store* s) { return std::shared_ptr<io::Store>(s, [](io::Store*) {}); }

  // Plans `path` (listed and detected without faults) and runs every task
  // through `store`; the first failure, or OK with the totals in *sink.
  static Status RunAll(io::Store* store, const std::string& path, uint64_t range_bytes, SumSink* sink) {
    ASSIGN_OR_RETURN(std::vector<io::ObjectInfo> listed, io::ListInputs(*io::LocalFiles(), {path}));
    ASSIGN_OR_RETURN(Plan plan, MakePlan(Unowned(io::LocalFiles()), listed, range_bytes));
    return RunTasks(store, plan, sink);
  }

  static Status RunTasks(io::Store* store, const Plan& plan, SumSink* sink) {
    ScanOptions scan;
    scan.store = store;
    scan.header = csv::HeaderMode::kYes;
    scan.buffer_bytes = 4 << 10;
    scan.max_row_bytes = 64 << 10;
    for (const Task& t : plan.tasks) {
      const ObjectPlan& object = plan.objects[t.object];
      csv::RangeEnd end;
      ASSIGN_OR_RETURN(csv::HeaderInfo header, ReadObjectHeader(object, scan));
      sink->header_offset = header.present ? header.offset : std::numeric_limits<uint64_t>::max();
      RETURN_IF_ERROR(ScanTask(object, t, csv::RangeStart{}, scan, sink, nullptr, nullptr, &end));
    }
    return Status::OK();
  }

  // The fault's run: an error naming the object, not a smaller answer.
  static void ExpectErrorNaming(const Status& st, const SumSink& sink, const std::string& path) {
    EXPECT_FALSE(st.ok()) << "a fault gave an answer: " << sink.rows << " rows, sum " << sink.sum;
    EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
  }

  static constexpr uint64_t kSum = kRows * (kRows - 1) / 2;
  std::string dir_, plain_, gz_;
};

TEST_F(TaskFaultTest, WithoutFaultsEveryRangeReadsItsRows) {
  io::FaultStore store(io::LocalFiles(), {});
  for (uint64_t range_bytes : {kRangeBytes, std::numeric_limits<uint64_t>::max()}) {
    for (const std::string& path : {plain_, gz_}) {
      SumSink sink;
      Status st = RunAll(&store, path, range_bytes, &sink);
      ASSERT_TRUE(st.ok()) << st.message();
      EXPECT_EQ(sink.rows, kRows) << path;
      EXPECT_EQ(sink.sum, kSum) << path;
    }
  }
}

TEST_F(TaskFaultTest, AnOpenOrReadErrorIsAnErrorNamingTheObject) {
  for (const std::string& path : {plain_, gz_}) {
    uint64_t middle = std::filesystem::file_size(path) / 2;
    for (const io::FaultRule& rule : {io::FaultRule::Error("rows.csv", io::FaultOp::kOpen),
                                      io::FaultRule::ErrorAt("rows.csv", middle, "connection reset")}) {
      io::FaultStore store(io::LocalFiles(), {rule});
      SumSink sink;
      ExpectErrorNaming(RunAll(&store, path, kRangeBytes, &sink), sink, path);
    }
  }
}

// Regression: a store's stream that ended early was taken for the object's
// end, so the task counted the rows before it and reported success.
TEST_F(TaskFaultTest, AStreamThatEndsEarlyIsAnErrorNeverAShortAnswer) {
  uint64_t size = std::filesystem::file_size(plain_);
  for (uint64_t at : {uint64_t{100}, size / 2, size - 3}) {
    io::FaultStore store(io::LocalFiles(), {io::FaultRule::ShortRead("rows.csv", at)});
    // Ranges (the last ends at the object's end), one task of the whole object
    // (whose end the reader does not know), and a gzip stream.
    for (uint64_t range_bytes : {kRangeBytes, std::numeric_limits<uint64_t>::max()}) {
      for (const std::string& path : {plain_, gz_}) {
        if (path == gz_ && at >= std::filesystem::file_size(gz_)) continue;
        SumSink sink;
        ExpectErrorNaming(RunAll(&store, path, range_bytes, &sink), sink, path);
      }
    }
  }
}

TEST_F(TaskFaultTest, AStallDelaysTheTaskAndItsAnswerIsWhole) {
  io::FaultStore store(io::LocalFiles(),
                       {io::FaultRule::Stall("rows.csv", std::chrono::milliseconds(200),
                                             std::filesystem::file_size(plain_) / 2)});
  auto start = std::chrono::steady_clock::now();
  SumSink sink;
  Status st = RunAll(&store, plain_, std::numeric_limits<uint64_t>::max(), &sink);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(sink.rows, kRows);
  EXPECT_EQ(sink.sum, kSum);
}

TEST_F(TaskFaultTest, AnObjectThatChangedIsAnErrorNamingIt) {
  // Its bytes changed while a task read them (the digits it sees are others).
  io::FaultStore bytes(io::LocalFiles(), {io::FaultRule::ChangedBytes("rows.csv", 1000)});
  for (uint64_t range_bytes : {kRangeBytes, std::numeric_limits<uint64_t>::max()}) {
    for (const std::string& path : {plain_, gz_}) {
      SumSink sink;
      Status st = RunAll(&bytes, path, range_bytes, &sink);
      ExpectErrorNaming(st, sink, path);
      EXPECT_NE(st.message().find("changed while being read"), std::string::npos) << st.message();
    }
  }
  // It was rewritten since it was listed: the listing now says so.
  io::FaultStore stat(io::LocalFiles(), {io::FaultRule::ChangedStat("rows.csv")});
  Result<io::ObjectInfo> now = stat.Stat(plain_);
  ASSERT_TRUE(now.ok());
  Plan plan;
  plan.objects.push_back({*now, io::Compression::kNone});
  plan.tasks.push_back({0, 0, 1, 0, std::numeric_limits<uint64_t>::max(), now->size});
  SumSink sink;
  Status st = RunTasks(&stat, plan, &sink);
  ExpectErrorNaming(st, sink, plain_);
  EXPECT_NE(st.message().find("changed while being read"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace fanout::exec
