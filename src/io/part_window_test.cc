#include "io/part_window.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace fanout::io {
namespace {

// Byte i of the imaginary object.
char ByteAt(uint64_t i) { return static_cast<char>('a' + (i * 7 + i / 13) % 26); }

std::string Expected(uint64_t begin, uint64_t end) {
  std::string s;
  for (uint64_t i = begin; i < end; ++i) s.push_back(ByteAt(i));
  return s;
}

// Reads every part and concatenates them.
Result<std::string> Drain(PartWindow* w) {
  std::string all;
  for (;;) {
    ASSIGN_OR_RETURN(std::string_view part, w->Next());
    if (part.empty()) return all;
    all.append(part);
  }
}

// A fetch that sleeps a random while (so parts finish out of order) and counts
// how many run at once.
struct Recorder {
  std::atomic<int> running{0}, peak{0}, calls{0};
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  std::mutex mu;

  PartWindow::Fetch Fetch(int max_sleep_us, int min_sleep_us = 0) {
    return [this, max_sleep_us, min_sleep_us](HttpClient*, uint64_t from, uint64_t to, std::string* out,
                                const std::atomic<bool>*) {
      int now = ++running;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      ++calls;
      {
        std::lock_guard<std::mutex> lock(mu);
        ranges.emplace_back(from, to);
      }
      thread_local std::mt19937 rng(std::random_device{}());
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(min_sleep_us, max_sleep_us)(rng)));
      out->append(Expected(from, to));
      --running;
      return Status::OK();
    };
  }
};

TEST(PartWindowTest, DeliversEveryByteInOrderForManyShapes) {
  FetchPool pool(6);
  for (uint64_t begin : {0, 1, 1000}) {
    for (uint64_t length : {0, 1, 63, 64, 65, 1000, 5000}) {
      for (uint64_t first : {1, 7, 64}) {
        for (uint64_t max_part : {1, 64, 4096}) {
          for (int window : {1, 2, 4, 9}) {
            Recorder rec;
            PartPlan plan{begin, begin + length, first, max_part, window};
            PartWindow w(&pool, rec.Fetch(length > 1000 ? 0 : 50), plan);
            Result<std::string> got = Drain(&w);
            ASSERT_TRUE(got.ok()) << got.status().message();
            ASSERT_EQ(*got, Expected(begin, begin + length))
                << "begin " << begin << " length " << length << " first " << first << " max " << max_part
                << " window " << window;
            EXPECT_LE(rec.peak.load(), window);
            // Parts tile the range exactly, none larger than allowed.
            std::sort(rec.ranges.begin(), rec.ranges.end());
            uint64_t at = begin;
            for (auto [from, to] : rec.ranges) {
              EXPECT_EQ(from, at);
              EXPECT_LE(to - from, std::max(first, max_part));
              at = to;
            }
            EXPECT_EQ(at, begin + length);
          }
        }
      }
    }
  }
}

TEST(PartWindowTest, KeepsTheWindowFullAfterTheFirstPart) {
  FetchPool pool(8);
  Recorder rec;
  PartPlan plan{0, 1 << 20, 1024, 16 << 10, 4};
  PartWindow w(&pool, rec.Fetch(5000, 2000), plan);
  ASSERT_TRUE(Drain(&w).ok());
  EXPECT_EQ(rec.peak.load(), 4);  // concurrency is reached, not only allowed
}

TEST(PartWindowTest, FirstPartIsFetchedAloneSoAHeaderReadCostsOneSmallRequest) {
  FetchPool pool(4);
  Recorder rec;
  {
    PartWindow w(&pool, rec.Fetch(0), PartPlan{0, 1 << 30, 64 << 10, 8 << 20, 4});
    Result<std::string_view> first = w.Next();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->size(), 64u << 10);
  }
  EXPECT_EQ(rec.calls.load(), 1);
}

TEST(PartWindowTest, AnEagerWindowStartsEveryPartAtOnce) {
  FetchPool pool(8);
  Recorder rec;
  PartPlan plan{0, 1 << 20, 64 << 10, 64 << 10, 4, /*eager=*/true};
  PartWindow w(&pool, rec.Fetch(20000, 5000), plan);
  ASSERT_TRUE(w.Next().ok());
  EXPECT_EQ(rec.peak.load(), 4);  // the first part had company from the start
}

TEST(PartWindowTest, AFailedPartIsReportedInItsTurnAndStays) {
  FetchPool pool(4);
  PartWindow::Fetch fetch = [](HttpClient*, uint64_t from, uint64_t to, std::string* out, const std::atomic<bool>*) {
    if (from >= 300) return Status::IoError("part at " + std::to_string(from) + " failed");
    out->append(Expected(from, to));
    return Status::OK();
  };
  PartWindow w(&pool, fetch, PartPlan{0, 1000, 100, 100, 3});
  std::string got;
  Status st;
  for (;;) {
    Result<std::string_view> p = w.Next();
    if (!p.ok()) {
      st = p.status();
      break;
    }
    ASSERT_FALSE(p->empty()) << "ended without reporting the failure";
    got.append(*p);
  }
  EXPECT_EQ(got, Expected(0, 300));  // everything before the failed part, nothing after
  EXPECT_NE(st.message().find("part at 300 failed"), std::string::npos) << st.message();
  EXPECT_FALSE(w.Next().ok());
}

TEST(PartWindowTest, ShortPartIsAnErrorNotMissingBytes) {
  FetchPool pool(2);
  PartWindow::Fetch fetch = [](HttpClient*, uint64_t from, uint64_t to, std::string* out, const std::atomic<bool>*) {
    out->append(Expected(from, to - 1));
    return Status::OK();
  };
  PartWindow w(&pool, fetch, PartPlan{0, 10, 10, 10, 1});
  EXPECT_FALSE(w.Next().ok());
}

TEST(PartWindowTest, DestroyingMidReadCancelsAndWaitsForRunningParts) {
  FetchPool pool(4);
  auto finished = std::make_shared<std::atomic<int>>(0);
  auto started = std::make_shared<std::atomic<int>>(0);
  PartWindow::Fetch fetch = [finished, started](HttpClient*, uint64_t from, uint64_t to, std::string* out,
                                                const std::atomic<bool>* cancel) {
    ++*started;
    if (from < 100) {
      out->append(Expected(from, to));
      ++*finished;
      return Status::OK();
    }
    // A slow transfer that notices cancellation, as HttpClient does.
    for (int i = 0; i < 5000 && !cancel->load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    out->append(Expected(from, to));
    ++*finished;
    return Status::OK();
  };
  auto t0 = std::chrono::steady_clock::now();
  {
    PartWindow w(&pool, fetch, PartPlan{0, 1 << 20, 10, 1000, 4});
    ASSERT_TRUE(w.Next().ok());  // the first part, alone
    ASSERT_TRUE(w.Next().ok());  // the window is now in flight, the parts past byte 100 slow
  }
  // Everything that started has finished by the time the destructor returned.
  EXPECT_EQ(finished->load(), started->load());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));  // cancelled, not waited out
}

}  // namespace
}  // namespace fanout::io
