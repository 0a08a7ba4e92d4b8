#include "cloud/ec2.h"

#include "core/strings.h"

#include <tinyxml2.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <random>
#include <thread>

#include "io/credentials.h"
#include "io/http.h"
#include "io/imds.h"
#include "io/object_store.h"

namespace fanout::cloud {

namespace {

constexpr int kMaxAttempts = 6;
constexpr int kBaseDelayMs = 200, kMaxDelayMs = 5000;

const char* Text(const tinyxml2::XMLElement* parent, const char* name) {
  if (parent == nullptr) return "";
  const tinyxml2::XMLElement* e = parent->FirstChildElement(name);
  return e != nullptr && e->GetText() != nullptr ? e->GetText() : "";
}

// Every <item> under parent/<set>.
template <typename F>
void ForItems(const tinyxml2::XMLElement* parent, const char* set, F&& f) {
  if (parent == nullptr) return;
  const tinyxml2::XMLElement* s = parent->FirstChildElement(set);
  if (s == nullptr) return;
  for (const tinyxml2::XMLElement* i = s->FirstChildElement("item"); i != nullptr; i = i->NextSiblingElement("item")) f(i);
}

Status ParseDocument(std::string_view xml, tinyxml2::XMLDocument* doc, const char* what) {
  if (doc->Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS || doc->RootElement() == nullptr) {
    return Status::Corrupt(std::string("the EC2 answer to ") + what + " is not XML");
  }
  return Status::OK();
}

Result<Instance> ParseInstance(const tinyxml2::XMLElement* e) {
  Instance in;
  in.id = Text(e, "instanceId");
  if (in.id.empty()) return Status::Corrupt("the EC2 answer lists an instance without an instanceId");
  in.state = Text(e->FirstChildElement("instanceState"), "name");
  if (in.state.empty()) return Status::Corrupt("the EC2 answer gives instance " + in.id + " no state");
  in.state_reason = Text(e->FirstChildElement("stateReason"), "message");
  if (in.state_reason.empty()) in.state_reason = Text(e, "reason");
  in.type = Text(e, "instanceType");
  in.zone = Text(e->FirstChildElement("placement"), "availabilityZone");
  in.private_ip = Text(e, "privateIpAddress");
  in.public_ip = Text(e, "ipAddress");
  in.launch_time = Text(e, "launchTime");
  in.lifecycle = Text(e, "instanceLifecycle");
  ForItems(e, "tagSet", [&](const tinyxml2::XMLElement* t) { in.tags[Text(t, "key")] = Text(t, "value"); });
  return in;
}

}  // namespace

Result<std::string> Ec2Endpoint(const std::string& flag, const std::string& region) {
  std::string e = flag, from = "--endpoint-url";
  if (e.empty()) e = EnvOr("AWS_ENDPOINT_URL_EC2"), from = "AWS_ENDPOINT_URL_EC2";
  if (e.empty()) e = EnvOr("AWS_ENDPOINT_URL"), from = "AWS_ENDPOINT_URL";
  if (e.empty()) return "https://ec2." + region + ".amazonaws.com";
  while (!e.empty() && e.back() == '/') e.pop_back();
  size_t scheme = e.find("://");
  std::string s = scheme == std::string::npos ? "" : e.substr(0, scheme);
  std::string rest = scheme == std::string::npos ? "" : e.substr(scheme + 3);
  if ((s != "http" && s != "https") || rest.empty() || rest.find_first_of("/?# ") != std::string::npos) {
    return Status::InvalidArgument(from + " '" + io::RedactUrl(e) + "' is not an endpoint like https://HOST[:PORT]");
  }
  return e;
}

Result<Ec2Config> Ec2ConfigFromEnvironment(const std::string& endpoint_flag, const std::string& region_flag) {
  Ec2Config c;
  c.region = region_flag.empty() ? io::RegionFromEnvironmentOrConfig() : region_flag;
  if (c.region.empty()) c.region = "us-east-1";
  ASSIGN_OR_RETURN(c.endpoint, Ec2Endpoint(endpoint_flag, c.region));
  ASSIGN_OR_RETURN(std::optional<io::Credentials> creds, io::CredentialsFromEnvironmentOrFiles());
  if (!creds.has_value() && io::InstanceMetadataEnabled()) {
    ASSIGN_OR_RETURN(creds, io::CredentialsFromInstanceMetadata());
  }
  if (!creds.has_value()) {
    return Status::InvalidArgument(
        "no AWS credentials for the EC2 API: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
        "(~/.aws/credentials), or run on a machine with an instance profile");
  }
  c.credentials = *creds;
  return c;
}

Result<std::string> Ec2Client::Call(const std::string& action, io::QueryList params) const {
  params.insert(params.begin(), {{"Action", action}, {"Version", kEc2ApiVersion}});
  const std::string body = io::BuildQueryString(params);
  const std::string what = "EC2 " + action;
  size_t scheme = config_.endpoint.find("://");
  std::string host = config_.endpoint.substr(scheme + 3);
  ASSIGN_OR_RETURN(std::string body_sha, io::Sha256Hex(body));
  std::mt19937 rng(std::random_device{}());
  io::HttpClient client;
  for (int attempt = 0;; ++attempt) {
    io::SignRequest sr;
    sr.method = "POST";
    sr.host = host;
    sr.path = "/";
    sr.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    sr.payload_sha256_hex = body_sha;
    io::SignOptions so;
    so.add_content_sha256_header = false;
    ASSIGN_OR_RETURN(io::SignedHeaders sh, io::SignV4(sr, config_.credentials, config_.region, "ec2", io::AmzDateNow(), so));
    io::HttpRequest req;
    req.method = "POST";
    req.origin = config_.endpoint;
    req.target = sh.request_target;
    req.headers = sr.headers;
    req.headers.insert(req.headers.end(), sh.headers.begin(), sh.headers.end());
    req.body = body;
    Result<io::HttpResponse> r = client.Send(req);
    bool transient;
    if (!r.ok()) {
      transient = r.status().code() == StatusCode::kIoError;
    } else if (r->status == 200) {
      return std::move(r->body);
    } else {
      std::string code = ParseError(r->body);
      transient = r->status >= 500 || code.rfind("RequestLimitExceeded", 0) == 0 || code.rfind("Throttling", 0) == 0;
      if (!transient || attempt + 1 >= kMaxAttempts) {
        std::string text = what + ": HTTP " + std::to_string(r->status) + (code.empty() ? "" : ": " + code);
        if (r->status == 401 || r->status == 403) return Status::IoError(text + " (check the credentials and their IAM policy)");
        return Status::IoError(text);
      }
    }
    if (!transient || attempt + 1 >= kMaxAttempts) return r.status().WithPrefix(what);
    int cap = std::min(kMaxDelayMs, kBaseDelayMs << attempt);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(cap / 2, cap)(rng)));
  }
}

