// The SigV4 signer against an independent one: botocore's, through
// tests/reference/sigv4_ref.py under Debian's /usr/bin/python3. Skipped (with a
// message) where botocore cannot be imported.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/sigv4.h"

namespace fanout::io {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kDate[] = "20150830T123600Z";

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool HaveBotocore() {
  std::string cmd = std::string(kPython) + " -c 'import botocore' 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

// Runs the oracle with `args` and returns its JSON answer.
nlohmann::json Oracle(const std::vector<std::string>& args) {
  std::string cmd = std::string(kPython) + " " + Quote(std::string(FANOUT_SOURCE_DIR) + "/tests/reference/sigv4_ref.py");
  for (const std::string& a : args) cmd += " " + Quote(a);
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
}

struct Case {
  const char* name;
  std::string bucket, key;
  QueryList query;
  HeaderList headers;
  std::string session_token;
};

class SigV4Oracle : public ::testing::TestWithParam<Case> {};

TEST_P(SigV4Oracle, SameAuthorizationAsBotocore) {
  if (!HaveBotocore()) GTEST_SKIP() << "botocore is not importable by " << kPython << "; install python3-botocore";
  const Case& c = GetParam();
  std::vector<std::string> args = {"--method", "GET", "--endpoint", "http://127.0.0.1:9000", "--bucket", c.bucket,
                                   "--key", c.key, "--addressing", "path", "--region", "us-east-1",
                                   "--access-key", "AKIDEXAMPLE", "--secret-key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                   "--timestamp", kDate, "--payload-hash", std::string(kEmptyPayloadSha256)};
  for (const auto& [k, v] : c.query) args.insert(args.end(), {"--param", k + "=" + v});
  for (const auto& [k, v] : c.headers) args.insert(args.end(), {"-H", k + ": " + v});
  if (!c.session_token.empty()) args.insert(args.end(), {"--session-token", c.session_token});
  nlohmann::json want = Oracle(args);
  ASSERT_TRUE(want.is_object() && want.contains("authorization")) << "the oracle gave no answer";

  SignRequest r;
  r.method = "GET";
  r.host = "127.0.0.1:9000";
  r.path = "/" + c.bucket + "/" + c.key;
  r.query = c.query;
  r.headers = c.headers;
  r.payload_sha256_hex = std::string(kEmptyPayloadSha256);
  Credentials cred{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", c.session_token};
  Result<SignedHeaders> got = SignV4(r, cred, "us-east-1", "s3", kDate);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->canonical_request, want["canonical_request"].get<std::string>());
  EXPECT_EQ(got->authorization, want["authorization"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(
    Requests, SigV4Oracle,
    ::testing::Values(
        Case{"RangedGet", "nyc-tlc", "trip data/yellow_tripdata_2019-01.csv", {}, {{"Range", "bytes=0-8388607"}}, ""},
        Case{"AwkwardKey", "nyc-tlc", "odd keys/a+b %c ü (1)~.csv", {}, {{"Range", "bytes=10-20"}}, ""},
        Case{"PinnedEtag", "nyc-tlc", "k.csv", {}, {{"Range", "bytes=0-9"}, {"If-Match", "\"9b2cf535f27731c974343645a3985328\""}}, ""},
        Case{"ListPage", "nyc-tlc", "", {{"list-type", "2"}, {"prefix", "trip data/yellow_"}}, {}, ""},
        Case{"ListContinued", "nyc-tlc", "",
             {{"list-type", "2"}, {"prefix", "trip data/"}, {"continuation-token", "1/a+b=c/=="}}, {}, "SESSIONTOKEN+/="}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace fanout::io
