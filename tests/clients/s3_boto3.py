#!/usr/bin/python3
"""Real-client conformance: Debian's boto3/botocore against a running lockyard.

    LOCKYARD_ENDPOINT=http://127.0.0.1:PORT /usr/bin/python3 tests/clients/s3_boto3.py

Default client configuration except endpoint, region, dummy credentials and path-style
addressing. Ends with "N passed, N failed".

Debian 12's botocore (1.29.x, Dec 2022) predates the conditional-write members of the S3 model
(PutObject/CopyObject IfNoneMatch/IfMatch, DeleteObject IfMatch, Aug 2024 - Oct 2025). When the
loaded model lacks a parameter, the test sends the same header through a `before-sign` event
hook, which is where botocore itself would have serialised it. Reads (GetObject/HeadObject
If-*) and CopySourceIf* have been in the model for years and are passed as parameters.
"""
import hashlib
import os
import sys
import tempfile
import threading
import unittest
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import workdir  # noqa: E402  removed at exit, also on an exception or SIGTERM
_home = workdir.make("lockyard-boto3-")
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
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
          "install it: apt-get install -y python3-boto3 (or tools/install-deps --test)")
    print("0 passed, 1 failed")
    sys.exit(1)

ENDPOINT = os.environ.get("LOCKYARD_ENDPOINT")
if not ENDPOINT:
    print("FAIL: LOCKYARD_ENDPOINT is not set (http://127.0.0.1:PORT)")
    print("0 passed, 1 failed")
    sys.exit(1)

s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                  aws_access_key_id="AKIDLOCKYARDTEST",
                  aws_secret_access_key="lockyard-test-secret",
                  config=Config(s3={"addressing_style": "path"}))

_model = s3.meta.service_model


def _has_member(op, member):
    return member in _model.operation_model(op).input_shape.members


_extra = threading.local()


def _add_headers(request, **_):
    for name, value in getattr(_extra, "headers", {}).items():
        request.headers[name] = value


s3.meta.events.register("before-sign.s3", _add_headers)


@contextmanager
def _headers(headers):
    _extra.headers = headers
    try:
        yield
    finally:
        _extra.headers = {}


HEADER_OF = {"IfNoneMatch": "If-None-Match", "IfMatch": "If-Match"}
HOOKED = set()


def call(op, **params):
    """Calls s3.<op>; conditional members the loaded model lacks go out as headers."""
    headers = {}
    for member in ("IfNoneMatch", "IfMatch"):
        if member in params and not _has_member(op_name(op), member):
            headers[HEADER_OF[member]] = params.pop(member)
            HOOKED.add(f"{op_name(op)}.{member}")
    with _headers(headers):
        return getattr(s3, op)(**params)


def op_name(py_name):
    return "".join(p.capitalize() for p in py_name.split("_"))


