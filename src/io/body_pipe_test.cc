#include "io/body_pipe.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace fanout::io {
namespace {

// Byte i of the imaginary body.
char ByteAt(uint64_t i) { return static_cast<char>('a' + (i * 7 + i / 13) % 26); }

Result<std::string> Drain(BodyPipe* p) {
  std::string all;
  for (;;) {
    ASSIGN_OR_RETURN(std::string_view chunk, p->Next());
    if (chunk.empty()) return all;
    all.append(chunk);
  }
}

// A fetch that sends `total` bytes in chunks of `chunk` (an empty one first), then `end`.
BodyPipe::Fetch Sender(size_t total, size_t chunk, Status end = Status::OK()) {
  return [=](HttpClient*, const BodyPipe::Sink& sink, const std::atomic<bool>*) {
    std::string buf;
    if (!sink("", 0)) return Status::IoError("stopped");
    for (size_t at = 0; at < total; at += chunk) {
      buf.clear();
      for (size_t i = at; i < std::min(total, at + chunk); ++i) buf.push_back(ByteAt(i));
      if (!sink(buf.data(), buf.size())) return Status::IoError("stopped");
    }
    return end;
  };
}

std::string Expected(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(ByteAt(i));
  return s;
}

TEST(BodyPipe, DeliversEveryByteInOrder) {
  for (size_t bound : {1, 100, 1 << 20}) {
    BodyPipe pipe(Sender(100000, 777), bound);
    auto all = Drain(&pipe);
    ASSERT_TRUE(all.ok()) << all.status().message();
    EXPECT_EQ(*all, Expected(100000)) << "bound " << bound;
  }
}

TEST(BodyPipe, AnErrorComesAfterTheBytesBeforeItAndStays) {
  BodyPipe pipe(Sender(5000, 1000, Status::IoError("http://x/y: reset")), 1 << 20);
  std::string got;
  Status st;
  for (;;) {
    auto chunk = pipe.Next();
    if (!chunk.ok()) {
      st = chunk.status();
      break;
    }
    ASSERT_FALSE(chunk->empty()) << "an end before the error";
    got.append(*chunk);
  }
  EXPECT_EQ(got, Expected(5000));
  EXPECT_EQ(st.message(), "http://x/y: reset");
  EXPECT_FALSE(pipe.Next().ok());
}

TEST(BodyPipe, HoldsNoMoreThanItsBoundAhead) {
  std::atomic<size_t> sent{0};
  BodyPipe pipe(
      [&](HttpClient*, const BodyPipe::Sink& sink, const std::atomic<bool>*) {
        char block[100] = {};
        for (int i = 0; i < 1000; ++i) {
          if (!sink(block, sizeof block)) return Status::IoError("stopped");
          sent += sizeof block;
        }
        return Status::OK();
      },
      1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LE(sent.load(), 1000u);  // the fetch waits for the reader
  auto all = Drain(&pipe);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 100000u);
}

TEST(BodyPipe, DestroyingItStopsAFetchThatWaitsForTheReader) {
  std::atomic<bool> stopped{false};
  {
    BodyPipe pipe(
        [&](HttpClient*, const BodyPipe::Sink& sink, const std::atomic<bool>* cancel) {
          char block[100] = {};
          while (sink(block, sizeof block)) {
          }
          stopped = cancel->load();
          return Status::IoError("stopped");
        },
        1000);
    auto first = pipe.Next();
    ASSERT_TRUE(first.ok());
  }  // must not hang
  EXPECT_TRUE(stopped.load());
}

}  // namespace
}  // namespace fanout::io
