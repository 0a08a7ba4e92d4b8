#include "io/fault_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fanout::io {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kContent[] = "a,b\n1,2\n3,4\n5,6\n7,8\n";  // 20 bytes
constexpr uint64_t kSize = sizeof(kContent) - 1;

class FaultStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fanout-fault-store-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    a_ = dir_ + "/a.csv";
    b_ = dir_ + "/b.csv";
    std::ofstream(a_, std::ios::binary) << kContent;
    std::ofstream(b_, std::ios::binary) << kContent;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The object as the local files list it.
  static ObjectInfo Listed(const std::string& path) {
    Result<ObjectInfo> o = LocalFiles()->Stat(path);
    EXPECT_TRUE(o.ok()) << o.status().message();
    return o.ok() ? *o : ObjectInfo{path, 0, ""};
  }

  // Everything the store's own stream (no length check) delivers from `offset`.
  static Result<std::string> ReadRaw(Store& store, const ObjectInfo& o, uint64_t offset) {
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> s, store.Open(o, offset, o.size, Access::kSequential));
    return ReadAll(s.get());
  }

  std::string dir_, a_, b_;
};

TEST_F(FaultStoreTest, AnOpenErrorNamesTheObjectAndFiresAsManyTimesAsAsked) {
  FaultStore store(LocalFiles(), {FaultRule::Error("a.csv", FaultOp::kOpen, "connection reset").Times(2)});
  for (int i = 0; i < 2; ++i) {
    Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, Listed(a_), 0);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kIoError);
    EXPECT_EQ(s.status().message(), a_ + ": connection reset");
  }
  Result<std::unique_ptr<ByteStream>> third = OpenRaw(store, Listed(a_), 0);  // used up: the object reads again
  ASSERT_TRUE(third.ok()) << third.status().message();
  EXPECT_EQ(ReadAll(third->get()).value(), kContent);
  Result<std::string> other = ReadRaw(store, Listed(b_), 0);  // never matched
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, kContent);
  EXPECT_EQ(store.Fired(0), 2);
}

TEST_F(FaultStoreTest, ListStatAndPutErrorsCarryTheirCode) {
  FaultStore store(LocalFiles(), {FaultRule::Error("a.csv", FaultOp::kList, "denied", StatusCode::kNotFound),
                                  FaultRule::Error("b.csv", FaultOp::kStat), FaultRule::Error("c.csv", FaultOp::kPut)});
  Result<std::vector<ObjectInfo>> listed = store.List(a_);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(listed.status().message(), a_ + ": denied");
  EXPECT_TRUE(store.List(b_).ok());  // only its Stat fails
  EXPECT_FALSE(store.Stat(b_).ok());
  EXPECT_TRUE(store.Stat(a_).ok());
  Status put = store.Put(dir_ + "/c.csv", "x\n");
  EXPECT_EQ(put.code(), StatusCode::kIoError);
  EXPECT_FALSE(fs::exists(dir_ + "/c.csv"));
  EXPECT_TRUE(store.Put(dir_ + "/d.csv", "x\n").ok());
  EXPECT_TRUE(fs::exists(dir_ + "/d.csv"));
}

TEST_F(FaultStoreTest, AShortReadEndsTheStreamAtItsByteAndTheLengthCheckSaysSo) {
  FaultStore store(LocalFiles(), {FaultRule::ShortRead("a.csv", 9)});
  // The store's own stream just ends, as a broken store's would...
  Result<std::string> raw = ReadRaw(store, Listed(a_), 4);
  ASSERT_TRUE(raw.ok()) << raw.status().message();
  EXPECT_EQ(*raw, std::string(kContent).substr(4, 5));
  // ...and the checked one turns that into an error naming the object.
  for (bool mapped : {false, true}) {
    Result<std::unique_ptr<ByteStream>> s =
        mapped ? OpenMapped(store, Listed(a_), 0, kSize) : OpenRaw(store, Listed(a_), 0);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_TRUE((*s)->Mapped().empty()) << "a faulty stream is read through Read";
    Result<std::string> all = ReadAll(s->get());
    ASSERT_FALSE(all.ok()) << "mapped " << mapped;
    EXPECT_EQ(all.status().code(), StatusCode::kIoError);
    EXPECT_EQ(all.status().message(), a_ + ": the read ended early, after 9 of the 20 bytes from byte 0");
  }
}

