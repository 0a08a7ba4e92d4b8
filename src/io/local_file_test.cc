#include "io/local_file.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

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
  auto s = MappedFileStream::Open(p, 0, 100);
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
  auto s = MappedFileStream::Open(p, 5000, 100);  // not page-aligned
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Mapped(), std::string_view(data).substr(5000, 100));
  auto tail = MappedFileStream::Open(p, 9990, 1000);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ((*tail)->Mapped(), std::string_view(data).substr(9990));
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
  auto raw = LocalFileStream::Open(p, 0);
  ASSERT_TRUE(raw.ok());
  auto content = ReadAll(MakeDecompressor(std::move(raw).value(), Compression::kGzip, p).get());
  ASSERT_TRUE(content.ok()) << content.status().message();
  EXPECT_EQ(*content, "a,b\n1,2\n3,4\n");

  std::string cut = d.Write("cut.gz", both.substr(0, both.size() - 6));
  auto raw2 = LocalFileStream::Open(cut, 0);
  ASSERT_TRUE(raw2.ok());
  auto bad = ReadAll(MakeDecompressor(std::move(raw2).value(), Compression::kGzip, cut).get());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cut.gz"), std::string::npos);
}

}  // namespace
}  // namespace fanout::io
