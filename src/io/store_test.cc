#include "io/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/remote.h"
#include "io/router_store.h"

namespace fanout::io {
namespace {

namespace fs = std::filesystem;

// A stream over fixed bytes, whatever the object's listed size says.
class FixedStream final : public ByteStream {
 public:
  explicit FixedStream(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, bytes_.size() - at_);
    std::copy_n(bytes_.data() + at_, k, buf);
    at_ += k;
    return k;
  }
  std::string_view Mapped() const override { return mapped_ ? std::string_view(bytes_).substr(at_) : ""; }
  bool mapped_ = false;

 private:
  std::string bytes_;
  size_t at_ = 0;
};

// A store whose every object holds `bytes` (and that records what it was asked).
class FixedStore final : public Store {
 public:
  explicit FixedStore(std::string bytes, bool mapped = false) : bytes_(std::move(bytes)), mapped_(mapped) {}
  Result<std::vector<ObjectInfo>> List(const std::string& pattern) override {
    calls.push_back("list " + pattern);
    return std::vector<ObjectInfo>{ObjectInfo{pattern, bytes_.size(), ""}};
  }
  Result<ObjectInfo> Stat(const std::string& url) override {
    calls.push_back("stat " + url);
    return ObjectInfo{url, bytes_.size(), ""};
  }
  Result<std::unique_ptr<ByteStream>> Open(const ObjectInfo& o, uint64_t offset, uint64_t, Access) override {
    calls.push_back("open " + o.url);
    auto s = std::make_unique<FixedStream>(bytes_.substr(std::min<size_t>(offset, bytes_.size())));
    s->mapped_ = mapped_;
    return std::unique_ptr<ByteStream>(std::move(s));
  }
  Status Put(const std::string& url, std::string_view) override {
    calls.push_back("put " + url);
    return Status::OK();
  }
  std::vector<std::string> calls;

 private:
  std::string bytes_;
  bool mapped_;
};

// Regression: a stream that ended before its range did read as an object that
// ended there, and a task over it gave a short answer with exit status 0.
TEST(OpenRaw, AStreamThatEndsBeforeTheObjectIsAnErrorNamingIt) {
  FixedStore store("0123456789");
  ObjectInfo listed{"s3://b/k.csv", 15, ""};  // listed larger than what the store delivers
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, listed, 2);
  ASSERT_TRUE(s.ok());
  Result<std::string> all = ReadAll(s->get());
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kIoError);
  EXPECT_EQ(all.status().message(), "s3://b/k.csv: the read ended early, after 8 of the 13 bytes from byte 2");
}

TEST(OpenRaw, AStreamThatRunsPastTheObjectIsAnError) {
  FixedStore store("0123456789");
  Result<std::unique_ptr<ByteStream>> s = OpenRaw(store, ObjectInfo{"x.csv", 6, ""}, 0);
  ASSERT_TRUE(s.ok());
  Result<std::string> all = ReadAll(s->get());
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(all.status().message(), "x.csv: the read delivered more than the 6 bytes from byte 0");
}

TEST(OpenMapped, MappedBytesPassOnlyWhenTheyAreTheWholeRange) {
  FixedStore exact("0123456789", /*mapped=*/true);
  Result<std::unique_ptr<ByteStream>> s = OpenMapped(exact, ObjectInfo{"x.csv", 10, ""}, 4, 100);  // clipped: 6
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Mapped(), "456789");
  FixedStore longer("0123456789", /*mapped=*/true);
  s = OpenMapped(longer, ObjectInfo{"x.csv", 10, ""}, 4, 3);  // the store maps more than [4, 7)
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->Mapped().empty()) << "read, so that the length is checked";
  EXPECT_FALSE(ReadAll(s->get()).ok());
}

TEST(OpenMapped, ALocalFileIsMappedThroughTheCheck) {
  char tmpl[] = "/tmp/fanout-store-test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string p = std::string(tmpl) + "/a.csv";
  std::ofstream(p, std::ios::binary) << "a,b\n1,2\n";
  Result<ObjectInfo> o = LocalFiles()->Stat(p);
  ASSERT_TRUE(o.ok());
  Result<std::unique_ptr<ByteStream>> s = OpenMapped(*LocalFiles(), *o, 2, 100);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Mapped(), "b\n1,2\n");
  fs::remove_all(tmpl);
}

TEST(ListInputs, ListsEachArgumentInOrderWithoutDuplicates) {
  FixedStore store("x");
  Result<std::vector<ObjectInfo>> all = ListInputs(store, {"b", "a", "b"});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].url, "b");
  EXPECT_EQ((*all)[1].url, "a");
}

TEST(RouterStore, EachUrlGoesToTheStoreOfItsScheme) {
  FixedStore local("l"), s3("s"), http("h");
  RouterStore router(&local, &s3, &http);
  ASSERT_TRUE(router.List("data/x.csv").ok());
  ASSERT_TRUE(router.Stat("s3://b/k").ok());
  ASSERT_TRUE(router.Open(ObjectInfo{"https://h/x", 1, ""}, 0, 1, Access::kSequential).ok());
  ASSERT_TRUE(router.Open(ObjectInfo{"http://h/y", 1, ""}, 0, 1, Access::kWholeRange).ok());
  ASSERT_TRUE(router.Put("s3://b/out", "z").ok());
  ASSERT_TRUE(router.List("stage://s").ok());  // no scheme of its own: a local path
  EXPECT_EQ(local.calls, (std::vector<std::string>{"list data/x.csv", "list stage://s"}));
  EXPECT_EQ(s3.calls, (std::vector<std::string>{"stat s3://b/k", "put s3://b/out"}));
  EXPECT_EQ(http.calls, (std::vector<std::string>{"open https://h/x", "open http://h/y"}));
}

TEST(LocalStore, StatPutAndTheUrlsItRefuses) {
  char tmpl[] = "/tmp/fanout-store-test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  Store& files = *LocalFiles();
  ASSERT_TRUE(files.Put(dir + "/out.csv", "1,2\n").ok());
  Result<ObjectInfo> o = files.Stat(dir + "/out.csv");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->size, 4u);
  EXPECT_NE(o->mtime_ns, 0);
  EXPECT_EQ(files.Stat(dir + "/missing.csv").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(files.Stat(dir).status().message(), dir + ": is a directory, not a file");
  for (const char* url : {"s3://b/k", "http://h/x", "https://h/x"}) {
    EXPECT_EQ(files.List(url).status().message(), std::string(url) + ": not a local file (this store reads local "
                                                                     "files only)");
    EXPECT_EQ(files.Open(ObjectInfo{url, 1, ""}, 0, 1, Access::kSequential).status().code(),
              StatusCode::kInvalidArgument);
  }
  fs::remove_all(dir);
}

TEST(RemoteStores, RefuseUrlsOfOtherSchemesWithoutARequest) {
  std::shared_ptr<RemoteContext> context = MakeRemoteContext(RemoteOptions{});
  S3Store s3(context);
  HttpStore http(context);
  EXPECT_EQ(s3.Open(ObjectInfo{"https://h/x", 1, ""}, 0, 1, Access::kSequential).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(http.Open(ObjectInfo{"s3://b/k", 1, ""}, 0, 1, Access::kSequential).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(http.Stat("data/x.csv").status().code(), StatusCode::kInvalidArgument);
  Status put = http.Put("https://u:p@h/x", "z");
  EXPECT_EQ(put.code(), StatusCode::kUnsupported);
  EXPECT_EQ(put.message(), "https://***@h/x: http(s) objects cannot be written");
}

}  // namespace
}  // namespace fanout::io
