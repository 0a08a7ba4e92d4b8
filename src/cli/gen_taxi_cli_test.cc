// fanout gen-taxi's command line (cli::AddGenTaxiCommand): it writes the files
// it is asked for, and bad flags are usage errors, a path it cannot write a
// failure (exit status 1).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "cli/commands.h"
#include "core/temp_dir.h"

namespace fanout::cli {
namespace {

namespace fs = std::filesystem;

std::set<std::string> Names(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// Parses `args` as a fanout command line holding only gen-taxi.
void RunCli(std::vector<std::string> args) {
  CLI::App app{"test", "fanout"};
  app.require_subcommand(1);
  AddGenTaxiCommand(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order
  app.parse(args);
}

TEST(GenTaxiCli, WritesFilesAndRejectsBadFlags) {
  std::unique_ptr<OwnedTempDir> tmp = OwnedTempDir::Make(TempDirectory(), "fanout-gen-taxi-cli-test").value();
  auto sub = [&](const std::string& name) { return tmp->path() + "/" + name; };
  const std::string out = sub("cli");
  RunCli({"gen-taxi", "--out", out, "--files", "5", "--rows", "20", "--quiet", "--compress", "gz"});
  const std::set<std::string> files = Names(out);
  EXPECT_EQ(files.size(), 5u);
  EXPECT_TRUE(files.count("yellow_tripdata_2009-07.csv.gz"));

  EXPECT_THROW(RunCli({"gen-taxi", "--out", out, "--size", "2XB"}), CLI::ValidationError);
  EXPECT_THROW(RunCli({"gen-taxi", "--out", out, "--start", "2008-01"}), CLI::ValidationError);
  EXPECT_THROW(RunCli({"gen-taxi", "--out", out, "--compress", "bz2"}), CLI::ValidationError);
  EXPECT_THROW(RunCli({"gen-taxi", "--out", out, "--rows", "5", "--size", "1MB"}), CLI::ExcludesError);
  EXPECT_THROW(RunCli({"gen-taxi", "--out", out, "--files", "157"}), CLI::ValidationError);

  std::ofstream(sub("plain_file")) << "x";
  try {
    RunCli({"gen-taxi", "--out", sub("plain_file/sub"), "--rows", "5", "--quiet"});
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const CLI::RuntimeError& e) {
    EXPECT_EQ(e.get_exit_code(), 1);
  }
}

}  // namespace
}  // namespace fanout::cli
