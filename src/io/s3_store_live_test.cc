// S3Store against a real S3 server: run by tests/e2e/s3_store_test.sh, which
// starts s3rver and uploads the objects these tests expect; skipped without it
// (FANOUT_TEST_S3_ENDPOINT unset).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "io/fault_store.h"
#include "io/remote.h"
#include "io/store.h"

namespace fanout::io {
namespace {

// What s3_store_test.sh uploads to bucket FANOUT_TEST_S3_BUCKET.
constexpr char kKeyContent[] = "a,b\n1,2\n3,4\n";  // key.csv; key.csv.gz and key.csv/below hold other bytes

class S3StoreLive : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* endpoint = std::getenv("FANOUT_TEST_S3_ENDPOINT");
    const char* bucket = std::getenv("FANOUT_TEST_S3_BUCKET");
    if (endpoint == nullptr || bucket == nullptr) GTEST_SKIP() << "no S3 server (tests/e2e/s3_store_test.sh runs these)";
    RemoteOptions o;
    o.endpoint_url = endpoint;
    o.retry.max_attempts = 2;
    store_ = std::make_unique<S3Store>(o);
    base_ = std::string("s3://") + bucket + "/";
  }
  std::unique_ptr<S3Store> store_;
  std::string base_;
};

TEST_F(S3StoreLive, StatFindsTheKeyItselfAmongKeysItPrefixes) {
  Result<ObjectInfo> o = store_->Stat(base_ + "key.csv");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->url, base_ + "key.csv");
  EXPECT_EQ(o->size, sizeof(kKeyContent) - 1);
  EXPECT_FALSE(o->etag.empty());
  Result<std::vector<ObjectInfo>> listed = store_->List(base_ + "key.csv");  // the key and the folder below it
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].url, o->url);
  EXPECT_EQ((*listed)[0].etag, o->etag) << "stat and list agree on the version";
  Result<ObjectInfo> missing = store_->Stat(base_ + "key.cs");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().message();
  EXPECT_EQ(store_->Stat(base_ + "key.csv/").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(S3StoreLive, PutThenReadBack) {
  std::string url = base_ + "written/out.csv";
  ASSERT_TRUE(store_->Put(url, "x,y\n5,6\n").ok());
  Result<ObjectInfo> o = store_->Stat(url);
  ASSERT_TRUE(o.ok()) << o.status().message();
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(*store_, *o, 2);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<std::string> rest = ReadAll(s->get());
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(*rest, "y\n5,6\n");
}

// An object listed as another version than the server holds (rewritten since,
// as a FaultStore's stat says: one byte larger, another ETag) cannot be read as
// the version listed. (s3rver ignores If-Match, so the size tells here.)
TEST_F(S3StoreLive, AnObjectListedAsAnotherVersionIsAnError) {
  FaultStore faulty(store_.get(), {FaultRule::ChangedStat("key.csv")});
  Result<ObjectInfo> o = faulty.Stat(base_ + "key.csv");
  ASSERT_TRUE(o.ok()) << o.status().message();
  ASSERT_EQ(o->size, sizeof(kKeyContent));
  for (bool mapped : {false, true}) {
    Result<std::unique_ptr<ByteStream>> s = mapped ? OpenMapped(faulty, *o, 0, o->size) : OpenRaw(faulty, *o, 0);
    ASSERT_TRUE(s.ok()) << s.status().message();
    Result<std::string> all = ReadAll(s->get());
    ASSERT_FALSE(all.ok()) << "read a version other than the one listed";
    EXPECT_EQ(all.status().code(), StatusCode::kCorrupt);
    EXPECT_NE(all.status().message().find(base_ + "key.csv: changed while being read"), std::string::npos)
        << all.status().message();
  }
}

}  // namespace
}  // namespace fanout::io
