#!/usr/bin/python3
"""Generate SigV4 oracle vectors with botocore for tests/unit/test_sigv4.c.

Run with Debian's python (it has python3-botocore), from the repo root:

    /usr/bin/python3 tests/unit/sigv4_vectors.py > tests/unit/data/sigv4_vectors.jsonl

Each line is one request signed by botocore's SigV4Auth / S3SigV4Auth /
S3SigV4QueryAuth / SigV4QueryAuth with a fixed timestamp, together with
botocore's canonical request, string to sign and signature. The seed is
fixed, so the output is deterministic for a given botocore version.
"""
import hashlib
import json
import random
import sys
from urllib.parse import quote, urlsplit

import botocore
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SEED = 20260101
COUNT = 400

KEY_CHARS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "-_.~ +%/!*'()=&$@:,;?#[]" + "\u00e9\u00fc\u6f22\u5b57\U0001f600"
)
QUERY_NAMES = [
    "prefix", "list-type", "max-keys", "uploadId", "partNumber", "x-id", "a", "A", "b",
    "delimiter", "continuation-token", "key with space", "\u00fcn\u00ef", "plus+sign",
    "tilde~", "pct%25", "uploads", "versionId", "response-content-type",
]
VALUE_CHARS = "abcXYZ019-_.~ +%/=&?*\u00e9\u6f22"
HEADER_VALUE_CHARS = "abcdefXYZ0123456789-_.~+=/:;,()\"' \t"
STREAMING = [
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
]


def rand_str(rng, chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def s3_path(rng):
    bucket = rng.choice(["examplebucket", "my.bucket-1", "b"])
    key = rand_str(rng, KEY_CHARS, 0, 24)
    style = rng.random()
    raw = "/" + key if style < 0.3 else "/" + bucket + ("/" + key if key or style < 0.6 else "")
    return quote(raw, safe="/~")


def other_path(rng):
    if rng.random() < 0.6:
        return "/"
    segs = []
    for _ in range(rng.randint(1, 5)):
        segs.append(rng.choice([".", "..", "", quote(rand_str(rng, KEY_CHARS, 1, 6), safe="~")]))
    path = "/" + "/".join(segs)
    return path + ("/" if rng.random() < 0.3 else "")


def make_query(rng, unique):
    pairs, used = [], set()
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        name = rng.choice(QUERY_NAMES)
        if unique and name in used:
            continue
        used.add(name)
        if rng.random() < 0.2:
            pairs.append(quote(name, safe="-_.~"))  # no '=' at all
            continue
        value = rand_str(rng, VALUE_CHARS, 0, 10)
        pairs.append(quote(name, safe="-_.~") + "=" + quote(value, safe="-_.~"))
        if not unique and rng.random() < 0.2:  # repeated name, other value
            value2 = rand_str(rng, VALUE_CHARS, 0, 4)
            pairs.append(quote(name, safe="-_.~") + "=" + quote(value2, safe="-_.~"))
    return "&".join(pairs)


def odd_value(rng):
    core = rand_str(rng, HEADER_VALUE_CHARS, 0, 20)
    return rng.choice(["", " ", "  ", "\t"]) + core + rng.choice(["", " ", " \t "])


def add_headers(rng, req, service, comparable):
    req.headers["Host"] = rng.choice(
        ["examplebucket.s3.amazonaws.com", "localhost:4566", "127.0.0.1:9000",
         "dynamodb.us-east-1.amazonaws.com"])
    if service == "dynamodb":
        req.headers["X-Amz-Target"] = "DynamoDB_20120810." + rng.choice(["PutItem", "GetItem"])
        req.headers["Content-Type"] = "application/x-amz-json-1.0"
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["X-Amz-Meta-Foo", "x-amz-meta-BAR", "Content-Type", "Range",
                           "If-None-Match", "My-Header", "x-amz-checksum-crc32"])
        req.headers[name] = odd_value(rng)  # appends: repeated names allowed
    if not comparable:
        req.headers["User-Agent"] = "lockyard-vector/1.0"  # not signed by botocore


def sign(auth, req, ts):
    """botocore's add_auth with a fixed timestamp instead of utcnow()."""
    req.context["timestamp"] = ts
    auth._modify_request_before_signing(req)
    cr = auth.canonical_request(req)
    sts = auth.string_to_sign(req, cr)
    sig = auth.signature(sts, req)
    auth._inject_signature_to_request(req, sig)
    return cr, sts, sig


def fixed_payload(value):
    class FixedPayloadS3Auth(S3SigV4Auth):
        def payload(self, request):
            return value
    return FixedPayloadS3Auth


