#include "cloud/ec2.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

#include "cloud/cluster_record.h"
#include "cloud/cost.h"
#include "core/bytes.h"

namespace fanout::cloud {
namespace {

// Shaped as EC2 answers (API version 2016-11-15): the documented examples,
// cut to the fields read and padded with ones that are not.
constexpr char kDescribe[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone><tenancy>default</tenancy></placement>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <ipAddress>54.194.252.215</ipAddress>
          <instanceLifecycle>spot</instanceLifecycle>
          <tagSet>
            <item><key>fanout:cluster</key><value>taxi</value></item>
            <item><key>Name</key><value>fanout-taxi &amp; co</value></item>
          </tagSet>
        </item>
        <item>
          <instanceId>i-0598c7d356eba48d7</instanceId>
          <instanceState><code>48</code><name>terminated</name></instanceState>
          <stateReason><code>Server.SpotInstanceTermination</code><message>Server.SpotInstanceTermination: Spot instance termination</message></stateReason>
          <instanceType>t2.micro</instanceType>
          <placement><availabilityZone>eu-west-1a</availabilityZone></placement>
        </item>
      </instancesSet>
    </item>
    <item>
      <reservationId>r-2</reservationId>
      <instancesSet>
        <item>
          <instanceId>i-3</instanceId>
          <instanceState><code>0</code><name>pending</name></instanceState>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>page-2</nextToken>
</DescribeInstancesResponse>)";

TEST(ParseInstances, EveryReservationsInstancesWithTheirFields) {
  Result<std::vector<Instance>> r = ParseInstances(kDescribe);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  const Instance& a = (*r)[0];
  EXPECT_EQ(a.id, "i-1234567890abcdef0");
  EXPECT_EQ(a.state, "running");
  EXPECT_EQ(a.type, "t2.micro");
  EXPECT_EQ(a.zone, "eu-west-1c");
  EXPECT_EQ(a.private_ip, "192.168.1.88");
  EXPECT_EQ(a.public_ip, "54.194.252.215");
  EXPECT_EQ(a.launch_time, "2018-05-08T16:46:19.000Z");
  EXPECT_EQ(a.lifecycle, "spot");
  EXPECT_EQ(a.tags.at("fanout:cluster"), "taxi");
  EXPECT_EQ(a.tags.at("Name"), "fanout-taxi & co");
  EXPECT_EQ((*r)[1].state, "terminated");
  EXPECT_EQ((*r)[1].state_reason, "Server.SpotInstanceTermination: Spot instance termination");
  EXPECT_TRUE((*r)[1].public_ip.empty());
  EXPECT_EQ((*r)[2].id, "i-3");
  EXPECT_EQ((*r)[2].state, "pending");
  EXPECT_EQ(*ParseNextToken(kDescribe), "page-2");
}

TEST(ParseInstances, RunInstancesAnswersListInstancesDirectly) {
  std::string xml = R"(<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><reservationId>r-1</reservationId>
    <instancesSet><item><instanceId>i-a</instanceId><instanceState><name>pending</name></instanceState></item>
    <item><instanceId>i-b</instanceId><instanceState><name>pending</name></instanceState></item></instancesSet>
    </RunInstancesResponse>)";
  Result<std::vector<Instance>> r = ParseInstances(xml);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].id, "i-b");
  EXPECT_EQ(*ParseNextToken(xml), "");
}

