#!/usr/bin/python3
"""AWS Signature Version 4 oracle built on botocore's own signer.

fanout's C++ signer is compared against this: given one request, it prints as JSON
what botocore (Debian's python3-botocore; run it with /usr/bin/python3) computes
for it at a fixed time:

    sigv4_ref.py --method GET --url 'http://127.0.0.1:9000/bucket/trip%20data/a.csv' \\
        --region us-east-1 --service s3 --access-key AK --secret-key SK \\
        --payload-hash UNSIGNED-PAYLOAD --timestamp 20150830T123600Z \\
        [-H 'Range: bytes=0-99']... [--session-token T]

    {"method": ..., "url": ..., "canonical_request": ..., "string_to_sign": ...,
     "signature": ..., "authorization": ..., "signed_headers": ...,
     "credential_scope": ..., "canonical_uri": ..., "canonical_query": ...,
     "payload_hash": ..., "headers": [[name, value], ...], "warnings": [...]}

"headers" are the request's headers after signing, in the order botocore has them,
Host included: what the request must carry for the signature to hold.

The request
-----------
--url is the URL as it goes on the wire: path and query already percent-encoded.
For service s3 botocore signs that path exactly as given (S3 paths are not
normalized), so the path must already be encoded the S3 way: every byte except
A-Z a-z 0-9 - . _ ~ and '/' as %XX with upper-case hex. For other services
botocore removes dot segments and repeated slashes and percent-encodes the path
once more, as the SigV4 rules for non-S3 services say, so there --url takes the
path as the request line carries it (the aws-sig-v4-test-suite vectors' form).
botocore signs the query as given, sorted by encoded name then value; it does not
re-encode it, so it too must be in the strict form. Whenever the path (s3) or the
query is not, "warnings" says so: S3 computes its canonical request from the
decoded values, so a signature over a loosely encoded URL would not match there.

Instead of a finished URL the oracle can build one from raw parts, the way
botocore's S3 client does:
  --endpoint http://127.0.0.1:9000 --bucket B --key 'trip data/a+b.csv'
      [--addressing path|virtual]        (path: ENDPOINT/B/KEY, virtual: B.HOST/KEY)
  --param NAME=VALUE ...                 raw query parameters, percent-encoded and
                                         appended in the order given (they may also
                                         be added to --url)
e.g. ListObjectsV2: --param list-type=2 --param 'prefix=trip data/' \\
                    --param 'continuation-token=1fQr+si/Mk=='

The payload: --payload-hash HASH (UNSIGNED-PAYLOAD or 64 hex digits) is used as
is; otherwise the hash of --body TEXT / --body-file PATH (empty when neither is
given). For s3 the hash is also sent as x-amz-content-sha256 (botocore's
S3SigV4Auth adds that header); for other services it is only signed.

--timestamp is YYYYMMDDTHHMMSSZ, or "now". botocore's add_auth is run unchanged
with datetime patched to return that time, the way botocore's own tests pin it.

botocore's behaviours the oracle keeps: X-Amz-Date (and X-Amz-Security-Token for a
session token) replace headers of the same name; a Date header is replaced by the
signing time in RFC 1123 form and then X-Amz-Date is NOT sent (--keep-date turns
that off: Date stays as given and X-Amz-Date is added, as in AWS's S3 PUT example);
Expect, User-Agent and X-Amzn-Trace-Id are never signed; header values are trimmed
and inner runs of spaces squeezed; repeated headers are joined with ','; Host comes
from the URL (without a default port) unless a Host header is given.

--presign SECONDS signs with query parameters (a presigned URL, botocore's
SigV4QueryAuth/S3SigV4QueryAuth) instead of the Authorization header; "url" is then
the presigned URL and "authorization" is null.

The answer is one line of JSON (--pretty indents it; --field NAME prints one field).

--batch reads one JSON object per line on stdin, with the option names as keys
(method, url, headers: [[name, value], ...] or {name: value}, region, service,
access_key, secret_key, session_token, payload_hash, body, body_hex, timestamp,
endpoint, bucket, key, addressing, params: [[name, value], ...], keep_date,
presign) and prints one JSON answer per line ({"error": ...} for a bad one).

Exit status: 0, 1 on a bad request (the reason on stderr), 2 on usage.
"""

import argparse
import datetime as _datetime
import hashlib
import json
import re
import sys
import types
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

try:
    import botocore
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.utils import percent_encode, percent_encode_sequence
except ImportError:
    sys.stderr.write("sigv4_ref: botocore is missing; run it with /usr/bin/python3 "
                     "(apt-get install python3-botocore)\n")
    sys.exit(2)

TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
STRICT_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})*$")
STRICT_QUERY_PART = re.compile(r"^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$")


class BadRequest(Exception):
    pass


