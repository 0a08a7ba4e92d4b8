// Credentials from the EC2 instance metadata service, IMDSv2 style: a session
// token from PUT /latest/api/token, then the instance profile's role name and
// its temporary credentials. The endpoint is http://169.254.169.254 unless
// AWS_EC2_METADATA_SERVICE_ENDPOINT names another; AWS_EC2_METADATA_DISABLED=true
// turns the service off. Timeouts are short (a machine outside EC2 has no such
// service and must not wait for it).
#pragma once

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

}  // namespace fanout::io