TEST_F(FaultStoreTest, AReadErrorComesAfterEveryByteBeforeIt) {
  FaultStore store(LocalFiles(), {FaultRule::ErrorAt("a.csv", 12, "reset by peer")});
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, Listed(a_), 0);
  ASSERT_TRUE(s.ok());
  std::string got;
  char buf[64];
  Status st;
  for (;;) {
    Result<size_t> n = (*s)->Read(buf, sizeof(buf));
    if (!n.ok()) {
      st = n.status();
      break;
    }
    ASSERT_GT(*n, 0u) << "the stream ended instead of failing";
    got.append(buf, *n);
  }
  EXPECT_EQ(got, std::string(kContent).substr(0, 12));
  EXPECT_EQ(st.message(), a_ + ": reset by peer");
  // A stream opened after the fault's byte fails at once.
  Result<std::string> later = ReadRaw(store, Listed(a_), 16);
  EXPECT_FALSE(later.ok());
}

TEST_F(FaultStoreTest, AStallDelaysTheReadThatReachesItsByteThenTheBytesAreTheSame) {
  FaultStore store(LocalFiles(), {FaultRule::Stall("a.csv", milliseconds(300), 8)});
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, Listed(a_), 0);
  ASSERT_TRUE(s.ok());
  Result<std::string> all = ReadAll(s->get());
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(*all, kContent);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  EXPECT_EQ(store.Fired(0), 1);  // once per stream, not per read
}

TEST_F(FaultStoreTest, ReleaseStallsEndsAStallAtOnce) {
  FaultStore store(LocalFiles(), {FaultRule::Stall("a.csv", std::chrono::hours(1))});
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, Listed(a_), 0);
  ASSERT_TRUE(s.ok());
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(100));
    store.ReleaseStalls();
  });
  auto start = std::chrono::steady_clock::now();
  Result<std::string> all = ReadAll(s->get());
  releaser.join();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, kContent);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(FaultStoreTest, AChangedStatIsRefusedByTheStoreThatHoldsTheObject) {
  FaultStore store(LocalFiles(), {FaultRule::ChangedStat("a.csv")});
  Result<ObjectInfo> now = store.Stat(a_);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->size, kSize + 1);
  Result<std::vector<ObjectInfo>> listed = store.List(dir_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].size, kSize + 1);  // a.csv
  EXPECT_EQ((*listed)[1].size, kSize);      // b.csv
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, (*listed)[0], 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(s.status().message().find(a_ + ": changed while being read"), std::string::npos) << s.status().message();
}

TEST_F(FaultStoreTest, ChangedBytesReadOtherDigitsAndCheckUnchangedSaysTheObjectChanged) {
  FaultStore store(LocalFiles(), {FaultRule::ChangedBytes("a.csv", 8)});
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, Listed(a_), 0);
  ASSERT_TRUE(s.ok());
  Result<std::string> all = ReadAll(s->get());
  ASSERT_TRUE(all.ok()) << "the bytes arrive; only CheckUnchanged can tell";
  EXPECT_EQ(*all, "a,b\n1,2\n4,5\n6,7\n8,9\n");
  Status st = (*s)->CheckUnchanged();
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_EQ(st.message(), a_ + ": changed while being read (injected: its bytes differ)");
}

TEST_F(FaultStoreTest, AnObjectNoRuleMatchesGetsTheInnerStoresOwnMappedStream) {
  FaultStore store(LocalFiles(), {FaultRule::ShortRead("a.csv", 1), FaultRule::ErrorAt("b.csv", 0).Times(1)});
  Result<std::unique_ptr<ByteStream>> b1 = OpenMapped(store, Listed(b_), 0, kSize);
  ASSERT_TRUE(b1.ok());
  EXPECT_TRUE((*b1)->Mapped().empty());
  EXPECT_FALSE(ReadAll(b1->get()).ok());
  Result<std::unique_ptr<ByteStream>> b2 = OpenMapped(store, Listed(b_), 0, kSize);  // its rule is used up
  ASSERT_TRUE(b2.ok());
  EXPECT_EQ((*b2)->Mapped(), kContent);
}

}  // namespace
}  // namespace fanout::io
