// Ec2Client: the few EC2 API actions `fanout cluster` needs, over the EC2 Query
// API (an HTTPS POST of form fields, signed with SigV4 for service "ec2", XML
// answers). The endpoint is https://ec2.REGION.amazonaws.com unless
// --endpoint-url, AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL names another (the
// aws cli's order), so any EC2-compatible API works.
//
// The Parse* functions turn an answer's bytes into structs and are pure: they
// are what the fuzzer (ec2_fuzz.cc) drives. An answer that is not what EC2
// sends is a Corrupt error, never a crash and never a half-filled struct
// passed off as complete.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/sigv4.h"

namespace fanout::cloud {

inline constexpr const char* kEc2ApiVersion = "2016-11-15";

// Tag keys fanout puts on everything it starts.
inline constexpr const char* kTagCluster = "fanout:cluster";
inline constexpr const char* kTagOwner = "fanout:owner";
inline constexpr const char* kTagCreated = "fanout:created";

struct Instance {
  std::string id;             // i-0123...
  std::string state;          // pending, running, shutting-down, terminated, stopping, stopped
  std::string state_reason;   // why it is not running (StateReason), when EC2 says
  std::string type;           // i3en.2xlarge
  std::string zone;           // us-east-1a
  std::string private_ip, public_ip;  // empty when it has none
  std::string launch_time;    // ISO 8601, as EC2 gives it
  std::string lifecycle;      // "spot" for a spot instance, else empty
  std::map<std::string, std::string> tags;
};

struct SpotPrice {
  std::string zone, type, product;
  double price = 0;        // USD per hour
  std::string timestamp;   // ISO 8601
};

// What RunInstances is asked for.
struct LaunchSpec {
  std::string image;          // ami-...
  std::string type;
  int count = 0;
  bool spot = false;
  std::string max_price;      // spot only; empty: up to the on-demand price
  std::string zone, subnet, key_name, iam_profile;
  std::vector<std::string> security_groups;
  std::string user_data;      // plain text; sent base64-encoded
  std::string client_token;   // makes a retried RunInstances start nothing twice
  std::map<std::string, std::string> tags;  // on the instances and their volumes
  bool terminate_on_shutdown = true;        // a machine that powers itself off stops costing
};

// Where the API is and who calls it.
struct Ec2Config {
  std::string endpoint;  // "https://ec2.us-east-1.amazonaws.com" or another origin
  std::string region;
  io::Credentials credentials;
};

// The endpoint for `region`: `flag` when given, else AWS_ENDPOINT_URL_EC2, else
// AWS_ENDPOINT_URL, else EC2's own. Without a trailing '/'. An endpoint that is
// not http(s)://HOST[:PORT] is an error naming where it came from.
Result<std::string> Ec2Endpoint(const std::string& flag, const std::string& region);

// Config from the flags and the environment (credentials as the aws cli finds
// them: environment, shared files, then the instance's profile). The region:
// `region_flag`, else the environment's and config's, else us-east-1.
Result<Ec2Config> Ec2ConfigFromEnvironment(const std::string& endpoint_flag, const std::string& region_flag);

class Ec2Client {
 public:
  explicit Ec2Client(Ec2Config config) : config_(std::move(config)) {}
  const Ec2Config& config() const { return config_; }

  // Sends Action with `params` (Version is added) and returns the answer's
  // body. Throttling and 5xx answers are retried with backoff; an error
  // answer becomes "EC2 Action: Code: Message".
  Result<std::string> Call(const std::string& action, io::QueryList params) const;

  Result<std::vector<Instance>> RunInstances(const LaunchSpec& spec) const;
  // Instances with these ids (all when empty) that carry tag `tag_key`=`tag_value` (when given).
  Result<std::vector<Instance>> DescribeInstances(const std::vector<std::string>& ids, const std::string& tag_key = "",
                                                  const std::string& tag_value = "") const;
  Status TerminateInstances(const std::vector<std::string>& ids) const;
  // Spot prices of `type` (Linux/UNIX) since `start_time` (ISO 8601; empty: only the current ones).
  Result<std::vector<SpotPrice>> SpotPriceHistory(const std::string& type, const std::string& start_time) const;
  // The newest image named like `name_pattern` (wildcards as EC2 takes them) owned by `owner`.
  Result<std::string> LatestImage(const std::string& owner, const std::string& name_pattern) const;

 private:
  Ec2Config config_;
};

// The form fields of RunInstances for `spec` (without Action and Version).
io::QueryList RunInstancesParams(const LaunchSpec& spec);

// Parsers of EC2's answers.
Result<std::vector<Instance>> ParseInstances(std::string_view xml);  // RunInstances or DescribeInstances
Result<std::vector<SpotPrice>> ParseSpotPrices(std::string_view xml);
Result<std::string> ParseNextToken(std::string_view xml);            // empty at the last page
// "Code: Message" of an error answer, or empty when `xml` is not one.
std::string ParseError(std::string_view xml);

// Seconds since the epoch of an ISO 8601 UTC time ("2026-12-03T11:22:33.000Z",
// with or without fractions); -1 when it is not one.
int64_t ParseIsoTime(std::string_view text);
std::string FormatIsoTime(int64_t seconds);

// Base64 (RFC 4648, with padding).
std::string Base64(std::string_view bytes);

}  // namespace fanout::cloud
