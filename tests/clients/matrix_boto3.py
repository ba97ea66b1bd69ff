#!/usr/bin/python3
"""Debian's boto3/botocore in one cell of the client matrix (http or https, --auth any|sigv4).

    LOCKYARD_ENDPOINT=http[s]://127.0.0.1:PORT [AWS_CA_BUNDLE=cert.pem] [LOCKYARD_AUTH=sigv4] \
    /usr/bin/python3 tests/clients/matrix_boto3.py

Flexible checksums (over https botocore sends them as an aws-chunked trailer, over http as a
header), Content-MD5, checksum-mode GETs, BadDigest, presigned URLs, STS GetCallerIdentity and,
under sigv4, the rejections: wrong secret, unknown key, expired presigned URL, DynamoDB's
InvalidSignatureException / UnrecognizedClientException. Ends with "N passed, N failed".
"""
import base64
import hashlib
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import ssl
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import workdir  # noqa: E402  removed at exit, also on an exception or SIGTERM
_home = workdir.make("lockyard-matrix-boto3-")
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)
os.environ.update(HOME=_home, AWS_CONFIG_FILE=os.path.join(_home, "config"),
                  AWS_SHARED_CREDENTIALS_FILE=os.path.join(_home, "credentials"))
try:
    import boto3
    import botocore
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as exc:
    print(f"FAIL: boto3 is not importable by {sys.executable} ({exc}); "
          "install it: apt-get install -y python3-boto3")
    print("0 passed, 1 failed")
    sys.exit(1)

ENDPOINT = os.environ["LOCKYARD_ENDPOINT"]
HTTPS = ENDPOINT.startswith("https:")
STRICT = os.environ.get("LOCKYARD_AUTH") == "sigv4"
AKID, SECRET = "AKIDLOCKYARDTEST", "lockyard-test-secret"
print(f"version: boto3 {boto3.__version__}, botocore {botocore.__version__}, "
      f"python {sys.version.split()[0]}, {'https' if HTTPS else 'http'}, "
      f"auth {'sigv4' if STRICT else 'any'}")

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}" + (f": {detail}" if detail else ""))
    return cond


def client(service="s3", akid=AKID, secret=SECRET, attempts=None):
    cfg = {"s3": {"addressing_style": "path"}}
    if attempts:
        cfg["retries"] = {"max_attempts": attempts, "mode": "standard"}
    return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id=akid, aws_secret_access_key=secret,
                        config=Config(**cfg))


def code_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"].get("Code"), e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


s3 = client()
sent = []
s3.meta.events.register("before-send.s3", lambda request, **_: sent.append(
    (request.method, dict(request.headers), request.body)))
B = f"matrix-boto3-{os.getpid()}"


def hdr(name):
    h = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in sent[-1][1].items()}
    return h.get(name.lower())


def crc32_b64(b):
    return base64.b64encode(zlib.crc32(b).to_bytes(4, "big")).decode()