def md5q(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


def error_of(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except ClientError as e:
        return e
    raise AssertionError("expected a ClientError, the call succeeded")


_seq = [0]


def fresh_bucket(tag):
    _seq[0] += 1
    name = f"py-{tag}-{os.getpid()}-{_seq[0]}"
    s3.create_bucket(Bucket=name)
    return name


class Buckets(unittest.TestCase):
    def test_lifecycle(self):
        b = f"py-buckets-{os.getpid()}"
        r = s3.create_bucket(Bucket=b)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r["Location"], f"/{b}")
        self.assertEqual(s3.head_bucket(Bucket=b)["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertIsNone(s3.get_bucket_location(Bucket=b)["LocationConstraint"])
        names = [x["Name"] for x in s3.list_buckets()["Buckets"]]
        self.assertIn(b, names)
        s3.put_object(Bucket=b, Key="k", Body=b"x")
        e = error_of(s3.delete_bucket, Bucket=b)
        self.assertEqual(e.response["Error"]["Code"], "BucketNotEmpty")
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        s3.delete_object(Bucket=b, Key="k")
        self.assertEqual(s3.delete_bucket(Bucket=b)["ResponseMetadata"]["HTTPStatusCode"], 204)
        e = error_of(s3.head_bucket, Bucket=b)
        self.assertEqual(e.response["Error"]["Code"], "404")
        e = error_of(s3.delete_bucket, Bucket=b)
        self.assertEqual(e.response["Error"]["Code"], "NoSuchBucket")
        e = error_of(s3.create_bucket, Bucket="Bad_Name")
        self.assertEqual(e.response["Error"]["Code"], "InvalidBucketName")


class Objects(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.b = fresh_bucket("obj")

    def test_put_get_bytes(self):
        for key, body in (("bytes", bytes(range(256))), ("text", "héllo ✓".encode()),
                          ("empty", b""), ("big", os.urandom(200000))):
            r = s3.put_object(Bucket=self.b, Key=key, Body=body, ContentType="application/x-t",
                              Metadata={"origin": key})
            self.assertEqual(r["ETag"], md5q(body))
            g = s3.get_object(Bucket=self.b, Key=key)
            self.assertEqual(g["Body"].read(), body, key)
            self.assertEqual(g["ContentLength"], len(body))
            self.assertEqual(g["ContentType"], "application/x-t")
            self.assertEqual(g["Metadata"], {"origin": key})
            self.assertNotIn("ContentEncoding", g)

    def test_put_file_object(self):
        with tempfile.TemporaryFile() as f:
            data = os.urandom(100000)
            f.write(data)
            f.seek(0)
            s3.put_object(Bucket=self.b, Key="file", Body=f)
        self.assertEqual(s3.get_object(Bucket=self.b, Key="file")["Body"].read(), data)

    def test_upload_download_fileobj(self):
        import io
        data = os.urandom(50000)
        s3.upload_fileobj(io.BytesIO(data), self.b, "fileobj")
        out = io.BytesIO()
        s3.download_fileobj(self.b, "fileobj", out)
        self.assertEqual(out.getvalue(), data)

    def test_range(self):
        s3.put_object(Bucket=self.b, Key="r", Body=b"0123456789")
        g = s3.get_object(Bucket=self.b, Key="r", Range="bytes=2-5")
        self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(g["ContentRange"], "bytes 2-5/10")
        self.assertEqual(g["Body"].read(), b"2345")
        self.assertEqual(s3.get_object(Bucket=self.b, Key="r", Range="bytes=-2")["Body"].read(), b"89")
        e = error_of(s3.get_object, Bucket=self.b, Key="r", Range="bytes=10-")
        self.assertEqual(e.response["Error"]["Code"], "InvalidRange")

    def test_conditional_reads(self):
        s3.put_object(Bucket=self.b, Key="c", Body=b"cond")
        h = s3.head_object(Bucket=self.b, Key="c")
        etag, mtime = h["ETag"], h["LastModified"]
        past = datetime.now(timezone.utc) - timedelta(hours=1)
        future = datetime.now(timezone.utc) + timedelta(hours=1)
        for kw in ({"IfMatch": etag}, {"IfNoneMatch": '"zz"'}, {"IfModifiedSince": past},
                   {"IfModifiedSince": future}, {"IfUnmodifiedSince": mtime},
                   {"IfMatch": etag, "IfUnmodifiedSince": past}):
            self.assertEqual(s3.get_object(Bucket=self.b, Key="c", **kw)["Body"].read(), b"cond", kw)
            self.assertEqual(s3.head_object(Bucket=self.b, Key="c", **kw)["ETag"], etag)
        for kw, status, cond in (({"IfMatch": '"zz"'}, 412, "If-Match"),
                                 ({"IfUnmodifiedSince": past}, 412, "If-Unmodified-Since"),
                                 ({"IfNoneMatch": etag}, 304, None),
                                 ({"IfNoneMatch": "*"}, 304, None),
                                 ({"IfModifiedSince": mtime}, 304, None),
                                 ({"IfNoneMatch": etag, "IfModifiedSince": past}, 304, None)):
            e = error_of(s3.get_object, Bucket=self.b, Key="c", **kw)
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], status, kw)
            if status == 412:
                self.assertEqual(e.response["Error"]["Code"], "PreconditionFailed")
                self.assertEqual(e.response["Error"]["Condition"], cond)
            else:
                self.assertEqual(e.response["Error"]["Code"], "304")
            e = error_of(s3.head_object, Bucket=self.b, Key="c", **kw)
            self.assertEqual(e.response["Error"]["Code"], str(status), kw)  # HEAD: no body
        e = error_of(s3.head_object, Bucket=self.b, Key="missing")
        self.assertEqual(e.response["Error"]["Code"], "404")

    def test_if_none_match_star_twice(self):
        r = call("put_object", Bucket=self.b, Key="lock.tflock", Body=b'{"ID":"1"}', IfNoneMatch="*")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        e = error_of(call, "put_object", Bucket=self.b, Key="lock.tflock", Body=b'{"ID":"2"}',
                     IfNoneMatch="*")
        self.assertEqual(e.response["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(e.response["Error"]["Condition"], "If-None-Match")
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 412)
        self.assertEqual(e.response["ResponseMetadata"]["RetryAttempts"], 0)
        self.assertEqual(s3.get_object(Bucket=self.b, Key="lock.tflock")["Body"].read(), b'{"ID":"1"}')

    def test_if_match(self):
        v1 = s3.put_object(Bucket=self.b, Key="im", Body=b"v1")["ETag"]
        call("put_object", Bucket=self.b, Key="im", Body=b"v2", IfMatch=v1)
        e = error_of(call, "put_object", Bucket=self.b, Key="im", Body=b"v3", IfMatch=v1)
        self.assertEqual(e.response["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(e.response["Error"]["Condition"], "If-Match")
        e = error_of(call, "put_object", Bucket=self.b, Key="im-missing", Body=b"x", IfMatch=v1)
        self.assertEqual(e.response["Error"]["Code"], "NoSuchKey")
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_not_implemented(self):
        s3.put_object(Bucket=self.b, Key="ni", Body=b"x")
        for kw, header in (({"IfNoneMatch": '"abc"'}, "If-None-Match"), ({"IfMatch": "*"}, "If-Match")):
            e = error_of(call, "put_object", Bucket=self.b, Key="ni", Body=b"y", **kw)
            self.assertEqual(e.response["Error"]["Code"], "NotImplemented")
            self.assertEqual(e.response["Error"]["Header"], header)
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 501)
        e = error_of(s3.get_object_tagging, Bucket=self.b, Key="ni")
        self.assertEqual(e.response["Error"]["Code"], "NotImplemented")
        self.assertEqual(s3.get_object(Bucket=self.b, Key="ni")["Body"].read(), b"x")

    def test_delete(self):
        etag = s3.put_object(Bucket=self.b, Key="d", Body=b"x")["ETag"]
        e = error_of(call, "delete_object", Bucket=self.b, Key="d", IfMatch='"zz"')
        self.assertEqual(e.response["Error"]["Code"], "PreconditionFailed")
        r = call("delete_object", Bucket=self.b, Key="d", IfMatch=etag)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(s3.delete_object(Bucket=self.b, Key="d")["ResponseMetadata"]["HTTPStatusCode"], 204)
        for k in ("m1", "m2", "m3"):
            s3.put_object(Bucket=self.b, Key=k, Body=b"x")
        r = s3.delete_objects(Bucket=self.b, Delete={"Objects": [{"Key": "m1"}, {"Key": "m2"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["m1", "m2"])
        r = s3.delete_objects(Bucket=self.b, Delete={"Objects": [{"Key": "m3"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertNotIn("Errors", r)
        e = error_of(s3.get_object, Bucket=self.b, Key="m3")
        self.assertEqual(e.response["Error"]["Code"], "NoSuchKey")

    def test_copy(self):
        data = os.urandom(3000)
        src = s3.put_object(Bucket=self.b, Key="src", Body=data, Metadata={"a": "1"})["ETag"]
        mtime = s3.head_object(Bucket=self.b, Key="src")["LastModified"]
        cs = {"Bucket": self.b, "Key": "src"}
        r = s3.copy_object(Bucket=self.b, Key="dst", CopySource=cs)
        self.assertEqual(r["CopyObjectResult"]["ETag"], src)
        g = s3.get_object(Bucket=self.b, Key="dst")
        self.assertEqual(g["Body"].read(), data)
        self.assertEqual(g["Metadata"], {"a": "1"})
        s3.copy_object(Bucket=self.b, Key="dst", CopySource=cs, CopySourceIfMatch=src)
        past = datetime.now(timezone.utc) - timedelta(hours=1)
        for kw, cond in (({"CopySourceIfMatch": '"zz"'}, "x-amz-copy-source-If-Match"),
                         ({"CopySourceIfNoneMatch": src}, "x-amz-copy-source-If-None-Match"),
                         ({"CopySourceIfUnmodifiedSince": past}, "x-amz-copy-source-If-Unmodified-Since"),
                         ({"CopySourceIfModifiedSince": mtime}, "x-amz-copy-source-If-Modified-Since")):
            e = error_of(s3.copy_object, Bucket=self.b, Key="dst2", CopySource=cs, **kw)
            self.assertEqual(e.response["Error"]["Code"], "PreconditionFailed")
            self.assertEqual(e.response["Error"]["Condition"], cond)
        e = error_of(call, "copy_object", Bucket=self.b, Key="dst", CopySource=cs, IfNoneMatch="*")
        self.assertEqual(e.response["Error"]["Code"], "PreconditionFailed")
        call("copy_object", Bucket=self.b, Key="dst-new", CopySource=cs, IfNoneMatch="*")
        s3.copy(cs, self.b, "dst-managed")  # the managed transfer copy (head + copy_object)
        self.assertEqual(s3.get_object(Bucket=self.b, Key="dst-managed")["Body"].read(), data)


class Multipart(unittest.TestCase):
    def test_completion_lost_ack_retry(self):
        """A fault rule applies the conditional CompleteMultipartUpload and answers 500;
        botocore retries it and must get 200 with the same ETag (AWS answers a retried
        completion as the first one), not NoSuchUpload or a 412 against its own object."""
        import json
        import urllib.request
        b = fresh_bucket("mpu-retry")
        up = s3.create_multipart_upload(Bucket=b, Key="manifest.json")["UploadId"]
        part = s3.upload_part(Bucket=b, Key="manifest.json", UploadId=up, PartNumber=1,
                              Body=b"v1 manifest")["ETag"]
        rule = {"match": {"service": "s3", "op": "CompleteMultipartUpload", "bucket": b,
                          "nth": 1},
                "action": {"type": "fail_after", "status": 500, "code": "InternalError"}}
        req = urllib.request.Request(ENDPOINT + "/_lockyard/faults", method="POST",
                                     data=json.dumps(rule).encode())
        with urllib.request.urlopen(req) as r:
            self.assertEqual(r.status, 200)
        r = call("complete_multipart_upload", Bucket=b, Key="manifest.json", UploadId=up,
                 IfNoneMatch="*",
                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part}]})
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertGreaterEqual(r["ResponseMetadata"]["RetryAttempts"], 1)
        self.assertEqual(r["ETag"], '"%s-1"' % hashlib.md5(
            bytes.fromhex(part.strip('"'))).hexdigest())
        body = s3.get_object(Bucket=b, Key="manifest.json")["Body"].read()
        self.assertEqual(body, b"v1 manifest")
        e = error_of(s3.complete_multipart_upload, Bucket=b, Key="manifest.json", UploadId=up,
                     MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": part}]})
        self.assertEqual(e.response["Error"]["Code"], "NoSuchUpload")


class Listing(unittest.TestCase):
    def test_paginators(self):
        b = fresh_bucket("list")
        keys = [f"k/{i:04d}" for i in range(1100)]
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(8) as ex:
            list(ex.map(lambda k: s3.put_object(Bucket=b, Key=k, Body=k.encode()), keys))
        for k in ("a/1", "a/b/2", "top"):
            s3.put_object(Bucket=b, Key=k, Body=b"x")
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=b, Prefix="k/"))
        self.assertEqual([p["KeyCount"] for p in pages], [1000, 100])
        self.assertEqual([o["Key"] for p in pages for o in p["Contents"]], keys)
        small = list(s3.get_paginator("list_objects_v2").paginate(
            Bucket=b, Prefix="k/00", PaginationConfig={"PageSize": 30}))
        self.assertEqual(len(small), 4)
        self.assertEqual(sum(p["KeyCount"] for p in small), 100)
        v1 = list(s3.get_paginator("list_objects").paginate(
            Bucket=b, Prefix="k/", PaginationConfig={"PageSize": 400}))
        self.assertEqual([len(p["Contents"]) for p in v1], [400, 400, 300])
        self.assertEqual([o["Key"] for p in v1 for o in p["Contents"]], keys)
        d = s3.list_objects_v2(Bucket=b, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in d["CommonPrefixes"]], ["a/", "k/"])
        self.assertEqual([o["Key"] for o in d["Contents"]], ["top"])
        d1 = list(s3.get_paginator("list_objects").paginate(
            Bucket=b, Delimiter="/", PaginationConfig={"PageSize": 1}))
        self.assertEqual(len(d1), 3)
        # the default EncodingType=url that botocore adds to list calls is decoded back
        s3.put_object(Bucket=b, Key="sp ace/ü+", Body=b"x")
        r = s3.list_objects_v2(Bucket=b, Prefix="sp ace/")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["sp ace/ü+"])

    def test_empty_continuation_token(self):
        # boto3 sends ContinuationToken="" as continuation-token= ; S3 answers InvalidArgument
        # (recorded), it does not list from the start
        b = fresh_bucket("tok")
        s3.put_object(Bucket=b, Key="k", Body=b"x")
        e = error_of(s3.list_objects_v2, Bucket=b, ContinuationToken="")
        self.assertEqual(e.response["Error"]["Code"], "InvalidArgument")
        self.assertEqual(e.response["Error"]["Message"], "The continuation token provided is incorrect")
        self.assertEqual(e.response["Error"].get("ArgumentName"), "continuation-token")


def main():
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}")
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    if HOOKED:
        print("note: sent through a before-sign hook (absent from this botocore's model): "
              + ", ".join(sorted(HOOKED)))
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print(f"{result.testsRun - failed - len(result.skipped)} passed, {failed} failed")
    return 0 if failed == 0 and not result.skipped else 1


if __name__ == "__main__":
    sys.exit(main())
