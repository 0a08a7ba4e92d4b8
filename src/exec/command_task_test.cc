#include "exec/command_task.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "io/fault_store.h"

namespace fanout::exec {
namespace {

namespace fs = std::filesystem;

class CommandTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fanout-command-task-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  ObjectPlan Object(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    ObjectPlan o;
    o.info = io::ObjectInfo{path, content.size(), ""};
    return o;
  }

  static Task Whole(uint64_t size) {
    Task t;
    t.end = size;
    t.stored_bytes = size;
    return t;
  }

  // Running (a killed process may stay a zombie until its new parent reaps it).
  static bool Alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    size_t close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
  }

  std::string dir_;
};

// A command that overwrites a shipped file changes its own copy only: not the
// bytes fanout holds (the user's file, the cache entry), and not what the next
// task sees; and its directory goes with it.
TEST_F(CommandTaskTest, AShippedFileIsAPrivateReadOnlyCopyPerTask) {
  const std::string script = "print('original')\n";
  ObjectPlan o = Object("a.csv", "x\n");
  CommandOptions co;
  co.workdir = dir_;
  co.shipped = {{"t.py", &script}};
  co.cmd = "test ! -w t.py -o \"$(id -u)\" = 0 || exit 9; cat t.py; echo changed > t.py; pwd > ../where";
  CommandResult first = RunCommandTask(o, Whole(2), 0, co);
  ASSERT_TRUE(first.status.ok()) << first.status.message();
  EXPECT_EQ(first.output, script);
  CommandResult second = RunCommandTask(o, Whole(2), 1, co);
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_EQ(second.output, script) << "the second task saw the first one's change";
  EXPECT_EQ(script, "print('original')\n");
  std::ifstream where(dir_ + "/where");
  std::string task_dir;
  std::getline(where, task_dir);
  EXPECT_EQ(fs::path(task_dir).parent_path(), fs::path(dir_));
  EXPECT_FALSE(fs::exists(task_dir)) << "the task's directory was left behind";
}

TEST_F(CommandTaskTest, AShippedCopyIsNotWritableByMode) {
  const std::string script = "#!/bin/sh\necho hi\n";
  ObjectPlan o = Object("a.csv", "x\n");
  CommandOptions co;
  co.workdir = dir_;
  co.shipped = {{"tool", &script}};
  co.cmd = "stat -c %a tool; ./tool";
  CommandResult r = RunCommandTask(o, Whole(2), 0, co);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.output, "555\nhi\n");
}

TEST_F(CommandTaskTest, AShippedNameThatLeavesTheDirectoryIsRefused) {
  const std::string content = "x";
  ObjectPlan o = Object("a.csv", "x\n");
  for (const char* name : {"../escape", "..", "a/b", ""}) {
    CommandOptions co;
    co.workdir = dir_;
    co.shipped = {{name, &content}};
    co.cmd = "true";
    CommandResult r = RunCommandTask(o, Whole(2), 0, co);
    EXPECT_FALSE(r.status.ok()) << name;
    EXPECT_FALSE(r.command_failed) << name;
  }
  EXPECT_FALSE(fs::exists(fs::path(dir_).parent_path() / "escape"));
}

// The lines fed to the command are counted, a last one without its newline too.
TEST_F(CommandTaskTest, CountsTheLinesFedToTheCommand) {
  for (const auto& [content, lines] : std::vector<std::pair<std::string, uint64_t>>{
           {"a\nb\nc\n", 3}, {"a\nb\nc", 3}, {"", 0}, {"\n\n", 2}, {std::string(3 << 20, 'x') + "\ny\n", 2}}) {
    ObjectPlan o = Object("lines.csv", content);
    CommandOptions co;
    co.cmd = "wc -c >/dev/null";
    CommandResult r = RunCommandTask(o, Whole(content.size()), 0, co);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(r.lines, lines) << content.size() << " bytes";
  }
}