TEST(ParseInstances, WhatIsNotAnInstanceListIsAnError) {
  for (const char* bad : {"", "not xml", "<Other/>", "<DescribeInstancesResponse><reservationSet><item><instancesSet>"
                          "<item><instanceState><name>running</name></instanceState></item></instancesSet></item>"
                          "</reservationSet></DescribeInstancesResponse>",
                          "<RunInstancesResponse><instancesSet><item><instanceId>i-1</instanceId></item>"
                          "</instancesSet></RunInstancesResponse>"}) {
    Result<std::vector<Instance>> r = ParseInstances(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_EQ(r.status().code(), StatusCode::kCorrupt) << bad;
  }
}

TEST(ParseSpotPrices, PricesAndTheirZonesAndTimes) {
  std::string xml = R"(<DescribeSpotPriceHistoryResponse><spotPriceHistorySet>
    <item><instanceType>i3en.2xlarge</instanceType><productDescription>Linux/UNIX</productDescription>
      <spotPrice>0.271200</spotPrice><timestamp>2026-12-01T10:00:00.000Z</timestamp><availabilityZone>us-east-1a</availabilityZone></item>
    <item><instanceType>i3en.2xlarge</instanceType><productDescription>Linux/UNIX</productDescription>
      <spotPrice>0.3001</spotPrice><timestamp>2026-11-30T10:00:00Z</timestamp><availabilityZone>us-east-1b</availabilityZone></item>
    </spotPriceHistorySet></DescribeSpotPriceHistoryResponse>)";
  Result<std::vector<SpotPrice>> r = ParseSpotPrices(xml);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].zone, "us-east-1a");
  EXPECT_DOUBLE_EQ((*r)[0].price, 0.2712);
  EXPECT_DOUBLE_EQ((*r)[1].price, 0.3001);
  for (const char* bad : {"abc", "-1", "", "nan", "0.1x"}) {
    std::string b = "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><spotPrice>" + std::string(bad) +
                    "</spotPrice><timestamp>2026-12-01T10:00:00Z</timestamp></item></spotPriceHistorySet>"
                    "</DescribeSpotPriceHistoryResponse>";
    EXPECT_FALSE(ParseSpotPrices(b).ok()) << bad;
  }
}

TEST(ParseError, TheCodeAndMessageOfAnErrorAnswer) {
  EXPECT_EQ(ParseError("<Response><Errors><Error><Code>InsufficientInstanceCapacity</Code><Message>We currently do not "
                       "have sufficient capacity</Message></Error></Errors><RequestID>x</RequestID></Response>"),
            "InsufficientInstanceCapacity: We currently do not have sufficient capacity");
  EXPECT_EQ(ParseError("<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>"), "AuthFailure");
  EXPECT_EQ(ParseError("garbage"), "");
}

TEST(RunInstancesParams, SpotTagsAndEveryOptionAsEc2NamesThem) {
  LaunchSpec s;
  s.image = "ami-1";
  s.type = "i3en.2xlarge";
  s.count = 12;
  s.spot = true;
  s.max_price = "0.30";
  s.zone = "us-east-1a";
  s.subnet = "subnet-1";
  s.key_name = "k";
  s.iam_profile = "s3-readonly";
  s.security_groups = {"sg-1", "sg-2"};
  s.user_data = "foo";
  s.tags = {{"fanout:cluster", "taxi"}};
  io::QueryList p = RunInstancesParams(s);
  std::map<std::string, std::string> m(p.begin(), p.end());
  EXPECT_EQ(m.size(), p.size()) << "a field given twice";
  EXPECT_EQ(m["MinCount"], "12");
  EXPECT_EQ(m["MaxCount"], "12");
  EXPECT_EQ(m["InstanceMarketOptions.MarketType"], "spot");
  EXPECT_EQ(m["InstanceMarketOptions.SpotOptions.MaxPrice"], "0.30");
  EXPECT_EQ(m["Placement.AvailabilityZone"], "us-east-1a");
  EXPECT_EQ(m["IamInstanceProfile.Name"], "s3-readonly");
  EXPECT_EQ(m["SecurityGroupId.2"], "sg-2");
  EXPECT_EQ(m["UserData"], "Zm9v");
  EXPECT_EQ(m["InstanceInitiatedShutdownBehavior"], "terminate");
  EXPECT_EQ(m["TagSpecification.1.ResourceType"], "instance");
  EXPECT_EQ(m["TagSpecification.2.ResourceType"], "volume");
  EXPECT_EQ(m["TagSpecification.1.Tag.1.Key"], "fanout:cluster");
  EXPECT_EQ(m["TagSpecification.2.Tag.1.Value"], "taxi");
  s.spot = false;
  io::QueryList q = RunInstancesParams(s);
  for (const auto& [k, v] : q) EXPECT_EQ(k.find("InstanceMarketOptions"), std::string::npos) << k;
}

