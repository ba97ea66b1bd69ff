"""Client for tools/bench/icount: PORT WORKLOAD N [baseline]. Waits for the server, sets up the
bucket / table, then sends N requests of WORKLOAD over one keep-alive connection; setup is also done
for N = 0 so the difference of two runs is the requests alone. With "baseline" the server is
tools/bench/baseline.c's bare libevent+LMDB key-value server: no bucket or table, keys at the root
(/obj, /k1, ...), S3 workloads only."""
import http.client
import json
import sys
import time

port, work, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
baseline = len(sys.argv) > 4 and sys.argv[4] == "baseline"
B = "" if baseline else "/bench"  # where the objects are
BODY = b"x" * 1024
BIG = bytes(range(256)) * (8 << 12)  # 8 MiB


def aws_chunked(data, size=64 << 10):
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER framing with a CRC32 trailer, as the SDKs send."""
    import base64
    import zlib
    out = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
           for i in range(0, len(data), size)]
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big"))
    return b"".join(out) + b"0\r\nx-amz-checksum-crc32:" + crc + b"\r\n\r\n"


BIG_CHUNKED = aws_chunked(BIG)
CHUNKED_HEADERS = {"Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
                   "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                   "x-amz-decoded-content-length": str(len(BIG))}
DDB_HEADERS = {"Content-Type": "application/x-amz-json-1.0"}


def connect():
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/_lockyard/health")
            c.getresponse().read()
            return c
        except OSError:
            time.sleep(0.05)
    sys.exit("icount: server did not start")


def call(c, method, path, body=None, headers=None, want=(200,)):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    r.read()
    if r.status not in want:
        sys.exit("icount: %s %s answered %d" % (method, path, r.status))


def ddb(c, target, doc):
    h = dict(DDB_HEADERS, **{"X-Amz-Target": "DynamoDB_20120810." + target})
    call(c, "POST", "/", json.dumps(doc), h)


def item(i):
    return {"LockID": {"S": "lock-%d" % i}, "Info": {"S": "x" * 900}}


c = connect()
if baseline and (work.startswith("ddb") or work == "list"):
    sys.exit("icount: the baseline server has no " + work)
if not baseline:
    call(c, "PUT", "/bench")
call(c, "PUT", B + "/obj", BODY)
if not baseline:
    ddb(c, "CreateTable", {"TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
                       "AttributeDefinitions": [{"AttributeName": "LockID", "AttributeType": "S"}],
                       "KeySchema": [{"AttributeName": "LockID", "KeyType": "HASH"}]})
    ddb(c, "PutItem", {"TableName": "bench", "Item": item(0)})
if work == "list":  # 2000 small objects to list in pages of 1000 (set up for N = 0 too)
    for i in range(2000):
        call(c, "PUT", "/bench/l%06d" % i, b"x")
for i in range(n):
    if work == "get":
        call(c, "GET", B + "/obj")
    elif work == "put":
        call(c, "PUT", B + "/k%d" % i, BODY)
    elif work == "put-inm":
        call(c, "PUT", B + "/k%d" % i, BODY, {"If-None-Match": "*"})
    elif work == "put-412":
        call(c, "PUT", B + "/obj", BODY, {"If-None-Match": "*"}, want=(412,))
    elif work == "put-8m":
        call(c, "PUT", B + "/big%d" % (i % 4), BIG)
    elif work == "put-8m-chunked":
        call(c, "PUT", B + "/big%d" % (i % 4), BIG_CHUNKED, CHUNKED_HEADERS)
    elif work == "ddb-put":
        ddb(c, "PutItem", {"TableName": "bench", "Item": item(i + 1),
                           "ConditionExpression": "attribute_not_exists(LockID)"})
    elif work == "list":
        call(c, "GET", "/bench?list-type=2&prefix=l&max-keys=1000&start-after=l%06d" % (i % 1000))
    elif work == "ddb-get":
        ddb(c, "GetItem", {"TableName": "bench", "Key": {"LockID": {"S": "lock-0"}}})
    else:
        sys.exit("icount: unknown workload " + work)
c.close()
