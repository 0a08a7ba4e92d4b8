// PartWindow with the real fetch (ranged GETs through libcurl, retried and
// resumed) against a real HTTP server on loopback: tests/s3/range_server.py,
// whose /half-bodies/ answers send half their body (rounded up) and close,
// /truncate-once/ answers do so three times per file, and /truncate/ answers
// always send half (so a part of one byte never arrives). part_window_test.cc covers the window's
// own logic with a fake fetch.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "io/object_store.h"
#include "io/remote.h"
#include "io/router_store.h"
#include "io/store.h"

extern char** environ;

namespace fanout::io {
namespace {

namespace fs = std::filesystem;

constexpr int kServerStartMs = 20000;  // python3 starting on a loaded machine
constexpr size_t kObjectBytes = 150 * 1000;

// Starts tests/s3/range_server.py serving `root` on a free loopback port and
// stops it (SIGTERM, then waits) when destroyed. It also exits by itself when
// this process is gone (--parent-pid).
class RangeServer {
 public:
  explicit RangeServer(const std::string& root) {
    std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    std::string script = std::string(FANOUT_SOURCE_DIR) + "/tests/s3/range_server.py";
    std::string parent = std::to_string(::getpid());
    std::vector<std::string> args = {python, script, "--root", root, "--port", "0", "--parent-pid", parent,
                                     "--max-seconds", "900"};
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    if (rc != 0) {
      pid_ = -1;
      ::close(out[0]);
      return;
    }
    port_ = ReadPort(out[0]);
    ::close(out[0]);
  }
  ~RangeServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  RangeServer(const RangeServer&) = delete;
  RangeServer& operator=(const RangeServer&) = delete;

  int port() const { return port_; }  // 0: it did not start

 private:
  // The first line the server prints: its port.
  static int ReadPort(int fd) {
    std::string line;
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, kServerStartMs) <= 0) return 0;
      char c;
      if (::read(fd, &c, 1) != 1) return 0;
      if (c == '\n') break;
      line.push_back(c);
    }
    return std::atoi(line.c_str());
  }

  pid_t pid_ = -1;
  int port_ = 0;
};

class PartWindowHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("fanout-part-window-http-" + std::to_string(::getpid())));
    fs::create_directories(*root_);
    content_ = new std::string;
    std::mt19937_64 rng(17);
    for (size_t i = 0; i < kObjectBytes; ++i) content_->push_back(static_cast<char>('!' + rng() % 90));
    std::ofstream(*root_ / "object.bin", std::ios::binary) << *content_;
    server_ = new RangeServer(root_->string());
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*root_);
    delete root_;
    delete content_;
  }
  void SetUp() override {
    ASSERT_GT(server_->port(), 0) << "tests/s3/range_server.py did not start";
    // Small parts, so one range is many GETs; quick retries, enough of them for
    // a part whose every GET is cut in half.
    store_ = MakeStoreWith(RetryPolicy{40, 1, 5});
  }

  static std::unique_ptr<Store> MakeStoreWith(RetryPolicy retry) {
    RemoteOptions options;
    options.part_bytes = 8 << 10;
    options.parts_in_flight = 4;
    options.connections = 4;
    options.retry = retry;
    return MakeStore(options);
  }

  // The object as served under /MODE/, listed (a HEAD request).
  ObjectInfo Listed(const std::string& mode) {
    std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/" + mode + "/object.bin";
    Result<std::vector<ObjectInfo>> listed = ListInputs(*store_, {url});
    EXPECT_TRUE(listed.ok()) << listed.status().message();
    if (!listed.ok() || listed->size() != 1) return {};
    EXPECT_EQ((*listed)[0].size, kObjectBytes);
    return (*listed)[0];
  }

  // Reads [offset, offset + length) through OpenMapped (the whole range ahead)
  // and [offset, end) through OpenRaw (one small part first), expecting the
  // file's bytes.
  void ExpectReads(const ObjectInfo& object, uint64_t offset, uint64_t length) {
    std::string what = object.url + " from " + std::to_string(offset);
    Result<std::unique_ptr<ByteStream>> ranged = OpenMapped(*store_, object, offset, length);
    ASSERT_TRUE(ranged.ok()) << what << ": " << ranged.status().message();
    Result<std::string> got = ReadAll(ranged->get());
    ASSERT_TRUE(got.ok()) << what << ": " << got.status().message();
    EXPECT_TRUE(*got == content_->substr(offset, length))
        << what << ", " << length << " bytes: " << got->size() << " bytes, not the file's";
    Result<std::unique_ptr<ByteStream>> tail = OpenRaw(*store_, object, offset);
    ASSERT_TRUE(tail.ok()) << what << ": " << tail.status().message();
    Result<std::string> rest = ReadAll(tail->get());
    ASSERT_TRUE(rest.ok()) << what << ": " << rest.status().message();
    EXPECT_TRUE(*rest == content_->substr(offset)) << what << " to the end: " << rest->size() << " bytes, not the file's";
  }

  std::unique_ptr<Store> store_;
  static fs::path* root_;
  static std::string* content_;
  static RangeServer* server_;
};

fs::path* PartWindowHttpTest::root_ = nullptr;
std::string* PartWindowHttpTest::content_ = nullptr;
RangeServer* PartWindowHttpTest::server_ = nullptr;

TEST_F(PartWindowHttpTest, ReadsEveryRangeFromACorrectServer) {
  ObjectInfo o = Listed("plain");
  for (auto [offset, length] : {std::pair<uint64_t, uint64_t>{0, kObjectBytes}, {1, 70001}, {65535, 3}, {100000, 50000}}) {
    ExpectReads(o, offset, length);
  }
}

// Every GET sends half of what it announced and closes: each part resumes from
// its last byte again and again, and the bytes come out whole and in order.
TEST_F(PartWindowHttpTest, ARangedGetResumesAfterEveryCutBody) {
  ObjectInfo o = Listed("half-bodies");
  for (auto [offset, length] : {std::pair<uint64_t, uint64_t>{0, kObjectBytes}, {1, 70001}, {8191, 8193}, {149000, 1000}}) {
    ExpectReads(o, offset, length);
  }
}

// The first three GETs of the object are cut, the rest are whole.
TEST_F(PartWindowHttpTest, ARangedGetResumesAfterAFewCutBodies) {
  ObjectInfo o = Listed("truncate-once");
  ExpectReads(o, 3, kObjectBytes - 3);
}

// A server that never sends a part's last byte, and retries that run out: an
// error naming the object, never fewer bytes.
TEST_F(PartWindowHttpTest, RetriesThatRunOutAreAnErrorNotAShortRead) {
  ObjectInfo o = Listed("truncate");
  store_ = MakeStoreWith(RetryPolicy{2, 1, 5});
  Result<std::unique_ptr<ByteStream>> s = OpenMapped(*store_, o, 0, kObjectBytes);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<std::string> got = ReadAll(s->get());
  ASSERT_FALSE(got.ok()) << "read " << got->size() << " bytes of a body cut every time";
  EXPECT_NE(got.status().message().find("object.bin"), std::string::npos) << got.status().message();
}

}  // namespace
}  // namespace fanout::io