TEST(Base64, TheVectorsOfRfc4648) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(ParseIsoTime, AgreesWithTimegmAndRefusesWhatIsNotUtc) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    time_t t = static_cast<time_t>(rng() % 4102444800ULL);  // 1970 .. 2100
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    EXPECT_EQ(ParseIsoTime(std::string(buf) + "Z"), t) << buf;
    EXPECT_EQ(ParseIsoTime(std::string(buf) + ".123456789Z"), t) << buf;
    EXPECT_EQ(ParseIsoTime(std::string(buf) + "+00:00"), t) << buf;
    EXPECT_EQ(FormatIsoTime(t), std::string(buf) + "Z");
  }
  for (const char* bad : {"", "2026-12-01", "2026-12-01T10:00:00", "2026-12-01T10:00:00+01:00", "2026-13-01T10:00:00Z",
                          "2026-12-01T10:00:00.Z", "x026-12-01T10:00:00Z", "2026-12-01 10:00:00Z"}) {
    EXPECT_EQ(ParseIsoTime(bad), -1) << bad;
  }
}

TEST(Ec2Endpoint, FlagThenEnvironmentThenEc2s) {
  unsetenv("AWS_ENDPOINT_URL_EC2");
  unsetenv("AWS_ENDPOINT_URL");
  EXPECT_EQ(*Ec2Endpoint("", "eu-west-1"), "https://ec2.eu-west-1.amazonaws.com");
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9/", 1);
  EXPECT_EQ(*Ec2Endpoint("", "eu-west-1"), "http://127.0.0.1:9");
  setenv("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:10", 1);
  EXPECT_EQ(*Ec2Endpoint("", "eu-west-1"), "http://127.0.0.1:10");
  EXPECT_EQ(*Ec2Endpoint("https://ec2.example:8443", "x"), "https://ec2.example:8443");
  Result<std::string> bad = Ec2Endpoint("ftp://u:secret@host", "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(Ec2Endpoint("http://host/path", "x").ok());
  unsetenv("AWS_ENDPOINT_URL_EC2");
  unsetenv("AWS_ENDPOINT_URL");
}

// ---- cost ---------------------------------------------------------------------

SpotPrice At(const std::string& zone, double price, int64_t t) { return {zone, "t", "Linux/UNIX", price, FormatIsoTime(t)}; }

TEST(SpotCost, EachStretchAtThePriceInForce) {
  const int64_t t0 = 1'800'000'000;
  std::vector<SpotPrice> h = {At("a", 0.36, t0 + 1800), At("a", 0.72, t0 - 100), At("b", 99, t0)};
  // 0.72/h for the first half hour, 0.36/h for the second.
  EXPECT_NEAR(SpotCost(h, "a", t0, t0 + 3600), 0.36 + 0.18, 1e-12);
  // Before the oldest entry: the oldest price.
  EXPECT_NEAR(SpotCost(h, "a", t0 - 3700, t0 - 100), 0.72 * 1.0, 1e-12);
  // The 60-second minimum.
  EXPECT_NEAR(SpotCost(h, "a", t0, t0 + 5), 0.72 * 60 / 3600, 1e-12);
  EXPECT_NEAR(SpotCost(h, "b", t0, t0 + 7200), 198, 1e-9);
  EXPECT_EQ(SpotCost(h, "c", t0, t0 + 10), -1);
}

TEST(SpotCost, MatchesASecondBySecondSum) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 50; ++round) {
    const int64_t t0 = 1'800'000'000;
    std::vector<SpotPrice> h;
    for (int i = 0; i < 6; ++i) h.push_back(At("z", static_cast<double>(rng() % 1000) / 1000, t0 + static_cast<int64_t>(rng() % 4000) - 500));
    int64_t start = t0 + static_cast<int64_t>(rng() % 1000), end = start + static_cast<int64_t>(rng() % 3000);
    double want = 0;
    for (int64_t s = start; s < start + BilledSeconds(start, end); ++s) {
      // The newest entry at or before s, else the oldest.
      int64_t best_t = INT64_MIN, oldest_t = INT64_MAX;
      double best = -1, oldest = -1;
      for (const SpotPrice& p : h) {
        int64_t t = ParseIsoTime(p.timestamp);
        if (t <= s && t >= best_t) best_t = t, best = p.price;
        if (t < oldest_t) oldest_t = t, oldest = p.price;
      }
      want += (best >= 0 ? best : oldest) / 3600;
    }
    EXPECT_NEAR(SpotCost(h, "z", start, end), want, 1e-9) << round;
  }
}

