#include "io/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

namespace fanout::io {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kKeyPrefix = "AWS4";            // prepended to the secret
constexpr std::string_view kScopeTerminator = "aws4_request";
constexpr std::string_view kHexDigits = "0123456789ABCDEF";  // URI escapes: upper case
constexpr std::string_view kLowerHex = "0123456789abcdef";   // hashes: lower case

constexpr size_t kSha256Bytes = 32;
constexpr size_t kSha256HexChars = 2 * kSha256Bytes;
constexpr size_t kAmzDateChars = 16;   // YYYYMMDDTHHMMSSZ
constexpr size_t kDateStampChars = 8;  // YYYYMMDD, the scope's date
constexpr unsigned kNibbleBits = 4;
constexpr unsigned char kNibbleMask = 0x0F;
constexpr unsigned char kFirstPrintable = 0x20;  // below: control characters
constexpr unsigned char kDelete = 0x7F;

// Headers SignV4 computes itself; a caller giving one would sign it twice.
constexpr std::array<std::string_view, 5> kOwnedHeaders = {
    "host", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"};

using Digest = std::array<unsigned char, kSha256Bytes>;

// A derived key, wiped when it goes out of scope.
struct SigningKey {
  Digest bytes{};
  ~SigningKey() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

Status InvalidField(std::string_view field, std::string_view value, std::string_view problem) {
  std::string message = "sigv4 ";
  message.append(field);
  if (!value.empty()) message.append(" '").append(value).append("'");
  return Status::InvalidArgument(message.append(": ").append(problem));
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsControl(unsigned char c) { return c < kFirstPrintable || c == kDelete; }

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// An RFC 9110 token character (header names, methods).
bool IsTokenChar(unsigned char c) {
  static constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(static_cast<char>(c)) ||
         kTokenPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return IsTokenChar(c); });
}

// True when `s` has a control character other than a tab (header values).
bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c != '\t' && IsControl(c); });
}

// True when `s` is fit for the credential scope: no '/', blank or control.
bool IsScopePart(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    return c == '/' || IsBlank(c) || IsControl(static_cast<unsigned char>(c));
  });
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string HexLower(const unsigned char* bytes, size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kLowerHex[bytes[i] >> kNibbleBits]);
    out.push_back(kLowerHex[bytes[i] & kNibbleMask]);
  }
  return out;
}

bool IsLowerHexSha256(std::string_view s) {
  return s.size() == kSha256HexChars && std::all_of(s.begin(), s.end(), [](char c) {
           return kLowerHex.find(c) != std::string_view::npos;
         });
}

// One two-digit field of YYYYMMDDTHHMMSSZ: where it starts and its valid range.
struct DateField {
  size_t pos;
  int lo, hi;
};
constexpr size_t kDateFieldDigits = 2;
constexpr size_t kDateTPos = 8, kDateZPos = 15;
constexpr std::array<DateField, 5> kDateFields = {{
    {4, 1, 12},   // month
    {6, 1, 31},   // day
    {9, 0, 23},   // hour
    {11, 0, 59},  // minute
    {13, 0, 59},  // second
}};

bool InRange(std::string_view d, const DateField& f) {
  constexpr int kBase = 10;
  int v = 0;
  for (size_t i = f.pos; i < f.pos + kDateFieldDigits; ++i) v = v * kBase + (d[i] - '0');
  return v >= f.lo && v <= f.hi;
}

// YYYYMMDDTHHMMSSZ with a plausible month, day, hour, minute and second.
bool IsAmzDate(std::string_view d) {
  if (d.size() != kAmzDateChars || d[kDateTPos] != 'T' || d[kDateZPos] != 'Z') return false;
  for (size_t i = 0; i < kDateZPos; ++i) {
    if (i != kDateTPos && !IsDigit(d[i])) return false;
  }
  return std::all_of(kDateFields.begin(), kDateFields.end(), [&](const DateField& f) { return InRange(d, f); });
}

// Region, service, access key and host go into the scope or the Authorization
// header, where a '/', blank or control character would change its meaning.
Status CheckScopePart(std::string_view field, const std::string& value, bool quote_value = true) {
  if (value.empty()) return InvalidField(field, "", "empty");
  if (!IsScopePart(value)) {
    return InvalidField(field, quote_value ? value : "", "contains '/', a blank or a control character");
  }
  return Status::OK();
}

