#include "core/subprocess.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "core/strings.h"

namespace fanout {
namespace {

// Reads the child's stdout and stderr to their ends.
void ReadAll(Child* c, std::string* out, std::string* err) {
  CloseFd(&c->in);
  char buf[4096];
  while (c->out >= 0 || c->err >= 0) {
    for (int* fd : {&c->out, &c->err}) {
      if (*fd < 0) continue;
      pollfd p{*fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::read(*fd, buf, sizeof(buf));
      if (n > 0) {
        (fd == &c->out ? out : err)->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EAGAIN) {
        CloseFd(fd);
      }
    }
  }
}

TEST(SpawnChild, AddsAndReplacesEnvironmentVariables) {
  setenv("FANOUT_SUBPROCESS_TEST_KEPT", "kept", 1);
  setenv("FANOUT_SUBPROCESS_TEST_REPLACED", "old", 1);
  SpawnOptions so;
  so.env = {{"FANOUT_SUBPROCESS_TEST_REPLACED", "new"}, {"FANOUT_SUBPROCESS_TEST_ADDED", "a=b"}};
  Result<Child> c = SpawnChild({"sh", "-c", "env | grep '^FANOUT_SUBPROCESS_TEST_' | sort"}, so);
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string out, err;
  ReadAll(&*c, &out, &err);
  EXPECT_EQ(WaitChild(c->pid), 0) << err;
  EXPECT_EQ(out,
            "FANOUT_SUBPROCESS_TEST_ADDED=a=b\nFANOUT_SUBPROCESS_TEST_KEPT=kept\n"
            "FANOUT_SUBPROCESS_TEST_REPLACED=new\n");
  EXPECT_STREQ(getenv("FANOUT_SUBPROCESS_TEST_REPLACED"), "old");  // ours is untouched
}

TEST(SpawnChild, AMissingDirectoryOrProgramIsSaidOnItsStderr) {
  SpawnOptions so;
  so.cwd = "/nonexistent/fanout-test";
  Result<Child> c = SpawnChild({"true"}, so);
  ASSERT_TRUE(c.ok());
  std::string out, err;
  ReadAll(&*c, &out, &err);
  EXPECT_EQ(WaitChild(c->pid), 127);
  EXPECT_EQ(err, "cannot enter /nonexistent/fanout-test: No such file or directory\n");
  Result<Child> d = SpawnChild({"fanout-no-such-program"});
  ASSERT_TRUE(d.ok());
  out.clear();
  err.clear();
  ReadAll(&*d, &out, &err);
  EXPECT_EQ(WaitChild(d->pid), 127);
  EXPECT_EQ(err, "cannot run fanout-no-such-program: No such file or directory\n");
}

// StopGroup ends a group whose members ignore SIGTERM, after the grace.
TEST(StopGroup, KillsWhatIgnoresSigterm) {
  Result<Child> c = SpawnChild({"sh", "-c", "trap '' TERM; sleep 1000 & sleep 1000; wait"});
  ASSERT_TRUE(c.ok());
  usleep(100 * 1000);
  auto start = std::chrono::steady_clock::now();
  StopGroup(c->pid, 300);
  int status = WaitChild(c->pid);
  EXPECT_EQ(status, 128 + SIGKILL);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  CloseFd(&c->in);
  CloseFd(&c->out);
  CloseFd(&c->err);
}

// --- PumpChild --------------------------------------------------------------

constexpr int kNoHangMs = 60000;  // a pump that deadlocks fails instead of hanging the suite

// `text` handed out in `chunk`-byte pieces.
std::function<Result<bool>(std::string*)> SourceOf(const std::string& text, size_t chunk) {
  auto at = std::make_shared<size_t>(0);
  return [&text, chunk, at](std::string* out) -> Result<bool> {
    if (*at == text.size()) return false;
    size_t n = std::min(chunk, text.size() - *at);
    out->assign(text, *at, n);
    *at += n;
    return true;
  };
}

std::function<Status(std::string_view)> AppendTo(std::string* s) {
  return [s](std::string_view bytes) {
    s->append(bytes);
    return Status::OK();
  };
}

// Bytes that are not all alike, so a piece out of order would show.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

// A child that writes all it reads to both stdout and stderr blocks as soon as
// a pipe fills unless all three are served at once.
TEST(PumpChild, LargeInputAndOutputAtOnceDoNotDeadlock) {
  const std::string input = Pattern(8 << 20);
  Result<Child> c = SpawnChild({"sh", "-c", "tee /dev/stderr"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string out, err, fed;
  PumpOptions o;
  o.source = SourceOf(input, 1 << 20);
  o.on_fed = [&fed](std::string_view s) { fed.append(s); };
  o.on_stdout = AppendTo(&out);
  o.on_stderr = AppendTo(&err);
  o.timeout_ms = kNoHangMs;
  Result<PumpResult> r = PumpChild(&*c, o);
  EndChild(&*c, false, 100);
  EXPECT_EQ(WaitChild(c->pid), 0);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->end, PumpEnd::kClosed);
  EXPECT_TRUE(r->all_fed);
  EXPECT_TRUE(out == input) << out.size() << " bytes out of " << input.size();
  EXPECT_TRUE(err == input) << err.size() << " bytes out of " << input.size();
  EXPECT_TRUE(fed == input);
}

TEST(PumpChild, KeepsTheEndOfStderr) {
  constexpr size_t kKeep = 100;
  Result<Child> c = SpawnChild({"sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x >&2; printf '\\nthe last words\\n' >&2"});
  ASSERT_TRUE(c.ok());
  std::string tail;
  size_t most = 0;
  PumpOptions o;
  o.on_stderr = [&](std::string_view s) {
    AppendTail(&tail, s, kKeep);
    most = std::max(most, tail.size());
    return Status::OK();
  };
  o.timeout_ms = kNoHangMs;
  Result<PumpResult> r = PumpChild(&*c, o);
  EndChild(&*c, false, 100);
  EXPECT_EQ(WaitChild(c->pid), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(LastLine(tail), "the last words");
  EXPECT_GE(tail.size(), kKeep);
  EXPECT_LE(most, 2 * kKeep + (1 << 16));  // never more than twice the tail and one read
}

// The pid in /proc/PID/stat's state: 'Z' for a zombie, '\0' when it is gone.
char ProcessState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return '\0';
  size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ? '\0' : line[paren + 2];
}

// A cancel ends the pump at once; EndChild then stops the whole group, the
// child's own children too.
TEST(PumpChild, CancelStopsTheProcessGroup) {
  Result<Child> c = SpawnChild({"sh", "-c", "sleep 1000 & echo $!; wait"});
  ASSERT_TRUE(c.ok());
  std::atomic<bool> cancel{false};
  std::string out;
  PumpOptions o;
  o.on_stdout = [&](std::string_view s) {
    out.append(s);
    if (out.find('\n') != std::string::npos) cancel.store(true);
    return Status::OK();
  };
  o.cancel = &cancel;
  o.poll_ms = 20;
  o.timeout_ms = kNoHangMs;
  auto start = std::chrono::steady_clock::now();
  Result<PumpResult> r = PumpChild(&*c, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->end, PumpEnd::kCancelled);
  EndChild(&*c, true, 500);
  EXPECT_EQ(WaitChild(c->pid), 128 + SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  pid_t sleeper = std::atoi(out.c_str());
  ASSERT_GT(sleeper, 0) << out;
  for (int i = 0; i < 200 && ProcessState(sleeper) != '\0' && ProcessState(sleeper) != 'Z'; ++i) usleep(10 * 1000);
  char state = ProcessState(sleeper);
  EXPECT_TRUE(state == '\0' || state == 'Z') << "the background sleep is still there, state " << state;
}

TEST(PumpChild, StopsAtItsTimeout) {
  Result<Child> c = SpawnChild({"sleep", "1000"});
  ASSERT_TRUE(c.ok());
  PumpOptions o;
  o.timeout_ms = 200;
  auto start = std::chrono::steady_clock::now();
  Result<PumpResult> r = PumpChild(&*c, o);
  auto took = std::chrono::steady_clock::now() - start;
  EndChild(&*c, true, 100);
  EXPECT_EQ(WaitChild(c->pid), 128 + SIGTERM);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->end, PumpEnd::kTimedOut);
  EXPECT_GE(took, std::chrono::milliseconds(190));
  EXPECT_LT(took, std::chrono::seconds(5));
}

// A child that stops reading its input (head) raised SIGPIPE in the feeding
// process, which ended any caller that had not set SIGPIPE aside (the command
// line does; a unit test does not). Now it is EPIPE: stdin is closed, the rest
// not asked for.
TEST(PumpChild, AChildThatStopsReadingRaisesNoSigpipe) {
  struct sigaction dfl = {}, old = {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, &old);
  const std::string input = Pattern(16 << 20);
  std::string out, err;
  Result<int> rc = RunCapture({"head", "-c", "10"}, input, &out, &err);
  sigaction(SIGPIPE, &old, nullptr);
  ASSERT_TRUE(rc.ok()) << rc.status().message();
  EXPECT_EQ(*rc, 0) << err;
  EXPECT_EQ(out, input.substr(0, 10));
}

TEST(PumpChild, SourceAndSinkErrorsStopIt) {
  Result<Child> c = SpawnChild({"cat"});
  ASSERT_TRUE(c.ok());
  PumpOptions o;
  o.source = [](std::string*) -> Result<bool> { return Status::IoError("the input broke"); };
  Result<PumpResult> r = PumpChild(&*c, o);
  EndChild(&*c, true, 100);
  WaitChild(c->pid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "the input broke");

  Result<Child> d = SpawnChild({"echo", "hello"});
  ASSERT_TRUE(d.ok());
  PumpOptions p;
  p.on_stdout = [](std::string_view) { return Status::Unsupported("too much output"); };
  Result<PumpResult> q = PumpChild(&*d, p);
  EndChild(&*d, true, 100);
  WaitChild(d->pid);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(), "too much output");
}

TEST(RunCapture, GivesExitStatusOutputAndErrors) {
  std::string out, err;
  Result<int> rc = RunCapture({"sh", "-c", "cat; echo oops >&2; exit 3"}, "some input\n", &out, &err);
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(*rc, 3);
  EXPECT_EQ(out, "some input\n");
  EXPECT_EQ(err, "oops\n");
  out.clear();
  err.clear();
  rc = RunCapture({"sh", "-c", "kill -KILL $$"}, "", &out, &err);
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(*rc, 128 + SIGKILL);
}

TEST(WaitChildFor, ReapsOnceItHasExited) {
  Result<Child> c = SpawnChild({"sh", "-c", "read x; exit 4"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(WaitChildFor(c->pid, 50), -1);  // still reading
  CloseFd(&c->in);
  EXPECT_EQ(WaitChildFor(c->pid, 10000), 4);
  CloseFd(&c->out);
  CloseFd(&c->err);
}

}  // namespace
}  // namespace fanout