TEST(Cost, FormatsAndLines) {
  EXPECT_EQ(FormatUsd(0), "$0.00");
  EXPECT_EQ(FormatUsd(0.004), "< $0.01");
  EXPECT_EQ(FormatUsd(0.004, true), "$0.00400");
  EXPECT_EQ(FormatUsd(12.345), "$12.35");
  ClusterRecord r;
  r.type = "i3en.2xlarge";
  r.spot = true;
  r.machines = {{"i-1", "", "a", 1000, 0.36}, {"i-2", "", "a", 1000, 0.36}};
  EXPECT_EQ(JobCostLine(r, 41), "2 × i3en.2xlarge spot, " + FormatSeconds(41) + ", $0.01");
  bool known = false;
  EXPECT_NEAR(ClusterCost(r, 1000 + 3600, nullptr, &known), 0.72, 1e-12);
  EXPECT_TRUE(known);
  r.machines[1].hourly_price = -1;
  EXPECT_NEAR(ClusterCost(r, 1000 + 3600, nullptr, &known), 0.36, 1e-12);
  EXPECT_FALSE(known);
  EXPECT_NE(JobCostLine(r, 41).find("cost not known"), std::string::npos);
}

// ---- records ------------------------------------------------------------------

TEST(ClusterRecord, EncodesAndDecodesEveryField) {
  ClusterRecord r;
  r.name = "taxi";
  r.region = "us-east-1";
  r.endpoint = "http://127.0.0.1:5000";
  r.type = "t3.micro";
  r.image = "ami-1";
  r.spot = true;
  r.user = "admin";
  r.ssh = "ssh -F x";
  r.remote_fanout = ".cache/fanout/bin/fanout";
  r.created = 1234;
  r.machines = {{"i-1", "10.0.0.4", "us-east-1a", 1000, 0.25}, {"i-2", "", "us-east-1b", 1001, -1}};
  Result<ClusterRecord> back = DecodeRecord(EncodeRecord(r), "x");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(EncodeRecord(*back), EncodeRecord(r));
  EXPECT_EQ(back->machines[1].zone, "us-east-1b");
  for (const char* bad : {"", "{}", "[1]", "{\"format\":2}", "{\"format\":1,\"name\":3}"}) {
    Result<ClusterRecord> b = DecodeRecord(bad, "f.json");
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().message().rfind("f.json: ", 0), 0u) << b.status().message();
  }
}

TEST(ClusterRecord, NamesThatAreSafeInPathsAndTags) {
  for (const char* ok : {"taxi", "a", "run-2026.12_03"}) EXPECT_TRUE(CheckClusterName(ok).ok()) << ok;
  for (const std::string& bad : std::vector<std::string>{"", "-x", ".x", "a/b", "a b", "..", "x;rm", std::string(41, 'a')}) {
    EXPECT_FALSE(CheckClusterName(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace fanout::cloud