Status ValidateScope(const std::string& region, const std::string& service, const std::string& amz_date) {
  RETURN_IF_ERROR(CheckScopePart("region", region));
  RETURN_IF_ERROR(CheckScopePart("service", service));
  if (!IsAmzDate(amz_date)) {
    return InvalidField("amz_date", amz_date, "not a UTC time of the form YYYYMMDDTHHMMSSZ");
  }
  return Status::OK();
}

// Credentials are never quoted in messages.
Status ValidateCredentials(const Credentials& c) {
  RETURN_IF_ERROR(CheckScopePart("access_key_id", c.access_key_id, /*quote_value=*/false));
  if (c.secret_access_key.empty()) return InvalidField("secret_access_key", "", "empty");
  if (HasControl(c.session_token)) return InvalidField("session_token", "", "contains a control character");
  return Status::OK();
}

Status ValidateHeaders(const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (!IsToken(name)) return InvalidField("header name", name, "not an HTTP token");
    std::string lower = ToLower(name);
    if (std::find(kOwnedHeaders.begin(), kOwnedHeaders.end(), lower) != kOwnedHeaders.end()) {
      return InvalidField("header", name, "set by SignV4, not by the caller");
    }
    if (HasControl(value)) return InvalidField("header", name, "value contains a control character");
  }
  return Status::OK();
}

Status ValidateRequest(const SignRequest& r) {
  if (r.method.empty()) return InvalidField("method", "", "empty");
  if (!IsToken(r.method)) return InvalidField("method", r.method, "not an HTTP token");
  RETURN_IF_ERROR(CheckScopePart("host", r.host));
  if (r.path.empty() || r.path.front() != '/') return InvalidField("path", r.path, "does not start with '/'");
  if (r.payload_sha256_hex != kUnsignedPayload && !IsLowerHexSha256(r.payload_sha256_hex)) {
    return InvalidField("payload_sha256_hex", r.payload_sha256_hex,
                        "neither 64 lower-case hex digits nor UNSIGNED-PAYLOAD");
  }
  return ValidateHeaders(r.headers);
}

Result<Digest> Sha256(std::string_view data) {
  Digest out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    return Status::Internal("sigv4: SHA-256 failed in libcrypto");
  }
  return out;
}

Status HmacSha256(std::string_view key, std::string_view data, Digest* out) {
  unsigned int len = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes, data.size(), out->data(),
           &len) == nullptr ||
      len != out->size()) {
    return Status::Internal("sigv4: HMAC-SHA256 failed in libcrypto");
  }
  return Status::OK();
}

