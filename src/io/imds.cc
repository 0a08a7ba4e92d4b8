#include "io/imds.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "io/http.h"

namespace fanout::io {

namespace {

constexpr char kDefaultEndpoint[] = "http://169.254.169.254";
constexpr char kTokenTtlSeconds[] = "21600";
constexpr long kConnectTimeoutMs = 1000;
constexpr long kStallSeconds = 2;
constexpr char kRolePath[] = "/latest/meta-data/iam/security-credentials/";

std::string Endpoint() {
  const char* e = std::getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  std::string s = e != nullptr && *e != '\0' ? e : kDefaultEndpoint;
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Result<HttpResponse> Ask(HttpClient* client, const std::string& method, const std::string& path,
                         const HeaderList& headers) {
  HttpRequest req;
  req.method = method;
  req.origin = Endpoint();
  req.target = path;
  req.headers = headers;
  req.connect_timeout_ms = kConnectTimeoutMs;
  req.stall_timeout_s = kStallSeconds;
  return client->Send(req);
}

}  // namespace

bool InstanceMetadataEnabled() {
  const char* d = std::getenv("AWS_EC2_METADATA_DISABLED");
  return d == nullptr || std::string(d) != "true";
}

Result<std::optional<Credentials>> CredentialsFromInstanceMetadata() {
  if (!InstanceMetadataEnabled()) return std::optional<Credentials>();
  HttpClient client;
  Result<HttpResponse> token = Ask(&client, "PUT", "/latest/api/token",
                                   {{"X-aws-ec2-metadata-token-ttl-seconds", kTokenTtlSeconds}});
  if (!token.ok() || token->status != 200) return std::optional<Credentials>();  // no service here
  HeaderList auth = {{"X-aws-ec2-metadata-token", token->body}};
  ASSIGN_OR_RETURN(HttpResponse role, Ask(&client, "GET", kRolePath, auth));
  if (role.status == 404) return std::optional<Credentials>();  // no instance profile
  std::string name = role.body.substr(0, role.body.find('\n'));
  if (role.status != 200 || name.empty()) {
    return Status::IoError("instance metadata: no role name (HTTP " + std::to_string(role.status) + ")");
  }
  ASSIGN_OR_RETURN(HttpResponse creds, Ask(&client, "GET", kRolePath + name, auth));
  if (creds.status != 200) {
    return Status::IoError("instance metadata: no credentials for role " + name + " (HTTP " +
                           std::to_string(creds.status) + ")");
  }
  nlohmann::json j = nlohmann::json::parse(creds.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("AccessKeyId") || !j.contains("SecretAccessKey") ||
      !j["AccessKeyId"].is_string() || !j["SecretAccessKey"].is_string()) {
    return Status::Corrupt("instance metadata: the credentials for role " + name + " are not the expected JSON");
  }
  Credentials c;
  c.access_key_id = j["AccessKeyId"].get<std::string>();
  c.secret_access_key = j["SecretAccessKey"].get<std::string>();
  if (j.contains("Token") && j["Token"].is_string()) c.session_token = j["Token"].get<std::string>();
  return std::optional<Credentials>(c);
}

struct InterruptionWatch::Impl {
  HttpClient client;
  std::string token;
};

InterruptionWatch::InterruptionWatch() : impl_(std::make_unique<Impl>()) {}
InterruptionWatch::~InterruptionWatch() = default;

std::string DescribeSpotAction(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("action") && j["action"].is_string()) {
    std::string s = "spot instance-action: " + j["action"].get<std::string>();
    if (j.contains("time") && j["time"].is_string()) s += " at " + j["time"].get<std::string>();
    return s;
  }
  return "spot instance-action: " + body.substr(0, 200);
}

std::string DescribeRebalance(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("noticeTime") && j["noticeTime"].is_string()) {
    return "rebalance recommendation at " + j["noticeTime"].get<std::string>();
  }
  return "rebalance recommendation: " + body.substr(0, 200);
}

Result<std::string> InterruptionWatch::Poll() {
  for (int round = 0; round < 2; ++round) {
    if (impl_->token.empty()) {
      ASSIGN_OR_RETURN(HttpResponse t, Ask(&impl_->client, "PUT", "/latest/api/token",
                                           {{"X-aws-ec2-metadata-token-ttl-seconds", kTokenTtlSeconds}}));
      if (t.status != 200 || t.body.empty()) {
        return Status::IoError("instance metadata: no session token (HTTP " + std::to_string(t.status) + ")");
      }
      impl_->token = t.body;
    }
    HeaderList auth = {{"X-aws-ec2-metadata-token", impl_->token}};
    ASSIGN_OR_RETURN(HttpResponse a, Ask(&impl_->client, "GET", "/latest/meta-data/spot/instance-action", auth));
    if (a.status == 401) {  // the token expired: a new one
      impl_->token.clear();
      continue;
    }
    if (a.status == 200) return DescribeSpotAction(a.body);
    ASSIGN_OR_RETURN(HttpResponse r, Ask(&impl_->client, "GET", "/latest/meta-data/events/recommendations/rebalance", auth));
    if (r.status == 200) return DescribeRebalance(r.body);
    return std::string();
  }
  return Status::IoError("instance metadata: the session token is refused");
}

}  // namespace fanout::io
