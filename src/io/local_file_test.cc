#include "io/local_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "io/decompress.h"

namespace fanout::io {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/fanout-io-test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string p = path_ + "/" + name;
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The file as ListLocal sees it (size, modification time, inode).
ObjectInfo Listed(const std::string& path) {
  auto found = ListLocal({path});
  EXPECT_TRUE(found.ok()) << found.status().message();
  return found.ok() && found->size() == 1 ? (*found)[0] : ObjectInfo{path, 0, ""};
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Regression: reading an empty mapped file passed a null pointer to memcpy (UBSan).
TEST(MappedFileStream, EmptyFileReadsNothing) {
  TempDir d;
  std::string p = d.Write("empty.csv", "");
  auto s = MappedFileStream::Open(Listed(p), 0, 100);
  ASSERT_TRUE(s.ok());
  char buf[8];
  auto got = (*s)->Read(buf, sizeof buf);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 0u);
  EXPECT_TRUE((*s)->Mapped().empty());
}

TEST(MappedFileStream, MapsTheRequestedRangeClippedToTheEnd) {
  TempDir d;
  std::string data(10000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  std::string p = d.Write("f.csv", data);
  ObjectInfo f = Listed(p);
  auto s = MappedFileStream::Open(f, 5000, 100);  // not page-aligned
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Mapped(), std::string_view(data).substr(5000, 100));
  auto tail = MappedFileStream::Open(f, 9990, 1000);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ((*tail)->Mapped(), std::string_view(data).substr(9990));
}

std::string Letters(size_t n) {
  std::string s(n, 'x');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

bool SaysChanged(const Status& st, const std::string& path) {
  return st.code() == StatusCode::kCorrupt && st.message().find(path + ": changed while being read") == 0;
}

// Regression: a file truncated while mapped ended the process with SIGBUS, or gave
// a short answer with exit status 0.
TEST(MappedFileStream, TruncatedWhileMappedIsAnErrorNamingTheFile) {
  TempDir d;
  const size_t kSize = 1 << 20;
  std::string p = d.Write("big.csv", Letters(kSize));
  auto s = MappedFileStream::Open(Listed(p), 100, kSize);
  ASSERT_TRUE(s.ok()) << s.status().message();
  std::string_view m = (*s)->Mapped();
  ASSERT_EQ(m.size(), kSize - 100);
  ASSERT_TRUE((*s)->CheckUnchanged().ok());
  fs::resize_file(p, 4096);
  uint64_t sum = 0;  // the reader's way: touch every mapped byte in place
  for (char c : m) sum += static_cast<unsigned char>(c);
  EXPECT_GT(sum, 0u);
  Status st = (*s)->CheckUnchanged();
  EXPECT_TRUE(SaysChanged(st, p)) << st.message();
  EXPECT_NE(st.message().find("shrank to 4096 bytes"), std::string::npos) << st.message();
}

TEST(MappedFileStream, ReadOfATruncatedMappingFailsAtOnce) {
  TempDir d;
  const size_t kSize = 1 << 20;
  std::string p = d.Write("big.csv", Letters(kSize));
  auto s = MappedFileStream::Open(Listed(p), 0, kSize);
  ASSERT_TRUE(s.ok());
  fs::resize_file(p, 10);
  std::string buf(kSize, '\0');
  auto got = (*s)->Read(buf.data(), buf.size());
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(SaysChanged(got.status(), p)) << got.status().message();
}

TEST(MappedFileStream, AppendedWhileMappedIsAnError) {
  TempDir d;
  std::string p = d.Write("f.csv", Letters(5000));
  auto s = MappedFileStream::Open(Listed(p), 0, 5000);
  ASSERT_TRUE(s.ok());
  std::ofstream(p, std::ios::app) << "more\n";
  Status st = (*s)->CheckUnchanged();
  EXPECT_TRUE(SaysChanged(st, p)) << st.message();
  char buf[8192];
  ASSERT_TRUE((*s)->Read(buf, sizeof buf).ok());  // the mapped bytes are still the old ones
  auto end = (*s)->Read(buf, sizeof buf);  // but the end says the file is not what was read
  ASSERT_FALSE(end.ok());
  EXPECT_TRUE(SaysChanged(end.status(), p)) << end.status().message();
}

TEST(LocalFiles, AFileThatGrewOrShrankSinceListingIsAnErrorWhenOpened) {
  TempDir d;
  std::string p = d.Write("f.csv", "a,b\n1,2\n");
  ObjectInfo listed = Listed(p);
  std::ofstream(p, std::ios::app) << "3,4\n";
  for (auto open : {+[](const ObjectInfo& o) { return MappedFileStream::Open(o, 0, 100); },
                    +[](const ObjectInfo& o) { return LocalFileStream::Open(o, 0); }}) {
    auto s = open(listed);
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(SaysChanged(s.status(), p)) << s.status().message();
    EXPECT_NE(s.status().message().find("8 bytes when listed, 12 now"), std::string::npos) << s.status().message();
  }
  fs::resize_file(p, 2);
  EXPECT_TRUE(SaysChanged(OpenMapped(*LocalFiles(), listed, 0, 100).status(), p));
  // Listed by another machine (no modification time, no inode): the size still counts.
  ObjectInfo elsewhere{p, 8, ""};
  EXPECT_TRUE(SaysChanged(OpenRaw(*LocalFiles(), elsewhere, 0).status(), p));
}

TEST(LocalFiles, AFileReplacedSinceListingIsAnErrorEvenWithTheSameSizeAndTime) {
  TempDir d;
  std::string p = d.Write("f.csv", "a,b\n1,2\n");
  ObjectInfo listed = Listed(p);
  std::string q = d.Write("new.csv", "a,b\n7,8\n");
  struct timespec times[2] = {{0, UTIME_OMIT}, {0, 0}};
  times[1].tv_sec = listed.mtime_ns / 1000000000;
  times[1].tv_nsec = listed.mtime_ns % 1000000000;
  ASSERT_EQ(::utimensat(AT_FDCWD, q.c_str(), times, 0), 0);  // as `cp -p` would leave it
  fs::rename(q, p);
  auto s = OpenMapped(*LocalFiles(), listed, 0, 100);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(SaysChanged(s.status(), p)) << s.status().message();
  EXPECT_NE(s.status().message().find("replaced"), std::string::npos);
}

TEST(LocalFiles, AFileRewrittenSinceListingIsAnError) {
  TempDir d;
  std::string p = d.Write("f.csv", "a,b\n1,2\n");
  ObjectInfo listed = Listed(p);
  listed.mtime_ns -= 1;  // as if written again after listing (same size, later time)
  EXPECT_TRUE(SaysChanged(OpenRaw(*LocalFiles(), listed, 0).status(), p));
}

TEST(LocalFileStream, ShrinkingOrGrowingWhileStreamedIsAnErrorAtTheEnd) {
  TempDir d;
  std::string p = d.Write("f.csv", Letters(100000));
  auto s = OpenRaw(*LocalFiles(), Listed(p), 0);
  ASSERT_TRUE(s.ok());
  char buf[1000];
  ASSERT_TRUE((*s)->Read(buf, sizeof buf).ok());
  fs::resize_file(p, 50000);
  auto all = ReadAll(s->get());
  ASSERT_FALSE(all.ok());
  EXPECT_TRUE(SaysChanged(all.status(), p)) << all.status().message();

  std::string q = d.Write("g.csv", Letters(100000));
  auto g = OpenRaw(*LocalFiles(), Listed(q), 0);
  ASSERT_TRUE(g.ok());
  std::ofstream(q, std::ios::app) << "appended\n";
  auto grown = ReadAll(g->get());
  ASSERT_FALSE(grown.ok());
  EXPECT_TRUE(SaysChanged(grown.status(), q)) << grown.status().message();
}

TEST(LocalFileStream, AnUnchangedFileReadsToItsEnd) {
  TempDir d;
  std::string data = Letters(300000);
  std::string p = d.Write("f.csv", data);
  auto s = OpenRaw(*LocalFiles(), Listed(p), 0);
  ASSERT_TRUE(s.ok());
  auto all = ReadAll(s->get());
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(*all, data);
  EXPECT_TRUE((*s)->CheckUnchanged().ok());
}

TEST(MappedFileStream, WithoutAFreeGuardSlotItReadsTheSameBytesUnmapped) {
  TempDir d;
  std::string data = Letters(20000);
  std::string p = d.Write("f.csv", data);
  int fd = ::open(p.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::vector<std::unique_ptr<GuardedMapping>> taken;
  for (;;) {
    auto m = GuardedMapping::Map(fd, 0, 4096);
    if (m == nullptr) break;
    taken.push_back(std::move(m));
  }
  auto s = MappedFileStream::Open(Listed(p), 100, 5000);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE((*s)->Mapped().empty());
  auto got = ReadAll(s->get());
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, data.substr(100, 5000));
  taken.clear();
  ::close(fd);
}

TEST(ListLocal, DirectoriesGlobsAndErrorsNameThePath) {
  TempDir d;
  d.Write("b.csv", "1\n");
  d.Write("a.csv", "22\n");
  d.Write("sub/c.csv", "333\n");
  d.Write(".hidden.csv", "x\n");
  auto all = ListLocal({d.path()});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].url, d.path() + "/a.csv");
  EXPECT_EQ((*all)[0].size, 3u);
  EXPECT_EQ((*all)[2].url, d.path() + "/sub/c.csv");
  auto glob = ListLocal({d.path() + "/*.csv"});
  ASSERT_TRUE(glob.ok());
  EXPECT_EQ(glob->size(), 2u);
  auto missing = ListLocal({d.path() + "/nope.csv"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  auto nomatch = ListLocal({d.path() + "/*.tsv"});
  ASSERT_FALSE(nomatch.ok());
  EXPECT_NE(nomatch.status().message().find("*.tsv"), std::string::npos);
}

TEST(Decompress, ConcatenatedGzipMembersAndTruncation) {
  TempDir d;
  std::string both = Gzip("a,b\n1,2\n") + Gzip("3,4\n");
  std::string p = d.Write("x.gz", both);
  auto raw = LocalFileStream::Open(Listed(p), 0);
  ASSERT_TRUE(raw.ok());
  auto content = ReadAll(MakeDecompressor(std::move(raw).value(), Compression::kGzip, p).get());
  ASSERT_TRUE(content.ok()) << content.status().message();
  EXPECT_EQ(*content, "a,b\n1,2\n3,4\n");

  std::string cut = d.Write("cut.gz", both.substr(0, both.size() - 6));
  auto raw2 = LocalFileStream::Open(Listed(cut), 0);
  ASSERT_TRUE(raw2.ok());
  auto bad = ReadAll(MakeDecompressor(std::move(raw2).value(), Compression::kGzip, cut).get());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cut.gz"), std::string::npos);
}

}  // namespace
}  // namespace fanout::io
