#include "io/credentials.h"

#include "core/strings.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fanout::io {

namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string HomeFile(const char* env_override, const char* relative) {
  std::string over = EnvOr(env_override);
  if (!over.empty()) return over;
  return EnvOr("HOME") + "/" + relative;
}

// The file's text, or empty when it does not exist.
std::string ReadFileIfAny(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ProfileName() {
  std::string p = EnvOr("AWS_PROFILE");
  return p.empty() ? "default" : p;
}

}  // namespace

std::map<std::string, std::map<std::string, std::string>> ParseIni(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      out[section];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    out[section][Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  return out;
}

Result<std::optional<Credentials>> CredentialsFromEnvironmentOrFiles() {
  Credentials c;
  c.access_key_id = EnvOr("AWS_ACCESS_KEY_ID");
  c.secret_access_key = EnvOr("AWS_SECRET_ACCESS_KEY");
  if (!c.access_key_id.empty() || !c.secret_access_key.empty()) {
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      return Status::InvalidArgument(
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only one is set)");
    }
    c.session_token = EnvOr("AWS_SESSION_TOKEN");
    return std::optional<Credentials>(c);
  }
  std::string path = HomeFile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  auto ini = ParseIni(ReadFileIfAny(path));
  std::string profile = ProfileName();
  auto it = ini.find(profile);
  if (it == ini.end()) {
    if (!EnvOr("AWS_PROFILE").empty() && !ini.empty()) {
      return Status::NotFound("AWS_PROFILE=" + profile + ": no such profile in " + path);
    }
    return std::optional<Credentials>();
  }
  c.access_key_id = it->second["aws_access_key_id"];
  c.secret_access_key = it->second["aws_secret_access_key"];
  c.session_token = it->second["aws_session_token"];
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::InvalidArgument(path + ": profile '" + profile +
                                   "' needs both aws_access_key_id and aws_secret_access_key");
  }
  return std::optional<Credentials>(c);
}

std::string RegionFromEnvironmentOrConfig() {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string r = EnvOr(name);
    if (!r.empty()) return r;
  }
  auto ini = ParseIni(ReadFileIfAny(HomeFile("AWS_CONFIG_FILE", ".aws/config")));
  std::string profile = ProfileName();
  std::string section = profile == "default" ? "default" : "profile " + profile;
  auto it = ini.find(section);
  if (it == ini.end()) return {};
  return it->second["region"];
}

}  // namespace fanout::io
