// Where S3 credentials and the region come from, in the aws cli's order:
// the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
// then the shared files (~/.aws/credentials and ~/.aws/config, or
// AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE) for AWS_PROFILE (default
// "default"). Region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's config.
// Secrets are returned to the signer only; no message here ever contains one.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/status.h"
#include "io/sigv4.h"

namespace fanout::io {

// Parses an INI file as the aws cli writes them: "[section]" lines and
// "key = value" lines; '#' and ';' start comments. Sections map to key/value maps.
std::map<std::string, std::map<std::string, std::string>> ParseIni(const std::string& text);

// The credentials found in the environment or the shared files, or nullopt
// when neither has any. A profile named by AWS_PROFILE that does not exist is an
// error naming it; so is a profile with a key id but no secret.
Result<std::optional<Credentials>> CredentialsFromEnvironmentOrFiles();

// The region from the environment or the config file, or empty.
std::string RegionFromEnvironmentOrConfig();

}  // namespace fanout::io
