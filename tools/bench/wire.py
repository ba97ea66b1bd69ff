#!/usr/bin/env python3
"""Wire bytes of lockyard's answers to a fixed list of requests, for comparing two builds.

Usage: wire.py LOCKYARD_BINARY OUT_FILE
Starts the binary (memory store, --auth any) on a free port, sends each request of REQUESTS raw
over one keep-alive connection (a few on connections of their own: HTTP/1.0, Connection: close),
and writes every answer's bytes to OUT_FILE, with what changes from run to run (request ids,
dates, times) replaced by fixed markers. Two builds whose files differ changed the wire.
"""
import re
import socket
import subprocess
import sys
import time

KIB = b"x" * 1024
DDB = {"X-Amz-Target": None, "Content-Type": "application/x-amz-json-1.0",
       "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/"
                        "aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
       "X-Amz-Date": "20260101T000000Z"}


def ddb(op, body):
    h = dict(DDB)
    h["X-Amz-Target"] = "DynamoDB_20120810." + op
    return ("POST", "/", h, body.encode())


TABLE = ('{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],'
         '"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}')
REQUESTS = [
    ("GET", "/_lockyard/health", {}, b""),
    ("PUT", "/bkt", {}, b""),
    ("PUT", "/bkt", {}, b""),
    ("PUT", "/bkt/o", {}, KIB),
    ("PUT", "/bkt/o", {"If-None-Match": "*"}, KIB),
    ("PUT", "/bkt/m", {"Content-Type": "text/plain", "x-amz-meta-color": "blue",
                     "Cache-Control": "no-cache"}, b"hello"),
    ("GET", "/bkt/o", {}, b""),
    ("GET", "/bkt/m", {}, b""),
    ("HEAD", "/bkt/o", {}, b""),
    ("GET", "/bkt/o", {"Range": "bytes=0-9"}, b""),
    ("GET", "/bkt/o", {"Range": "bytes=5000-"}, b""),
    ("GET", "/bkt/o", {"If-None-Match": '"7265f4d211b56873a381d321f586e4a9"'}, b""),
    ("GET", "/bkt/o", {"If-Match": '"nope"'}, b""),
    ("GET", "/bkt/m?response-content-type=application/json", {}, b""),
    ("GET", "/bkt/missing", {}, b""),
    ("HEAD", "/bkt/missing", {}, b""),
    ("GET", "/nobucket/x", {}, b""),
    ("GET", "/bkt?list-type=2", {}, b""),
    ("GET", "/bkt?list-type=2&max-keys=1&prefix=o", {}, b""),
    ("GET", "/", {}, b""),
    ("HEAD", "/bkt", {}, b""),
    ("PUT", "/bkt/bad", {"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, b"abc"),
    ("PUT", "/bkt?versioning", {}, b'<VersioningConfiguration><Status>Enabled</Status>'
                                 b'</VersioningConfiguration>'),
    ("GET", "/bkt?versioning", {}, b""),
    ("POST", "/bkt?delete", {}, b"<Delete><Object><Key>m</Key></Object></Delete>"),
    ("DELETE", "/bkt/o", {}, b""),
    ("GET", "/bkt/o?versionId=bad", {}, b""),
    ("OPTIONS", "/bkt/o", {"Origin": "http://x", "Access-Control-Request-Method": "GET"}, b""),
    ddb("CreateTable", TABLE),
    ddb("PutItem", '{"TableName":"tbl","Item":{"k":{"S":"a"},"v":{"N":"1"}},'
                   '"ConditionExpression":"attribute_not_exists(k)"}'),
    ddb("PutItem", '{"TableName":"tbl","Item":{"k":{"S":"a"},"v":{"N":"2"}},'
                   '"ConditionExpression":"attribute_not_exists(k)"}'),
    ddb("GetItem", '{"TableName":"tbl","Key":{"k":{"S":"a"}}}'),
    ddb("GetItem", '{"TableName":"nope","Key":{"k":{"S":"a"}}}'),
    ddb("Bogus", "{}"),
]
OWN = [  # (request, version, extra header) each on a connection of its own
    (("GET", "/_lockyard/health", {}, b""), "HTTP/1.0", {}),
    (("GET", "/bkt/missing", {}, b""), "HTTP/1.0", {"Connection": "keep-alive"}),
    (("GET", "/bkt?list-type=2", {}, b""), "HTTP/1.1", {"Connection": "close"}),
]


def raw(req, version="HTTP/1.1", extra=None):
    method, path, hdrs, body = req
    lines = ["%s %s %s" % (method, path, version), "Host: 127.0.0.1"]
    for k, v in list(hdrs.items()) + list((extra or {}).items()):
        lines.append("%s: %s" % (k, v))
    if body or method in ("PUT", "POST"):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_answer(sock, buf, method):
    """One answer from sock (buf: bytes already read); returns (answer, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return buf, b""
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    n = int(m.group(1)) if m and method != "HEAD" and status not in (204, 304) else 0
    if not m and method != "HEAD" and status not in (204, 304):
        n = None  # to the end of the connection
    while n is None or len(rest) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    n = len(rest) if n is None else n
    return head + b"\r\n\r\n" + rest[:n], rest[n:]


def normalize(b):
    b = re.sub(rb"(?i)(x-amz-request-id: )\w+", rb"\1ID", b)
    b = re.sub(rb"(?i)(x-amz-id-2: )\S+", rb"\1ID2", b)
    b = re.sub(rb"(?i)(x-amzn-requestid: )\S+", rb"\1ID", b)
    b = re.sub(rb"(?i)(x-amz-crc32: )\S+", rb"\1CRC", b)
    b = re.sub(rb"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", b"DATE", b)
    b = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", b"ISODATE", b)
    b = re.sub(rb"<RequestId>\w+</RequestId>", b"<RequestId>ID</RequestId>", b)
    b = re.sub(rb"<HostId>[^<]+</HostId>", b"<HostId>ID2</HostId>", b)
    b = re.sub(rb'"(\w*DateTime)":[\d.e+]+', rb'"\1":T', b)
    b = re.sub(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", b"UUID", b)
    return b


def normalize_answer(ans, method):
    """normalize() on the head and the body; a Content-Length that matched the body sent is
    rewritten as the normalized body's length (so a time's digits do not show as a difference),
    one that did not is left as it was."""
    head, sep, body = ans.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    nbody = normalize(body)
    if m and method != "HEAD" and int(m.group(1)) == len(body):
        head = head[:m.start(1)] + b"%d" % len(nbody) + head[m.end(1):]
    return normalize(head) + sep + nbody


def main():
    binary, out_path = sys.argv[1:3]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([binary, "serve", "--memory", "--durability", "none", "--quiet",
                          "--auth", "any", "--listen", "127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.01)
        out = []
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        rest = b""
        for req in REQUESTS:
            sock.sendall(raw(req))
            ans, rest = read_answer(sock, rest, req[0])
            out.append(b"=== %s %s\n" % (req[0].encode(), req[1].encode())
                       + normalize_answer(ans, req[0]))
        sock.close()
        for req, version, extra in OWN:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(raw(req, version, extra))
                ans, _ = read_answer(c, b"", req[0])
            out.append(b"=== %s %s %s\n" % (req[0].encode(), req[1].encode(), version.encode())
                       + normalize_answer(ans, req[0]))
        with open(out_path, "wb") as f:
            f.write(b"\n".join(out) + b"\n")
        print("wire: %d answers written to %s" % (len(out), out_path))
    finally:
        p.terminate()
        p.wait()


main()