io::QueryList RunInstancesParams(const LaunchSpec& spec) {
  io::QueryList p = {{"ImageId", spec.image},
                     {"InstanceType", spec.type},
                     {"MinCount", std::to_string(spec.count)},
                     {"MaxCount", std::to_string(spec.count)}};
  if (!spec.client_token.empty()) p.push_back({"ClientToken", spec.client_token});
  if (!spec.key_name.empty()) p.push_back({"KeyName", spec.key_name});
  if (!spec.subnet.empty()) p.push_back({"SubnetId", spec.subnet});
  for (size_t i = 0; i < spec.security_groups.size(); ++i) {
    p.push_back({"SecurityGroupId." + std::to_string(i + 1), spec.security_groups[i]});
  }
  if (!spec.zone.empty()) p.push_back({"Placement.AvailabilityZone", spec.zone});
  if (!spec.iam_profile.empty()) p.push_back({"IamInstanceProfile.Name", spec.iam_profile});
  if (!spec.user_data.empty()) p.push_back({"UserData", Base64(spec.user_data)});
  if (spec.terminate_on_shutdown) p.push_back({"InstanceInitiatedShutdownBehavior", "terminate"});
  if (spec.spot) {
    p.push_back({"InstanceMarketOptions.MarketType", "spot"});
    p.push_back({"InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time"});
    p.push_back({"InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", "terminate"});
    if (!spec.max_price.empty()) p.push_back({"InstanceMarketOptions.SpotOptions.MaxPrice", spec.max_price});
  }
  int n = 1;
  for (const char* resource : {"instance", "volume"}) {
    std::string t = "TagSpecification." + std::to_string(n++) + ".";
    p.push_back({t + "ResourceType", resource});
    int k = 1;
    for (const auto& [key, value] : spec.tags) {
      p.push_back({t + "Tag." + std::to_string(k) + ".Key", key});
      p.push_back({t + "Tag." + std::to_string(k) + ".Value", value});
      ++k;
    }
  }
  return p;
}

