// AWS Signature Version 4 for S3 requests sent with an Authorization header.
//
// SignV4 is a pure function: it opens no socket, reads no clock and keeps no
// state. Given a request description, credentials, region, service and time, it
// returns the headers to add to the request and the exact path and query strings
// it signed. The HTTP client must send those strings byte for byte (see
// SignedHeaders::request_target), because S3 answers any difference between what
// was signed and what arrived with the same SignatureDoesNotMatch.
//
// Canonicalization follows S3's rules, which differ from the generic SigV4 rules
// used by most other AWS services in two ways:
//   - the path is encoded exactly once from the raw key (no double encoding), and
//   - the path is never normalized: "//", "/./" and "/../" are part of the key
//     and are signed (and must be sent) as they are.
//
// The secret access key is used only to derive the signing key. It is never
// copied into any string this module returns.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace fanout::io {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;

// The hex SHA-256 of an empty payload: what every GET, HEAD and ListObjects sends.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Tells S3 the payload is not covered by the signature (allowed over HTTPS only).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless the credentials are temporary (STS)
};

struct SignRequest {
  std::string method;  // "GET", "HEAD", ... (upper case, as sent)
  // The Host header exactly as it will be sent, with ":port" when the port is not
  // the scheme's default (e.g. "localhost:9000"): "examplebucket.s3.amazonaws.com".
  std::string host;
  // Raw, unencoded path starting with '/': "/bucket/trip data/yellow 2019.csv"
  // (path style) or "/trip data/yellow 2019.csv" (virtual-hosted style).
  std::string path;
  // Raw, unencoded query parameters in any order; a parameter without a value
  // ("?lifecycle") has an empty value. Repeated keys are allowed.
  QueryList query;
  // Extra headers to sign and send (Range, If-Match, ...), names in any case.
  // Host and the x-amz-* headers SignV4 produces must not be given here. A name
  // given twice is signed as one header with the values joined by ',' in order.
  HeaderList headers;
  // Lower-case hex SHA-256 of the body (kEmptyPayloadSha256 for no body), or
  // kUnsignedPayload.
  std::string payload_sha256_hex;
};

struct SignOptions {
  // S3 requires the x-amz-content-sha256 header and signs it. Other services do
  // not use it, and AWS's generic test suite ("aws-sig-v4-test-suite") signs only
  // host and x-amz-date; turn it off to sign like that suite. The payload hash is
  // the last line of the canonical request either way.
  bool add_content_sha256_header = true;
};

struct SignedHeaders {
  // Headers to add to the request, beside Host and SignRequest::headers:
  // Authorization, x-amz-date, x-amz-content-sha256 (unless turned off) and
  // x-amz-security-token (when the credentials have a session token).
  HeaderList headers;
  std::string authorization;  // the Authorization value, also in `headers`

  // What to put on the request line: canonical_uri, then '?' and canonical_query
  // when that is not empty. Send it verbatim; do not let an HTTP library
  // re-encode or normalize it.
  std::string request_target;
  std::string canonical_uri;    // UriEncode(path, /*encode_slash=*/false)
  std::string canonical_query;  // BuildQueryString(query)

  // For tests and debugging. They contain no secret, but can contain the
  // session token and object keys, so log them with the same care as a URL.
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_header_names;  // "host;range;x-amz-content-sha256;x-amz-date"
  std::string signature;            // lower-case hex
};

// Signs the request for `region` ("us-east-1") and `service` ("s3") at
// `amz_date`, the request time in UTC as YYYYMMDDTHHMMSSZ (see AmzDateNow). S3
// rejects a request whose time is more than 15 minutes from its own, so sign
// just before sending and sign again on every retry.
//
// Returns InvalidArgument naming the field for an empty method, host, region,
// service, access key or secret; a path that does not start with '/'; a payload
// hash that is neither 64 lower-case hex digits nor UNSIGNED-PAYLOAD; a malformed
// amz_date; a header name that is not an HTTP token or that SignV4 owns; or a
// header value or session token with a control character (CR, LF, NUL, ...).
// Internal if the hash library fails.
Result<SignedHeaders> SignV4(const SignRequest& request, const Credentials& credentials,
                             const std::string& region, const std::string& service,
                             const std::string& amz_date, const SignOptions& options = {});

// Percent-encodes every byte outside RFC 3986's unreserved set
// (A-Z a-z 0-9 - _ . ~) as %XX with upper-case hex, UTF-8 byte by byte: a space
// is "%20" (never '+'), '+' is "%2B", '%' is "%25". '/' stays as it is unless
// `encode_slash`, when it becomes "%2F" (query keys and values).
std::string UriEncode(std::string_view raw, bool encode_slash);

// The canonical query string: each key and value UriEncode'd with '/' encoded,
// joined as key=value (also "key=" for an empty value), sorted by encoded key,
// then encoded value, then joined with '&'. Empty for no parameters. This is
// both what SignV4 signs and what the client must send after '?'.
std::string BuildQueryString(const QueryList& query);

// The current UTC time as YYYYMMDDTHHMMSSZ, e.g. "20130524T000000Z".
std::string AmzDateNow();

// The lower-case hex SHA-256 of `data`, for SignRequest::payload_sha256_hex.
// Internal if the hash library fails.
Result<std::string> Sha256Hex(std::string_view data);

}  // namespace fanout::io