// A command's failure is its own class (retried once elsewhere); an input that
// cannot be read is not.
TEST_F(CommandTaskTest, ACommandThatExitsNonZeroIsACommandFailure) {
  ObjectPlan o = Object("a.csv", "x\n");
  CommandOptions co;
  co.cmd = "echo why >&2; exit 3";
  CommandResult r = RunCommandTask(o, Whole(2), 0, co);
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(r.command_failed);
  EXPECT_NE(r.status.message().find("status 3:\nwhy"), std::string::npos) << r.status.message();
  ObjectPlan gone = o;
  gone.info.url = dir_ + "/missing.csv";
  co.cmd = "cat";
  CommandResult missing = RunCommandTask(gone, Whole(2), 0, co);
  EXPECT_FALSE(missing.status.ok());
  EXPECT_FALSE(missing.command_failed);
}

// What a command leaves running in its process group when it exits, and a
// cancelled command's whole pipeline, end with the task.
TEST_F(CommandTaskTest, NoPartOfACommandOutlivesItsTask) {
  ObjectPlan o = Object("a.csv", "x\n");
  CommandOptions co;
  co.cmd = "sleep 1000 >/dev/null 2>&1 & echo $! > " + dir_ + "/bg";
  CommandResult r = RunCommandTask(o, Whole(2), 0, co);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  pid_t bg = 0;
  std::ifstream(dir_ + "/bg") >> bg;
  ASSERT_GT(bg, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(Alive(bg)) << "a background process of the command is still running";

  std::atomic<bool> cancel{false};
  co.cancel = &cancel;
  co.cmd = "trap '' TERM; echo $$ > " + dir_ + "/sh; sleep 1000 | sleep 1000";
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  CommandResult c = RunCommandTask(o, Whole(2), 0, co);
  stopper.join();
  EXPECT_FALSE(c.status.ok());
  EXPECT_FALSE(c.command_failed);
  EXPECT_NE(c.status.message().find("cancelled"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  pid_t sh = 0;
  std::ifstream(dir_ + "/sh") >> sh;
  ASSERT_GT(sh, 0);
  EXPECT_FALSE(Alive(sh));
  // The pipeline's sleeps were in the shell's group: none is left (a process
  // SIGKILLed a moment ago may still be on its way out: give it a second).
  std::ostringstream ps;
  for (int tries = 0; tries < 20; ++tries) {
    ps.str("");
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::ifstream stat(e.path() / "stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      // pid (comm) state ppid pgrp ...
      size_t close = line.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream rest(line.substr(close + 2));
      char state = 0;
      pid_t ppid = 0, pgrp = 0;
      rest >> state >> ppid >> pgrp;
      if (pgrp == sh && state != 'Z') ps << line << "\n";
    }
    if (ps.str().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(ps.str(), "") << "processes of the cancelled command's group are left";
}

// Regression: a stream that ended early fed the command a truncated input,
// and its output (of the rows before the cut) was the task's answer.
TEST_F(CommandTaskTest, AnInputThatEndsEarlyIsAnErrorNotAShorterOutput) {
  std::string content;
  for (int i = 0; i < 1000; ++i) content += std::to_string(i) + "\n";
  ObjectPlan o = Object("a.csv", content);
  io::FaultStore store(io::LocalFiles(), {io::FaultRule::ShortRead("a.csv", 1234)});
  CommandOptions co;
  co.cmd = "wc -l";
  co.store = &store;
  for (bool split : {false, true}) {
    co.split = split;
    Task t = Whole(content.size());
    t.ranges = split ? 2 : 1;  // a range of a split object is read raw, from its offset
    CommandResult r = RunCommandTask(o, t, 0, co);
    EXPECT_FALSE(r.status.ok()) << "split " << split << ": output " << r.output;
    EXPECT_FALSE(r.command_failed);
    EXPECT_NE(r.status.message().find(o.info.url + ": the read ended early"), std::string::npos) << r.status.message();
  }
  co.store = io::LocalFiles();  // the same object, read whole
  CommandResult whole = RunCommandTask(o, Whole(content.size()), 0, co);
  ASSERT_TRUE(whole.status.ok()) << whole.status.message();
  EXPECT_EQ(whole.output.substr(whole.output.find_first_not_of(' ')), "1000\n");
}

}  // namespace
}  // namespace fanout::exec