std::string_view AsView(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
Status DeriveSigningKey(const std::string& secret, std::string_view date, const std::string& region,
                        const std::string& service, SigningKey* key) {
  std::string seed = std::string(kKeyPrefix) + secret;
  Status st = HmacSha256(seed, date, &key->bytes);
  OPENSSL_cleanse(seed.data(), seed.size());
  RETURN_IF_ERROR(st);
  SigningKey step;
  RETURN_IF_ERROR(HmacSha256(AsView(key->bytes), region, &step.bytes));
  RETURN_IF_ERROR(HmacSha256(AsView(step.bytes), service, &key->bytes));
  RETURN_IF_ERROR(HmacSha256(AsView(key->bytes), kScopeTerminator, &step.bytes));
  key->bytes = step.bytes;
  return Status::OK();
}

// Trims blanks at both ends and turns every run of blanks inside into one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (IsBlank(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Every header to sign, lower-cased, values canonical, sorted by name, one entry
// per name (repeated names joined with ',' in the order given).
HeaderList CanonicalHeaders(const SignRequest& r, const Credentials& c, const std::string& amz_date,
                            const SignOptions& options) {
  HeaderList all;
  all.emplace_back("host", CanonicalHeaderValue(r.host));
  for (const auto& [name, value] : r.headers) all.emplace_back(ToLower(name), CanonicalHeaderValue(value));
  if (options.add_content_sha256_header) all.emplace_back("x-amz-content-sha256", r.payload_sha256_hex);
  all.emplace_back("x-amz-date", amz_date);
  if (!c.session_token.empty()) {
    all.emplace_back("x-amz-security-token", CanonicalHeaderValue(c.session_token));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  HeaderList merged;
  for (auto& h : all) {
    if (!merged.empty() && merged.back().first == h.first) {
      merged.back().second.append(",").append(h.second);
    } else {
      merged.push_back(std::move(h));
    }
  }
  return merged;
}

std::string JoinNames(const HeaderList& headers) {
  std::string out;
  for (const auto& h : headers) {
    if (!out.empty()) out.push_back(';');
    out.append(h.first);
  }
  return out;
}

std::string CanonicalRequest(const SignRequest& r, const SignedHeaders& s, const HeaderList& headers) {
  std::string out = r.method + "\n" + s.canonical_uri + "\n" + s.canonical_query + "\n";
  for (const auto& [name, value] : headers) out.append(name).append(":").append(value).append("\n");
  return out + "\n" + s.signed_header_names + "\n" + r.payload_sha256_hex;
}

std::string Scope(std::string_view date, const std::string& region, const std::string& service) {
  return std::string(date) + "/" + region + "/" + service + "/" + std::string(kScopeTerminator);
}

// Fills the returned headers once the signature is known.
void AddResultHeaders(const SignRequest& r, const Credentials& c, const std::string& amz_date,
                      const std::string& scope, const SignOptions& options, SignedHeaders* s) {
  s->authorization = std::string(kAlgorithm) + " Credential=" + c.access_key_id + "/" + scope +
                     ", SignedHeaders=" + s->signed_header_names + ", Signature=" + s->signature;
  s->headers.emplace_back("Authorization", s->authorization);
  s->headers.emplace_back("x-amz-date", amz_date);
  if (options.add_content_sha256_header) {
    s->headers.emplace_back("x-amz-content-sha256", r.payload_sha256_hex);
  }
  if (!c.session_token.empty()) s->headers.emplace_back("x-amz-security-token", c.session_token);
}

}  // namespace

std::string UriEncode(std::string_view raw, bool encode_slash) {
  std::string out;
  out.reserve(raw.size());
  for (char ch : raw) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHexDigits[c >> kNibbleBits]);
      out.push_back(kHexDigits[c & kNibbleMask]);
    }
  }
  return out;
}

std::string BuildQueryString(const QueryList& query) {
  QueryList encoded;
  encoded.reserve(query.size());
  for (const auto& [key, value] : query) {
    encoded.emplace_back(UriEncode(key, /*encode_slash=*/true), UriEncode(value, /*encode_slash=*/true));
  }
  std::sort(encoded.begin(), encoded.end());  // by key, then value; bytewise
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

std::string AmzDateNow() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, kAmzDateChars + 1> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &utc);
  return std::string(buf.data());
}

Result<std::string> Sha256Hex(std::string_view data) {
  ASSIGN_OR_RETURN(Digest d, Sha256(data));
  return HexLower(d.data(), d.size());
}

Result<SignedHeaders> SignV4(const SignRequest& request, const Credentials& credentials,
                             const std::string& region, const std::string& service,
                             const std::string& amz_date, const SignOptions& options) {
  RETURN_IF_ERROR(ValidateScope(region, service, amz_date));
  RETURN_IF_ERROR(ValidateCredentials(credentials));
  RETURN_IF_ERROR(ValidateRequest(request));

  SignedHeaders s;
  s.canonical_uri = UriEncode(request.path, /*encode_slash=*/false);
  s.canonical_query = BuildQueryString(request.query);
  s.request_target = s.canonical_uri + (s.canonical_query.empty() ? "" : "?" + s.canonical_query);
  HeaderList headers = CanonicalHeaders(request, credentials, amz_date, options);
  s.signed_header_names = JoinNames(headers);
  s.canonical_request = CanonicalRequest(request, s, headers);

  std::string_view date = std::string_view(amz_date).substr(0, kDateStampChars);
  std::string scope = Scope(date, region, service);
  ASSIGN_OR_RETURN(std::string request_hash, Sha256Hex(s.canonical_request));
  s.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" + request_hash;

  SigningKey key;
  RETURN_IF_ERROR(DeriveSigningKey(credentials.secret_access_key, date, region, service, &key));
  Digest mac;
  RETURN_IF_ERROR(HmacSha256(AsView(key.bytes), s.string_to_sign, &mac));
  s.signature = HexLower(mac.data(), mac.size());
  AddResultHeaders(request, credentials, amz_date, scope, options, &s);
  return s;
}

}  // namespace fanout::io