Result<std::vector<Instance>> Ec2Client::RunInstances(const LaunchSpec& spec) const {
  ASSIGN_OR_RETURN(std::string xml, Call("RunInstances", RunInstancesParams(spec)));
  return ParseInstances(xml);
}

Result<std::vector<Instance>> Ec2Client::DescribeInstances(const std::vector<std::string>& ids, const std::string& tag_key,
                                                           const std::string& tag_value) const {
  std::vector<Instance> all;
  std::string token;
  do {
    io::QueryList p;
    for (size_t i = 0; i < ids.size(); ++i) p.push_back({"InstanceId." + std::to_string(i + 1), ids[i]});
    if (!tag_key.empty()) {
      p.push_back({"Filter.1.Name", "tag:" + tag_key});
      p.push_back({"Filter.1.Value.1", tag_value});
    }
    if (!token.empty()) p.push_back({"NextToken", token});
    ASSIGN_OR_RETURN(std::string xml, Call("DescribeInstances", p));
    ASSIGN_OR_RETURN(std::vector<Instance> page, ParseInstances(xml));
    all.insert(all.end(), page.begin(), page.end());
    ASSIGN_OR_RETURN(token, ParseNextToken(xml));
  } while (!token.empty());
  return all;
}

Status Ec2Client::TerminateInstances(const std::vector<std::string>& ids) const {
  if (ids.empty()) return Status::OK();
  io::QueryList p;
  for (size_t i = 0; i < ids.size(); ++i) p.push_back({"InstanceId." + std::to_string(i + 1), ids[i]});
  return Call("TerminateInstances", p).status();
}

Result<std::vector<SpotPrice>> Ec2Client::SpotPriceHistory(const std::string& type, const std::string& start_time) const {
  std::vector<SpotPrice> all;
  std::string token;
  do {
    io::QueryList p = {{"InstanceType.1", type}, {"ProductDescription.1", "Linux/UNIX"}};
    if (!start_time.empty()) p.push_back({"StartTime", start_time});
    if (!token.empty()) p.push_back({"NextToken", token});
    ASSIGN_OR_RETURN(std::string xml, Call("DescribeSpotPriceHistory", p));
    ASSIGN_OR_RETURN(std::vector<SpotPrice> page, ParseSpotPrices(xml));
    all.insert(all.end(), page.begin(), page.end());
    ASSIGN_OR_RETURN(token, ParseNextToken(xml));
  } while (!token.empty());
  return all;
}

Result<std::string> Ec2Client::LatestImage(const std::string& owner, const std::string& name_pattern) const {
  ASSIGN_OR_RETURN(std::string xml, Call("DescribeImages", {{"Owner.1", owner},
                                                            {"Filter.1.Name", "name"},
                                                            {"Filter.1.Value.1", name_pattern},
                                                            {"Filter.2.Name", "architecture"},
                                                            {"Filter.2.Value.1", "x86_64"}}));
  tinyxml2::XMLDocument doc;
  RETURN_IF_ERROR(ParseDocument(xml, &doc, "DescribeImages"));
  std::string best, best_date;
  ForItems(doc.RootElement(), "imagesSet", [&](const tinyxml2::XMLElement* i) {
    std::string date = Text(i, "creationDate");
    if (best.empty() || date > best_date) best = Text(i, "imageId"), best_date = date;
  });
  if (best.empty()) return Status::NotFound("no image named " + name_pattern + " owned by " + owner + " in this region");
  return best;
}