def _fixed_datetime_module(when):
    """A stand-in for botocore.auth's `datetime` module whose clock reads `when`."""

    class FixedDateTime(_datetime.datetime):
        @classmethod
        def utcnow(cls):
            return cls(when.year, when.month, when.day, when.hour, when.minute, when.second)

        @classmethod
        def now(cls, tz=None):
            aware = cls(when.year, when.month, when.day, when.hour, when.minute, when.second,
                        tzinfo=_datetime.timezone.utc)
            return aware.astimezone(tz) if tz is not None else aware.replace(tzinfo=None)

    shim = types.ModuleType("datetime")
    shim.__dict__.update(_datetime.__dict__)
    shim.datetime = FixedDateTime
    return shim


def _auth_class(service, presign, keep_date, payload_override):
    if presign:
        base = botocore.auth.S3SigV4QueryAuth if service == "s3" else botocore.auth.SigV4QueryAuth
    else:
        base = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth

    class Recording(base):
        """botocore's signer, recording what it computed on the way."""

        recorded = {}

        def canonical_request(self, request):
            cr = super().canonical_request(request)
            self.recorded["canonical_request"] = cr
            return cr

        def string_to_sign(self, request, canonical_request):
            sts = super().string_to_sign(request, canonical_request)
            self.recorded["string_to_sign"] = sts
            return sts

        def signature(self, string_to_sign, request):
            sig = super().signature(string_to_sign, request)
            self.recorded["signature"] = sig
            return sig

        if payload_override is not None:
            def payload(self, request):
                return payload_override

        if keep_date:
            def _set_necessary_date_headers(self, request):
                if "X-Amz-Date" in request.headers:
                    del request.headers["X-Amz-Date"]
                request.headers["X-Amz-Date"] = request.context["timestamp"]

    return Recording


