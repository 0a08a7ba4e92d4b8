// Credentials from the EC2 instance metadata service, IMDSv2 style: a session
// token from PUT /latest/api/token, then the instance profile's role name and
// its temporary credentials. The endpoint is http://169.254.169.254 unless
// AWS_EC2_METADATA_SERVICE_ENDPOINT names another; AWS_EC2_METADATA_DISABLED=true
// turns the service off. Timeouts are short (a machine outside EC2 has no such
// service and must not wait for it).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "io/sigv4.h"

namespace fanout::io {

// Whether the metadata service may be asked at all.
bool InstanceMetadataEnabled();

// The instance profile's credentials; nullopt when no service answers or the
// instance has no profile; an error when the service answers nonsense.
Result<std::optional<Credentials>> CredentialsFromInstanceMetadata();

// Whether EC2 is about to take this (spot) machine away: the spot
// instance-action notice (about two minutes before) and the rebalance
// recommendation (an elevated risk of one). Asked of the metadata service,
// with a session token kept between calls. Not thread-safe: one owner.
class InterruptionWatch {
 public:
  InterruptionWatch();
  ~InterruptionWatch();
  // Empty while EC2 says nothing; else what it says, e.g. "spot instance-action:
  // terminate at 2026-12-03T12:00:00Z" or "rebalance recommendation at ...".
  // An error when no metadata service answers (not on EC2).
  Result<std::string> Poll();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a notice's JSON says, for Poll ("terminate at TIME"); the raw text when
// it is not the JSON EC2 sends (never a crash: outside bytes).
std::string DescribeSpotAction(const std::string& json);
std::string DescribeRebalance(const std::string& json);

}  // namespace fanout::io