Result<std::vector<Instance>> ParseInstances(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  RETURN_IF_ERROR(ParseDocument(xml, &doc, "RunInstances/DescribeInstances"));
  const tinyxml2::XMLElement* root = doc.RootElement();
  std::vector<Instance> out;
  Status bad = Status::OK();
  auto add = [&](const tinyxml2::XMLElement* e) {
    if (!bad.ok()) return;
    Result<Instance> in = ParseInstance(e);
    if (!in.ok()) bad = in.status();
    else out.push_back(std::move(*in));
  };
  std::string_view name = root->Name();
  if (name == "RunInstancesResponse") {
    ForItems(root, "instancesSet", add);
  } else if (name == "DescribeInstancesResponse") {
    ForItems(root, "reservationSet", [&](const tinyxml2::XMLElement* r) { ForItems(r, "instancesSet", add); });
  } else {
    return Status::Corrupt("the EC2 answer is a " + std::string(name) + ", not a list of instances");
  }
  RETURN_IF_ERROR(bad);
  return out;
}

Result<std::vector<SpotPrice>> ParseSpotPrices(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  RETURN_IF_ERROR(ParseDocument(xml, &doc, "DescribeSpotPriceHistory"));
  if (std::string_view(doc.RootElement()->Name()) != "DescribeSpotPriceHistoryResponse") {
    return Status::Corrupt("the EC2 answer is a " + std::string(doc.RootElement()->Name()) + ", not spot prices");
  }
  std::vector<SpotPrice> out;
  Status bad = Status::OK();
  ForItems(doc.RootElement(), "spotPriceHistorySet", [&](const tinyxml2::XMLElement* i) {
    SpotPrice p;
    p.zone = Text(i, "availabilityZone");
    p.type = Text(i, "instanceType");
    p.product = Text(i, "productDescription");
    p.timestamp = Text(i, "timestamp");
    std::string text = Text(i, "spotPrice");
    char* end = nullptr;
    p.price = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(p.price >= 0) || p.price > 1e6 || ParseIsoTime(p.timestamp) < 0) {
      if (bad.ok()) bad = Status::Corrupt("the EC2 answer has a spot price '" + text + "' at '" + p.timestamp + "' that is not a price and a time");
      return;
    }
    out.push_back(std::move(p));
  });
  RETURN_IF_ERROR(bad);
  return out;
}

Result<std::string> ParseNextToken(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  RETURN_IF_ERROR(ParseDocument(xml, &doc, "a paged request"));
  return std::string(Text(doc.RootElement(), "nextToken"));
}

std::string ParseError(std::string_view xml) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS || doc.RootElement() == nullptr) return "";
  // <Response><Errors><Error><Code/><Message/></Error></Errors></Response>
  const tinyxml2::XMLElement* e = doc.RootElement()->FirstChildElement("Errors");
  e = e != nullptr ? e->FirstChildElement("Error") : doc.RootElement()->FirstChildElement("Error");
  if (e == nullptr && std::string_view(doc.RootElement()->Name()) == "Error") e = doc.RootElement();
  if (e == nullptr) return "";
  std::string code = Text(e, "Code"), message = Text(e, "Message");
  return message.empty() ? code : code + ": " + message;
}

int64_t ParseIsoTime(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+00:00)
  if (t.size() < 20) return -1;
  auto digits = [&](size_t at, size_t n, int* v) {
    *v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      *v = *v * 10 + (t[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (!digits(0, 4, &y) || t[4] != '-' || !digits(5, 2, &mo) || t[7] != '-' || !digits(8, 2, &d) || t[10] != 'T' ||
      !digits(11, 2, &h) || t[13] != ':' || !digits(14, 2, &mi) || t[16] != ':' || !digits(17, 2, &s)) {
    return -1;
  }
  size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start) return -1;
  }
  std::string_view zone = t.substr(i);
  if (zone != "Z" && zone != "+00:00") return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970) return -1;
  // Days from the civil date (Howard Hinnant's algorithm).
  int yy = y - (mo <= 2);
  int era = yy / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + s;
}

std::string FormatIsoTime(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace fanout::cloud
