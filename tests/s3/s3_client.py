#!/usr/bin/python3
"""A small S3 client for the tests, built on botocore (Debian's python3-botocore).

Run it with /usr/bin/python3 (pyenv's python3 does not see Debian's botocore):

    s3_client.py mb BUCKET
    s3_client.py put BUCKET KEY FILE            # FILE '-' reads stdin
    s3_client.py put-many BUCKET PREFIX COUNT [--size N] [--jobs J]
    s3_client.py ls BUCKET [--prefix P] [--delimiter D] [--max-keys N] [--json]
    s3_client.py get BUCKET KEY [--range bytes=A-B] [--out FILE]
    s3_client.py head BUCKET KEY
    s3_client.py rm BUCKET KEY

The endpoint is --endpoint or $S3_ENDPOINT; credentials $S3_ACCESS_KEY_ID /
$S3_SECRET_ACCESS_KEY (default S3RVER / S3RVER, s3rver's built-in pair); the region
$S3_REGION (default us-east-1). Requests are path-style and signed with SigV4, and no
file under ~/.aws is read. `ls` pages through ListObjectsV2 with continuation tokens
and prints one key per line (or, with --json, one JSON object with every key, size,
ETag and the number of pages). put-many uploads COUNT objects named
PREFIX000000.csv, PREFIX000001.csv, ... from one process with J threads.

Exit status: 0 ok, 1 the request failed (the S3 error code is printed on stderr),
2 usage.
"""

import argparse
import concurrent.futures
import json
import os
import sys

# Keep the developer's own AWS configuration out of the tests.
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_name, None)

try:
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    sys.stderr.write(
        "s3_client: botocore is missing; run it with /usr/bin/python3 "
        "(apt-get install python3-botocore)\n")
    sys.exit(2)


def make_client(endpoint, jobs=1):
    session = botocore.session.get_session()
    return session.create_client(
        "s3",
        endpoint_url=endpoint,
        region_name=os.environ.get("S3_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("S3_ACCESS_KEY_ID", "S3RVER"),
        aws_secret_access_key=os.environ.get("S3_SECRET_ACCESS_KEY", "S3RVER"),
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=max(10, jobs),
        ),
    )


def cmd_mb(client, args):
    client.create_bucket(Bucket=args.bucket)


def cmd_put(client, args):
    if args.file == "-":
        body = sys.stdin.buffer.read()
    else:
        with open(args.file, "rb") as f:
            body = f.read()
    resp = client.put_object(Bucket=args.bucket, Key=args.key, Body=body)
    print(resp.get("ETag", ""))


def object_body(i, size):
    line = f"id,value\n{i},{i * 7 % 1000}\n".encode()
    if size <= len(line):
        return line
    filler = (b"x" * 63 + b"\n") * (size // 64 + 1)
    return (line + filler)[:size]


def cmd_put_many(client, args):
    def one(i):
        key = f"{args.prefix}{i:06d}.csv"
        client.put_object(Bucket=args.bucket, Key=key, Body=object_body(i, args.size))
        return key

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = 0
        for _ in pool.map(one, range(args.count)):
            done += 1
    print(done)


def cmd_ls(client, args):
    kwargs = {"Bucket": args.bucket, "MaxKeys": args.max_keys}
    if args.prefix:
        kwargs["Prefix"] = args.prefix
    if args.delimiter:
        kwargs["Delimiter"] = args.delimiter
    objects, prefixes, pages = [], [], 0
    token = None
    while True:
        if token:
            kwargs["ContinuationToken"] = token
        resp = client.list_objects_v2(**kwargs)
        pages += 1
        for o in resp.get("Contents", []):
            objects.append({"key": o["Key"], "size": o["Size"], "etag": o.get("ETag", "")})
        for p in resp.get("CommonPrefixes", []):
            prefixes.append(p["Prefix"])
        if not resp.get("IsTruncated"):
            break
        token = resp.get("NextContinuationToken")
        if not token:
            raise SystemExit("s3_client: truncated listing without NextContinuationToken")
        if pages > 100000:
            raise SystemExit("s3_client: more than 100000 pages; giving up")
    if args.json:
        json.dump({"objects": objects, "common_prefixes": prefixes, "pages": pages},
                  sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for p in prefixes:
            print(p)
        for o in objects:
            print(o["key"])


def cmd_get(client, args):
    kwargs = {"Bucket": args.bucket, "Key": args.key}
    if args.range:
        kwargs["Range"] = args.range
    resp = client.get_object(**kwargs)
    data = resp["Body"].read()
    if args.out:
        with open(args.out, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)


def cmd_head(client, args):
    resp = client.head_object(Bucket=args.bucket, Key=args.key)
    out = {
        "size": resp.get("ContentLength"),
        "etag": resp.get("ETag"),
        "last_modified": resp["LastModified"].isoformat() if resp.get("LastModified") else None,
        "content_type": resp.get("ContentType"),
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def cmd_rm(client, args):
    client.delete_object(Bucket=args.bucket, Key=args.key)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", default=os.environ.get("S3_ENDPOINT"))
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("mb")
    p.add_argument("bucket")
    p.set_defaults(fn=cmd_mb)

    p = sub.add_parser("put")
    p.add_argument("bucket")
    p.add_argument("key")
    p.add_argument("file")
    p.set_defaults(fn=cmd_put)

    p = sub.add_parser("put-many")
    p.add_argument("bucket")
    p.add_argument("prefix")
    p.add_argument("count", type=int)
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--jobs", type=int, default=8)
    p.set_defaults(fn=cmd_put_many)

    p = sub.add_parser("ls")
    p.add_argument("bucket")
    p.add_argument("--prefix", default="")
    p.add_argument("--delimiter", default="")
    p.add_argument("--max-keys", type=int, default=1000)
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_ls)

    p = sub.add_parser("get")
    p.add_argument("bucket")
    p.add_argument("key")
    p.add_argument("--range")
    p.add_argument("--out")
    p.set_defaults(fn=cmd_get)

    p = sub.add_parser("head")
    p.add_argument("bucket")
    p.add_argument("key")
    p.set_defaults(fn=cmd_head)

    p = sub.add_parser("rm")
    p.add_argument("bucket")
    p.add_argument("key")
    p.set_defaults(fn=cmd_rm)

    args = ap.parse_args()
    if not args.endpoint:
        ap.error("no endpoint: pass --endpoint or set S3_ENDPOINT")
    jobs = getattr(args, "jobs", 1)
    client = make_client(args.endpoint, jobs)
    try:
        args.fn(client, args)
    except ClientError as e:
        err = e.response.get("Error", {})
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        sys.stderr.write(f"s3_client: {args.cmd} failed: HTTP {status} "
                         f"{err.get('Code', '?')}: {err.get('Message', '')}\n")
        return 1
    except BotoCoreError as e:
        sys.stderr.write(f"s3_client: {args.cmd} failed: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