def _parse_timestamp(text):
    if text == "now":
        return _datetime.datetime.now(_datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
    try:
        return _datetime.datetime.strptime(text, TIMESTAMP_FORMAT)
    except (TypeError, ValueError):
        raise BadRequest(f"timestamp must look like 20150830T123600Z, got {text!r}") from None


def _header_list(headers):
    if headers is None:
        return []
    if isinstance(headers, dict):
        return [(str(k), str(v)) for k, v in headers.items()]
    out = []
    for item in headers:
        if isinstance(item, str):
            name, sep, value = item.partition(":")
            if not sep:
                raise BadRequest(f"header {item!r} is not 'Name: value'")
            out.append((name.strip(), value.lstrip()))
        else:
            name, value = item
            out.append((str(name), str(value)))
    return out


def _param_list(params):
    if params is None:
        return []
    if isinstance(params, dict):
        return [(str(k), str(v)) for k, v in params.items()]
    out = []
    for item in params:
        if isinstance(item, str):
            name, _, value = item.partition("=")
            out.append((name, value))
        else:
            name, value = item
            out.append((str(name), str(value)))
    return out


def build_url(spec):
    url = spec.get("url")
    if spec.get("bucket") is not None or spec.get("key") is not None:
        if url:
            raise BadRequest("give either url or endpoint/bucket/key, not both")
        endpoint = spec.get("endpoint")
        bucket = spec.get("bucket")
        key = spec.get("key") or ""
        if not endpoint or not bucket:
            raise BadRequest("endpoint and bucket are needed with key")
        parts = urlsplit(endpoint)
        base_path = parts.path.rstrip("/")
        # The S3 REST serializer's encoding: the bucket label fully, the key with
        # '/' and '~' kept (botocore.serialize renders {Key+} with safe='/~').
        encoded_key = percent_encode(key, safe="/~")
        addressing = spec.get("addressing") or "path"
        if addressing == "path":
            path = f"{base_path}/{percent_encode(bucket, safe='')}"
            if key or spec.get("key") is not None:
                path += "/" + encoded_key
            url = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        elif addressing == "virtual":
            url = urlunsplit((parts.scheme, f"{bucket}.{parts.netloc}",
                              f"{base_path}/{encoded_key}", "", ""))
        else:
            raise BadRequest("addressing must be path or virtual")
    if not url:
        raise BadRequest("no url (or endpoint/bucket/key) given")
    params = _param_list(spec.get("params"))
    if params:
        url += ("&" if urlsplit(url).query else "?") + percent_encode_sequence(params)
    return url


def _warnings(url, service):
    parts = urlsplit(url)
    out = []
    if service == "s3" and not STRICT_PATH.match(parts.path):
        out.append("the path is not strictly percent-encoded (only A-Z a-z 0-9 - . _ ~ / "
                   "and upper-case %XX); botocore signs it as given, S3 would not")
    if parts.query:
        for pair in parts.query.split("&"):
            name, _, value = pair.partition("=")
            if not STRICT_QUERY_PART.match(name) or not STRICT_QUERY_PART.match(value):
                out.append(f"query parameter {pair!r} is not strictly percent-encoded; "
                           "botocore signs it as given, S3 would decode and re-encode it")
    return out


def sign(spec):
    method = (spec.get("method") or "GET").upper()
    service = spec.get("service") or "s3"
    region = spec.get("region") or "us-east-1"
    if not spec.get("access_key") or spec.get("secret_key") is None:
        raise BadRequest("access_key and secret_key are needed")
    when = _parse_timestamp(spec.get("timestamp"))
    url = build_url(spec)

    body = b""
    if spec.get("body_hex") is not None:
        body = bytes.fromhex(spec["body_hex"])
    elif spec.get("body_file") is not None:
        with open(spec["body_file"], "rb") as f:
            body = f.read()
    elif spec.get("body") is not None:
        body = spec["body"].encode("utf-8")
    payload_hash = spec.get("payload_hash")
    if payload_hash is not None and payload_hash != "UNSIGNED-PAYLOAD" and \
            not re.fullmatch(r"[0-9a-f]{64}", payload_hash):
        raise BadRequest("payload_hash must be UNSIGNED-PAYLOAD or 64 lower-case hex digits")

    presign = spec.get("presign")
    creds = Credentials(spec["access_key"], spec["secret_key"], spec.get("session_token") or None)
    cls = _auth_class(service, bool(presign), bool(spec.get("keep_date")), payload_hash)
    if presign:
        auth = cls(creds, service, region, expires=int(presign))
    else:
        auth = cls(creds, service, region)
    auth.recorded = {}

    request = AWSRequest(method=method, url=url, data=body)
    for name, value in _header_list(spec.get("headers")):
        request.headers[name] = value  # HTTPHeaders keeps repeated names

    with mock.patch.object(botocore.auth, "datetime", _fixed_datetime_module(when)):
        auth.add_auth(request)

    rec = auth.recorded
    cr_lines = rec["canonical_request"].split("\n")
    headers = list(request.headers.items())
    if not any(n.lower() == "host" for n, _ in headers):
        headers.insert(0, ("Host", botocore.auth._host_from_url(request.url)))
    auth_header = None if presign else request.headers.get("Authorization")
    signed = None
    m = re.search(r"SignedHeaders=([^,]*)", auth_header or "")
    if m:
        signed = m.group(1)
    elif presign:
        q = dict(p.partition("=")[::2] for p in urlsplit(request.url).query.split("&"))
        signed = q.get("X-Amz-SignedHeaders")
    return {
        "method": method,
        "url": request.url,
        "canonical_request": rec["canonical_request"],
        "canonical_uri": cr_lines[1],
        "canonical_query": cr_lines[2],
        "string_to_sign": rec["string_to_sign"],
        "credential_scope": rec["string_to_sign"].split("\n")[2],
        "signature": rec["signature"],
        "authorization": auth_header,
        "signed_headers": signed,
        "payload_hash": cr_lines[-1],
        "headers": [[n, v] for n, v in headers],
        "warnings": _warnings(url, service),
        "botocore": botocore.__version__,
    }


def main():
    ap = argparse.ArgumentParser(
        description="Sign one request with botocore's SigV4 signer at a fixed time and "
                    "print what it computed, as JSON.",
        epilog="See the module docstring for the rules.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--method", default="GET")
    ap.add_argument("--url")
    ap.add_argument("--endpoint")
    ap.add_argument("--bucket")
    ap.add_argument("--key")
    ap.add_argument("--addressing", choices=["path", "virtual"], default="path")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--service", default="s3")
    ap.add_argument("--access-key")
    ap.add_argument("--secret-key")
    ap.add_argument("--session-token")
    ap.add_argument("--payload-hash")
    ap.add_argument("--body")
    ap.add_argument("--body-file")
    ap.add_argument("--timestamp", default=None)
    ap.add_argument("--keep-date", action="store_true")
    ap.add_argument("--presign", type=int, metavar="SECONDS")
    ap.add_argument("--batch", action="store_true")
    ap.add_argument("--field", help="print only this field of the answer (as text)")
    ap.add_argument("--pretty", action="store_true", help="indent the JSON")
    args = ap.parse_args()

    if args.batch:
        status = 0
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                out = sign(json.loads(line))
            except (BadRequest, ValueError, KeyError, TypeError, OSError) as e:
                out = {"error": str(e)}
                status = 1
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return status

    if args.timestamp is None:
        ap.error("--timestamp is required (YYYYMMDDTHHMMSSZ or now)")
    spec = {
        "method": args.method, "url": args.url, "endpoint": args.endpoint,
        "bucket": args.bucket, "key": args.key, "addressing": args.addressing,
        "params": args.param, "headers": args.header, "region": args.region,
        "service": args.service, "access_key": args.access_key,
        "secret_key": args.secret_key, "session_token": args.session_token,
        "payload_hash": args.payload_hash, "body": args.body, "body_file": args.body_file,
        "timestamp": args.timestamp, "keep_date": args.keep_date, "presign": args.presign,
    }
    try:
        out = sign(spec)
    except (BadRequest, ValueError, OSError) as e:
        sys.stderr.write(f"sigv4_ref: {e}\n")
        return 1
    if args.field:
        value = out.get(args.field)
        sys.stdout.write(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1 if args.pretty else None) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