def one_vector(rng, i):
    service = rng.choice(["s3", "s3", "s3", "dynamodb"])
    form = rng.choice(["header", "header", "presigned"])
    region = rng.choice(["us-east-1", "eu-west-3", "ap-southeast-2"])
    akid = "AKIA" + rand_str(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16)
    secret = rand_str(rng, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/", 40, 40)
    token = rand_str(rng, "abcdefABCDEF0123456789+/=", 20, 300) if rng.random() < 0.2 else None
    creds = Credentials(akid, secret, token)
    now = rng.randint(1356998400, 1924991999)  # 2013 .. 2030
    ts = __import__("datetime").datetime.utcfromtimestamp(now).strftime("%Y%m%dT%H%M%SZ")
    method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"])
    path = s3_path(rng) if service == "s3" else other_path(rng)
    query = make_query(rng, unique=(form == "presigned"))
    body = b""
    if form == "header" and method in ("PUT", "POST") and rng.random() < 0.7:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    url = "http://" + "host.invalid" + path + ("?" + query if query else "")
    comparable = rng.random() < 0.8
    req = AWSRequest(method=method, url=url, data=body)
    add_headers(rng, req, service, comparable)
    payload_hash = None  # what the C caller passes as sigv4_request.payload_hash
    kind = "sha256"
    if form == "presigned":
        expires = rng.choice([1, 60, 3600, 604800, rng.randint(1, 604800)])
        if service == "s3":
            auth = S3SigV4QueryAuth(creds, service, region, expires=expires)
        else:
            auth = SigV4QueryAuth(creds, service, region, expires=expires)
            payload_hash = hashlib.sha256(body).hexdigest()
    elif service == "s3":
        r = rng.random()
        if r < 0.2:
            kind = rng.choice(STREAMING + ["UNSIGNED-PAYLOAD"])
            auth = fixed_payload(kind)(creds, service, region)
        else:
            auth = S3SigV4Auth(creds, service, region)
    else:
        auth = SigV4Auth(creds, service, region)
        payload_hash = hashlib.sha256(body).hexdigest()
    cr, sts, sig = sign(auth, req, ts)
    parts = urlsplit(req.url)
    return {
        "id": i, "service": service, "region": region, "form": form, "method": method,
        "path": parts.path, "query": parts.query,
        "headers": [[k, v] for k, v in req.headers.items()],
        "payload_hash": payload_hash, "payload_kind": kind,
        "access_key": akid, "secret_key": secret, "session_token": token,
        "datetime": ts, "now": now, "signer_comparable": comparable and form == "header",
        "canonical_request": cr, "string_to_sign": sts, "signature": sig,
    }


# Requests of the AWS SigV4 test suite (aws-sig-v4-test-suite): method, raw path,
# raw query, extra headers. Expected values are botocore's, written to the file;
# the two signatures the suite publishes most widely are also asserted here.
SUITE = [
    ("get-vanilla", "GET", "/", "", []),
    ("get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", []),
    ("get-vanilla-query-order-value", "GET", "/", "Param1=value2&Param1=Value1", []),
    ("get-vanilla-empty-query-key", "GET", "/", "Param1=value1", []),
    ("get-unreserved", "GET",
     "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", []),
    ("get-utf8", "GET", "/%E1%88%B4", "", []),
    ("get-space", "GET", "/example%20space/", "", []),
    ("get-slash", "GET", "//example/", "", []),
    ("get-slash-dot-slash", "GET", "/./", "", []),
    ("get-slashes", "GET", "//example//", "", []),
    ("get-relative", "GET", "/example/..", "", []),
    ("get-relative-relative", "GET", "/example1/example2/../..", "", []),
    ("get-header-key-duplicate", "GET", "/", "",
     [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")]),
    ("get-header-value-order", "GET", "/", "",
     [("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"),
      ("My-Header1", "value2")]),
    ("get-header-value-trim", "GET", "/", "",
     [("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')]),
    ("post-vanilla", "POST", "/", "", []),
    ("post-vanilla-query", "POST", "/", "Param1=value1", []),
    ("post-header-key-case", "POST", "/", "", []),
    ("post-header-value-case", "POST", "/", "", [("My-Header1", "VALUE1")]),
]
SUITE_PUBLISHED = {
    "get-vanilla": "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    "get-vanilla-query-order-key-case":
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
}


def suite_vector(i, name, method, path, query, extra):
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    url = "http://example.amazonaws.com" + path + ("?" + query if query else "")
    req = AWSRequest(method=method, url=url, data=b"")
    req.headers["Host"] = "example.amazonaws.com"
    for k, v in extra:
        req.headers[k] = v
    auth = SigV4Auth(creds, "service", "us-east-1")
    cr, sts, sig = sign(auth, req, "20150830T123600Z")
    if name in SUITE_PUBLISHED and sig != SUITE_PUBLISHED[name]:
        raise SystemExit("botocore disagrees with the published %s signature" % name)
    return {
        "id": i, "name": name, "service": "service", "region": "us-east-1", "form": "header",
        "method": method, "path": path, "query": query,
        "headers": [[k, v] for k, v in req.headers.items()],
        "payload_hash": hashlib.sha256(b"").hexdigest(), "payload_kind": "sha256",
        "access_key": "AKIDEXAMPLE", "secret_key": creds.secret_key, "session_token": None,
        "datetime": "20150830T123600Z", "now": 1440938160, "signer_comparable": True,
        "canonical_request": cr, "string_to_sign": sts, "signature": sig,
    }


def main():
    rng = random.Random(SEED)
    out = sys.stdout
    for i, case in enumerate(SUITE):
        out.write(json.dumps(suite_vector(1000 + i, *case), ensure_ascii=True, sort_keys=True)
                  + "\n")
    for i in range(COUNT):
        out.write(json.dumps(one_vector(rng, i), ensure_ascii=True, sort_keys=True) + "\n")
    sys.stderr.write("botocore %s: %d vectors\n" % (botocore.__version__, COUNT))


if __name__ == "__main__":
    main()
