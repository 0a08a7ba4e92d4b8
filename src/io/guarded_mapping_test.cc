#include "io/guarded_mapping.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace fanout::io {
namespace {

const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));

// A temporary file of `pages` pages, each filled with its own letter.
class PagedFile {
 public:
  explicit PagedFile(size_t pages) {
    char tmpl[] = "/tmp/fanout-guard-test.XXXXXX";
    fd_ = ::mkstemp(tmpl);
    path_ = tmpl;
    for (size_t i = 0; i < pages; ++i) {
      std::string page(kPage, static_cast<char>('a' + i % 26));
      EXPECT_EQ(::write(fd_, page.data(), page.size()), static_cast<ssize_t>(page.size()));
    }
  }
  ~PagedFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

// Regression: a file truncated while mapped ended the process with SIGBUS (exit 135).
TEST(GuardedMapping, PagesLostToTruncationReadAsZerosAndMarkTheMapping) {
  PagedFile f(4);
  auto m = GuardedMapping::Map(f.fd(), 0, 4 * kPage);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->data()[0], 'a');
  EXPECT_FALSE(m->faulted());
  ASSERT_EQ(::ftruncate(f.fd(), static_cast<off_t>(kPage)), 0);
  volatile const char* p = m->data();
  EXPECT_EQ(p[0], 'a');  // still inside the file
  EXPECT_FALSE(m->faulted());
  EXPECT_EQ(p[2 * kPage + 7], 0);  // past its new end: would be SIGBUS
  EXPECT_TRUE(m->faulted());
  EXPECT_EQ(p[3 * kPage], 0);
  EXPECT_EQ(p[4 * kPage - 1], 0);
}

TEST(GuardedMapping, OtherMappingsAreNotMarked) {
  PagedFile f(2), g(2);
  auto a = GuardedMapping::Map(f.fd(), 0, 2 * kPage);
  auto b = GuardedMapping::Map(g.fd(), kPage, kPage);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->data()[0], 'b');
  ASSERT_EQ(::ftruncate(g.fd(), 0), 0);
  EXPECT_EQ(static_cast<volatile const char*>(b->data())[1], 0);
  EXPECT_TRUE(b->faulted());
  EXPECT_FALSE(a->faulted());
  EXPECT_EQ(a->data()[kPage], 'b');
}

TEST(GuardedMapping, AFreshMappingInAReusedSlotIsNotMarked) {
  PagedFile f(2);
  {
    auto m = GuardedMapping::Map(f.fd(), 0, 2 * kPage);
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(::ftruncate(f.fd(), 0), 0);
    EXPECT_EQ(static_cast<volatile const char*>(m->data())[kPage], 0);
    EXPECT_TRUE(m->faulted());
  }
  PagedFile g(1);
  std::vector<std::unique_ptr<GuardedMapping>> all;  // enough to come round to every slot
  for (int i = 0; i < 5000; ++i) {
    auto m = GuardedMapping::Map(g.fd(), 0, kPage);
    if (m == nullptr) break;
    EXPECT_FALSE(m->faulted());
    all.push_back(std::move(m));
  }
}

TEST(GuardedMapping, WhenEverySlotIsTakenMapSaysSo) {
  PagedFile f(1);
  std::vector<std::unique_ptr<GuardedMapping>> all;
  for (int i = 0; i < 100000; ++i) {
    auto m = GuardedMapping::Map(f.fd(), 0, kPage);
    if (m == nullptr) {
      EXPECT_EQ(errno, EMFILE);
      break;
    }
    all.push_back(std::move(m));
  }
  EXPECT_GE(all.size(), 1024u);
  EXPECT_LT(all.size(), 100000u);
  all.pop_back();
  EXPECT_NE(GuardedMapping::Map(f.fd(), 0, kPage), nullptr);  // a freed slot is found again
}

// The handler only takes faults in guarded mappings: any other SIGBUS still ends
// the process.
TEST(GuardedMappingDeathTest, AFaultOutsideGuardedMappingsStillEndsTheProcess) {
  PagedFile f(2);
  auto guarded = GuardedMapping::Map(f.fd(), 0, kPage);  // installs the handler
  ASSERT_NE(guarded, nullptr);
  EXPECT_DEATH(
      {
        void* raw = ::mmap(nullptr, 2 * kPage, PROT_READ, MAP_PRIVATE, f.fd(), 0);
        if (raw == MAP_FAILED) ::_exit(0);
        if (::ftruncate(f.fd(), 0) != 0) ::_exit(0);
        volatile const char* p = static_cast<const char*>(raw);
        if (p[kPage] == 0) ::_exit(0);  // reached only if the fault was swallowed
        ::_exit(0);
      },
      "");
}

}  // namespace
}  // namespace fanout::io
