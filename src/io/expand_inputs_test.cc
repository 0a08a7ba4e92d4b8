// ExpandInputs: @FILE lists and brace patterns, as the shell would expand them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "io/store.h"

namespace fanout::io {
namespace {

std::vector<std::string> Expand(std::vector<std::string> in) {
  Result<std::vector<std::string>> r = ExpandInputs(in);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(ExpandInputs, RangesAndLists) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Expand({"a.csv", "s3://b/k"}), (V{"a.csv", "s3://b/k"}));
  EXPECT_EQ(Expand({"y_{2009..2011}.parquet"}), (V{"y_2009.parquet", "y_2010.parquet", "y_2011.parquet"}));
  EXPECT_EQ(Expand({"m{08..11}"}), (V{"m08", "m09", "m10", "m11"}));
  EXPECT_EQ(Expand({"m{3..1}"}), (V{"m3", "m2", "m1"}));
  EXPECT_EQ(Expand({"{a,b}-{1..2}"}), (V{"a-1", "a-2", "b-1", "b-2"}));
  EXPECT_EQ(Expand({"x{,y}"}), (V{"x", "xy"}));
  // Not patterns: kept as text.
  EXPECT_EQ(Expand({"a{b}c", "a{", "a}b", "{}"}), (V{"a{b}c", "a{", "a}b", "{}"}));
  std::vector<std::string> all =
      Expand({"https://h/trip-data/yellow_tripdata_{2009..2024}-{01..12}.parquet"});
  ASSERT_EQ(all.size(), 16u * 12u);
  EXPECT_EQ(all.front(), "https://h/trip-data/yellow_tripdata_2009-01.parquet");
  EXPECT_EQ(all[13], "https://h/trip-data/yellow_tripdata_2010-02.parquet");
  EXPECT_EQ(all.back(), "https://h/trip-data/yellow_tripdata_2024-12.parquet");
}

TEST(ExpandInputs, Errors) {
  EXPECT_FALSE(ExpandInputs({"{a..3}"}).ok());
  EXPECT_FALSE(ExpandInputs({"{1..1000000}"}).ok());
  EXPECT_FALSE(ExpandInputs({"{1..999}{1..999}"}).ok());
  Result<std::vector<std::string>> r = ExpandInputs({"@/nonexistent/list.txt"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/list.txt"), std::string::npos);
}

TEST(ExpandInputs, AtFileListsInputs) {
  std::string path = testing::TempDir() + "/expand_inputs_list.txt";
  {
    std::ofstream f(path);
    f << "# the months\n  a.csv  \r\n\nb_{1..2}.csv\n";
  }
  EXPECT_EQ(Expand({"x", "@" + path}), (std::vector<std::string>{"x", "a.csv", "b_1.csv", "b_2.csv"}));
  std::remove(path.c_str());
}

TEST(ListInputs, SkipMissingListsWhatDoesNotExist) {
  std::string dir = testing::TempDir() + "list_inputs_missing";
  std::remove((dir + "/m2.csv").c_str());
  ASSERT_TRUE(std::system(("mkdir -p '" + dir + "'").c_str()) == 0);
  for (const char* name : {"/m1.csv", "/m3.csv"}) std::ofstream(dir + name) << "a\n1\n";
  const std::vector<std::string> inputs = {dir + "/m{1..4}.csv"};
  // Without it, the first missing name is the error, naming it.
  Result<std::vector<ObjectInfo>> strict = ListInputs(*LocalFiles(), inputs);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), StatusCode::kNotFound);
  EXPECT_NE(strict.status().message().find("m2.csv"), std::string::npos) << strict.status().message();
  std::vector<std::string> missing;
  Result<std::vector<ObjectInfo>> got = ListInputs(*LocalFiles(), inputs, &missing);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].url, dir + "/m1.csv");
  EXPECT_EQ((*got)[1].url, dir + "/m3.csv");
  EXPECT_EQ(missing, (std::vector<std::string>{dir + "/m2.csv", dir + "/m4.csv"}));
  // Another error than "does not exist" is still an error; none existing is one too.
  missing.clear();
  Result<std::vector<ObjectInfo>> none = ListInputs(*LocalFiles(), {dir + "/n{1..3}.csv"}, &missing);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("none of the 3 inputs exists"), std::string::npos) << none.status().message();
  missing.clear();
  EXPECT_FALSE(ListInputs(*LocalFiles(), {dir + "/m1.csv", "{a..3}"}, &missing).ok());
}

}  // namespace
}  // namespace fanout::io