def run(name, fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - any error is this test's failure
        check(name, False, repr(exc))


run("create bucket", lambda: check("create bucket", s3.create_bucket(Bucket=B)[
    "ResponseMetadata"]["HTTPStatusCode"] == 200))


def flexible_checksums():
    for alg, key in (("CRC32", "ChecksumCRC32"), ("SHA256", "ChecksumSHA256"),
                     ("CRC32C", "ChecksumCRC32C"), ("SHA1", "ChecksumSHA1")):
        body = os.urandom(3000) + b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
        r = s3.put_object(Bucket=B, Key=f"alg-{alg}", Body=body, ChecksumAlgorithm=alg)
        if HTTPS:
            check(f"{alg}: sent aws-chunked with a trailer over https",
                  "aws-chunked" in (hdr("Content-Encoding") or "") and
                  hdr("X-Amz-Trailer") == f"x-amz-checksum-{alg.lower()}" and
                  hdr("X-Amz-Content-SHA256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                  sent[-1][1])
        else:
            check(f"{alg}: sent as a header over http",
                  hdr(f"x-amz-checksum-{alg.lower()}") is not None, sent[-1][1])
        check(f"{alg}: PutObject echoes the checksum", r.get(key) is not None, r)
        g = s3.get_object(Bucket=B, Key=f"alg-{alg}", ChecksumMode="ENABLED")
        got = g["Body"].read()  # botocore validates the checksum while reading
        check(f"{alg}: stored bytes exact", got == body, len(got))
        check(f"{alg}: GET returns the stored checksum", g.get(key) == r.get(key), g.get(key))
        if alg == "CRC32":
            check("CRC32 value", g.get(key) == crc32_b64(body), g.get(key))
        if alg == "SHA256":
            check("SHA256 value", g.get(key) ==
                  base64.b64encode(hashlib.sha256(body).digest()).decode(), g.get(key))
    g = s3.get_object(Bucket=B, Key="alg-CRC32", ChecksumMode="ENABLED", Range="bytes=0-9")
    check("ranged GET: 206, no checksum", g["ResponseMetadata"]["HTTPStatusCode"] == 206 and
          not any(k.startswith("Checksum") for k in g), sorted(g))
    check("ranged GET: bytes", len(g["Body"].read()) == 10)


run("flexible checksums", flexible_checksums)


def digests():
    body = b"content-md5 body"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    r = s3.put_object(Bucket=B, Key="md5", Body=body, ContentMD5=md5)
    check("Content-MD5 accepted, ETag", r["ETag"] == f'"{hashlib.md5(body).hexdigest()}"', r["ETag"])
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    check("wrong Content-MD5 -> BadDigest",
          code_of(lambda: s3.put_object(Bucket=B, Key="md5b", Body=body, ContentMD5=bad)) ==
          ("BadDigest", 400))
    check("wrong x-amz-checksum-crc32 -> BadDigest",
          code_of(lambda: s3.put_object(Bucket=B, Key="crcb", Body=body,
                                        ChecksumCRC32="AAAAAA==")) == ("BadDigest", 400))
    check("wrong x-amz-checksum-sha256 -> BadDigest",
          code_of(lambda: s3.put_object(Bucket=B, Key="crcb", Body=body,
                                        ChecksumSHA256=base64.b64encode(b"\0" * 32).decode()))
          == ("BadDigest", 400))
    check("BadDigest stored nothing",
          code_of(lambda: s3.head_object(Bucket=B, Key="crcb")) == ("404", 404))


run("digests", digests)


def http_get(url, method="GET", data=None):
    ctx = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE")) if HTTPS else None
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def presigned():
    s3.put_object(Bucket=B, Key="pre", Body=b"presigned body")
    v2 = s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "pre"},
                                   ExpiresIn=300)
    st, body = http_get(v2)
    if "X-Amz-Signature=" not in v2 and STRICT:
        check("SigV2 presigned URL (botocore's default) -> 400 InvalidRequest, not supported",
              st == 400 and b"<Code>InvalidRequest</Code>" in body and b"AWS4-HMAC-SHA256" in body,
              (st, body[:300]))
    elif "X-Amz-Signature=" not in v2:
        check("SigV2 presigned URL accepted under --auth any", st == 200, (st, body[:300]))
    s3v4 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "pre"},
                                    ExpiresIn=300)
    st, body = http_get(url)
    check("presigned GET 200", st == 200 and body == b"presigned body", (st, body[:200]))
    url = s3v4.generate_presigned_url("put_object", Params={"Bucket": B, "Key": "pre-put"},
                                    ExpiresIn=300)
    st, body = http_get(url, "PUT", b"put through a presigned URL")
    check("presigned PUT 200", st == 200, (st, body[:300]))
    check("presigned PUT stored", s3.get_object(Bucket=B, Key="pre-put")["Body"].read() ==
          b"put through a presigned URL")
    if STRICT:
        url = s3v4.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "pre"},
                                          ExpiresIn=1)
        time.sleep(2.2)
        st, body = http_get(url)
        check("expired presigned URL -> 403 AccessDenied", st == 403 and
              b"<Code>AccessDenied</Code>" in body and b"expired" in body, (st, body[:300]))
        bad = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                           aws_access_key_id=AKID, aws_secret_access_key="wrong-secret",
                           config=Config(signature_version="s3v4",
                                         s3={"addressing_style": "path"})).generate_presigned_url(
            "get_object", Params={"Bucket": B, "Key": "pre"}, ExpiresIn=300)
        st, body = http_get(bad)
        check("presigned URL with a wrong secret -> 403 SignatureDoesNotMatch",
              st == 403 and b"SignatureDoesNotMatch" in body, (st, body[:200]))


run("presigned", presigned)


def sts():
    r = client("sts").get_caller_identity()
    check("STS GetCallerIdentity", len(r.get("Account", "")) == 12 and
          r.get("Arn", "").startswith("arn:aws:iam::") and r.get("UserId"), r)


run("sts", sts)


def strict():
    bad = client(secret="wrong-secret", attempts=1)
    check("wrong secret: PutObject -> SignatureDoesNotMatch",
          code_of(lambda: bad.put_object(Bucket=B, Key="x", Body=b"x")) ==
          ("SignatureDoesNotMatch", 403))
    check("wrong secret: PutObject with a trailer checksum -> SignatureDoesNotMatch",
          code_of(lambda: bad.put_object(Bucket=B, Key="x", Body=b"x", ChecksumAlgorithm="SHA256"))
          == ("SignatureDoesNotMatch", 403))
    check("wrong secret: ListObjectsV2 -> SignatureDoesNotMatch",
          code_of(lambda: bad.list_objects_v2(Bucket=B)) == ("SignatureDoesNotMatch", 403))
    check("rejected PutObject stored nothing",
          code_of(lambda: s3.head_object(Bucket=B, Key="x")) == ("404", 404))
    unknown = client(akid="AKIDNOBODYKNOWS", attempts=1)
    check("unknown key -> InvalidAccessKeyId",
          code_of(lambda: unknown.get_object(Bucket=B, Key="pre")) == ("InvalidAccessKeyId", 403))
    check("wrong secret: STS -> SignatureDoesNotMatch",
          code_of(lambda: client("sts", secret="wrong-secret", attempts=1).get_caller_identity())
          == ("SignatureDoesNotMatch", 403))
    check("unknown key: STS -> InvalidClientTokenId",
          code_of(lambda: client("sts", akid="AKIDNOBODYKNOWS", attempts=1).get_caller_identity())
          == ("InvalidClientTokenId", 403))
    check("wrong secret: DynamoDB -> InvalidSignatureException",
          code_of(lambda: client("dynamodb", secret="wrong-secret", attempts=1).list_tables())
          == ("InvalidSignatureException", 400))
    check("unknown key: DynamoDB -> UnrecognizedClientException",
          code_of(lambda: client("dynamodb", akid="AKIDNOBODYKNOWS", attempts=1).list_tables())
          == ("UnrecognizedClientException", 400))


if STRICT:
    run("strict", strict)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
