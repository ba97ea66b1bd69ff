#!/usr/bin/python3
"""Replays Terraform's S3-backend request flows (Terraform >= 1.11.2, aws-sdk-go-v2 s3 v1.75.2,
use_lockfile = true and dynamodb_table set, path-style, default workspace, plus a workspace and
a > 5 MiB multipart state) against a running lockyard, byte for byte as Terraform 1.11.2 sends
them (docs/terraform.md describes the flows). The DynamoDB half
(PutItem attribute_not_exists, GetItem "LockID, Info" / "LockID, Digest", the -md5 item,
DeleteItem, OpenTofu's conditional DeleteItem) always runs: a server without DynamoDB fails it.

    LOCKYARD_ENDPOINT=http[s]://127.0.0.1:PORT [LOCKYARD_CA=cert.pem] \
    [LOCKYARD_AUTH=sigv4] /usr/bin/python3 tests/clients/terraform-replay.py

Every request is written as raw bytes on a keep-alive socket, the way Go's net/http writes it:
request line, Host, User-Agent, Content-Length, then the other headers sorted by name.
Requests are SigV4-signed as the Go v4 signer signs them (every header but Authorization and
User-Agent; the transport's own Accept-Encoding: gzip on STS goes unsigned). Over https:// PUT
bodies are aws-chunked with STREAMING-UNSIGNED-PAYLOAD-TRAILER and a trailing
x-amz-checksum-sha256 (one chunk holding the whole payload); over http:// they are raw with an
X-Amz-Checksum-Sha256 header and the hex payload hash, exactly as the Go SDK decides on the URL
scheme. Responses are checked the way Terraform and the SDK read them (LockInfo JSON, Range,
x-amz-checksum-* validation, error codes). Ends with "N passed, N failed".
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import ssl
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import urlsplit

ENDPOINT = os.environ.get("LOCKYARD_ENDPOINT")
if not ENDPOINT:
    print("FAIL: LOCKYARD_ENDPOINT is not set (http[s]://127.0.0.1:PORT)")
    print("0 passed, 1 failed")
    sys.exit(1)
CA = os.environ.get("LOCKYARD_CA") or None
AKID = os.environ.get("LOCKYARD_AKID", "AKIDLOCKYARDTEST")
SECRET = os.environ.get("LOCKYARD_SECRET", "lockyard-test-secret")
STRICT = os.environ.get("LOCKYARD_AUTH", "any") == "sigv4"
REGION = "us-east-1"
U = urlsplit(ENDPOINT)
HTTPS = U.scheme == "https"
HOST = U.netloc
BUCKET = f"tf-state-{os.getpid()}"
STATE_KEY = "prod/terraform.tfstate"
LOCK_KEY = STATE_KEY + ".tflock"
EMPTY_SHA = hashlib.sha256(b"").hexdigest()
UA = ("aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.23.7 md/GOOS#linux md/GOARCH#amd64 "
      "api/s3#1.75.2 ft/s3-transfer m/E,Z,b,e Terraform/1.11.2 (+https://www.terraform.io)")
STS_UA = ("aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.23.7 md/GOOS#linux md/GOARCH#amd64 "
          "api/sts#1.33.17 m/E Terraform/1.11.2 (+https://www.terraform.io)")

passed = 0
failed = 0
LOCK_ID = None  # the DynamoDB LockID: "<bucket>/<state key>"


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}" + (f": {detail}" if detail else ""))
    return cond


# ---- SigV4 as aws-sdk-go-v2's v4 signer computes it ----------------------------------------

def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _uri_escape(s, keep_slash=False):
    out = []
    for ch in s.encode():
        c = chr(ch)
        if c.isalnum() and ch < 128 or c in "-._~" or (keep_slash and c == "/"):
            out.append(c)
        else:
            out.append("%%%02X" % ch)
    return "".join(out)


def _canonical_query(query):
    if not query:
        return ""
    from urllib.parse import unquote
    pairs = []
    for piece in query.split("&"):
        name, _, value = piece.partition("=")
        pairs.append((_uri_escape(unquote(name)), _uri_escape(unquote(value))))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def sign(method, path, query, headers, payload_hash, service, secret=None, now=None,
         unsigned=("user-agent",)):
    """Adds X-Amz-Date and Authorization to headers (a list of (name, value))."""
    now = now or datetime.now(timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    headers.append(("X-Amz-Date", amz_date))
    signed = sorted([("host", HOST)] + [(n.lower(), " ".join(v.split())) for n, v in headers
                                        if n.lower() not in unsigned])
    canon_headers = "".join(f"{n}:{v}\n" for n, v in signed)
    signed_names = ";".join(n for n, _ in signed)
    canonical = "\n".join([method, path, _canonical_query(query), canon_headers, signed_names,
                           payload_hash])
    scope = f"{amz_date[:8]}/{REGION}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(canonical.encode()).hexdigest()])
    k = _hmac(("AWS4" + (secret or SECRET)).encode(), amz_date[:8])
    for part in (REGION, service, "aws4_request"):
        k = _hmac(k, part)
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    headers.append(("Authorization", f"AWS4-HMAC-SHA256 Credential={AKID}/{scope}, "
                    f"SignedHeaders={signed_names}, Signature={sig}"))


# ---- the wire ------------------------------------------------------------------------------

class Conn:
    """One keep-alive connection, like one Go http.Transport connection."""

    def __init__(self):
        self.sock = None

    def _open(self):
        host, _, port = HOST.rpartition(":")
        s = socket.create_connection((host, int(port)), timeout=30)
        if HTTPS:
            ctx = ssl.create_default_context(cafile=CA)
            s = ctx.wrap_socket(s, server_hostname=host)
        self.sock = s

    def send(self, raw, method):
        for attempt in (1, 2):
            if self.sock is None:
                self._open()
            try:
                self.sock.sendall(raw)
                r = http.client.HTTPResponse(self.sock, method=method)
                r.begin()
                body = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    self.close()
                return r.status, hdrs, body
            except (ConnectionError, http.client.RemoteDisconnected, ssl.SSLError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def send_expect(self, head, body, method):
        """Go's transport for Expect: 100-continue: headers, up to 1 s for the interim 100,
        then the body either way. Returns (got_100, status, headers, body)."""
        if self.sock is None:
            self._open()
        self.sock.sendall(head)
        self.sock.settimeout(1.0)
        got = b""
        try:
            while b"\r\n\r\n" not in got:
                piece = self.sock.recv(1)  # byte by byte: leave the final response unread
                if not piece:
                    break
                got += piece
        except (socket.timeout, TimeoutError):
            pass
        self.sock.settimeout(30)
        got_100 = got.startswith(b"HTTP/1.1 100")
        if got and not got_100:
            raise AssertionError(f"final response before the body: {got[:200]!r}")
        self.sock.sendall(body)
        r = http.client.HTTPResponse(self.sock, method=method)
        r.begin()
        rbody = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if r.will_close:
            self.close()
        return got_100, r.status, hdrs, rbody

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


log = []  # request lines sent, for the transcript check


def go_request(conn, method, path, query="", headers=(), body=None, service="s3",
               secret=None, ua=UA, now=None, unsigned_extra=()):
    """Builds, signs and sends one request the way the Go SDK + net/http would.
    headers: the operation's own headers (Content-Type, If-None-Match, Range, checksums...).
    body: bytes for a PUT/POST (framed by the caller), None for none."""
    h = [("Amz-Sdk-Invocation-Id", str(uuid.uuid4())), ("Amz-Sdk-Request", "attempt=1; max=5")]
    if service in ("s3", "dynamodb"):
        h.append(("Accept-Encoding", "identity"))  # the SDK's DisableGzip middleware
    h += list(headers)
    payload_hash = dict((n.lower(), v) for n, v in h).get("x-amz-content-sha256")
    if service == "s3" and payload_hash is None:
        payload_hash = "UNSIGNED-PAYLOAD" if HTTPS else EMPTY_SHA
        h.append(("X-Amz-Content-Sha256", payload_hash))
    if payload_hash is None:
        payload_hash = hashlib.sha256(body or b"").hexdigest()
    clen = None
    if body is not None or method in ("PUT", "POST"):
        clen = str(len(body or b""))
        h.append(("Content-Length", clen))
    sign(method, path, query, h, payload_hash, service, secret=secret, now=now,
         unsigned=("user-agent", "expect") + tuple(unsigned_extra))
    # net/http: Host, User-Agent, Content-Length, then the header map sorted by key.
    rest = sorted((n, v) for n, v in h if n != "Content-Length")
    lines = [f"{method} {path}{'?' + query if query else ''} HTTP/1.1", f"Host: {HOST}",
             f"User-Agent: {ua}"]
    if clen is not None:
        lines.append(f"Content-Length: {clen}")
    lines += [f"{n}: {v}" for n, v in rest]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    log.append(f"{method} {path}{'?' + query if query else ''}")
    if any(n == "Expect" for n, _ in h):
        got_100, st, hdrs, rbody = conn.send_expect(head, body or b"", method)
        hdrs["_got_100"] = got_100
        return st, hdrs, rbody
    return conn.send(head + (body or b""), method)


def b64(d):
    return base64.b64encode(d).decode()


def put_object_go(conn, key_path, payload, extra_headers=(), secret=None, sdk_alg=True):
    """Terraform's Uploader single-part PutObject with ChecksumAlgorithm SHA256."""
    digest_b64 = b64(hashlib.sha256(payload).digest())
    headers = list(extra_headers)
    if len(payload) >= 2 * 1024 * 1024:  # s3shared/s3100continue.go
        headers.append(("Expect", "100-continue"))
    if sdk_alg:
        headers.append(("X-Amz-Sdk-Checksum-Algorithm", "SHA256"))
    if HTTPS:
        body = (b"%x\r\n" % len(payload) + payload + b"\r\n0\r\n" +
                b"x-amz-checksum-sha256:" + digest_b64.encode() + b"\r\n\r\n")
        headers += [("Content-Encoding", "aws-chunked"),
                    ("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                    ("X-Amz-Decoded-Content-Length", str(len(payload))),
                    ("X-Amz-Trailer", "x-amz-checksum-sha256")]
    else:
        body = payload
        headers += [("X-Amz-Checksum-Sha256", digest_b64),
                    ("X-Amz-Content-Sha256", hashlib.sha256(payload).hexdigest())]
    return go_request(conn, "PUT", key_path, "x-id=PutObject", headers, body, secret=secret)


def error_code(body):
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    el = root.find("Code")
    if el is None:
        el = root.find(".//{*}Code")
    return el.text if el is not None else None


def sdk_validate(hdrs, body):
    """aws-sdk-go-v2 GetObject response validation: the first x-amz-checksum-* present must
    match the body bytes (composite '-N' values are skipped). Returns (ok, algorithm). No
    checksum at all is not ok: the SDK would skip validation, so the check would pass without
    looking at the bytes (a response that legitimately has none - a 206 - is checked for that)."""
    import zlib
    for alg in ("crc64nvme", "crc32", "crc32c", "sha256", "sha1"):
        v = hdrs.get("x-amz-checksum-" + alg)
        if v is None:
            continue
        if "-" in v:
            return True, alg + " (composite, skipped)"
        if alg == "sha256":
            return v == b64(hashlib.sha256(body).digest()), alg
        if alg == "sha1":
            return v == b64(hashlib.sha1(body).digest()), alg
        if alg == "crc32":
            return v == b64(zlib.crc32(body).to_bytes(4, "big")), alg
        return True, alg + " (not recomputed here)"
    return False, "no x-amz-checksum-* header"


DDB_UA = ("aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.23.7 md/GOOS#linux md/GOARCH#amd64 "
          "api/dynamodb#1.41.1 m/E,d Terraform/1.11.2 (+https://www.terraform.io)")
TABLE = f"tf-locks-{os.getpid()}"


def ddb(conn, op, payload, secret=None):
    """One DynamoDB JSON 1.0 call as the Go SDK sends it; checks x-amz-crc32 as the SDK does."""
    import zlib
    body = json.dumps(payload, separators=(",", ":")).encode()
    st, hdrs, rbody = go_request(conn, "POST", "/", "", [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", "DynamoDB_20120810." + op)], body, service="dynamodb", ua=DDB_UA,
        secret=secret)
    crc = hdrs.get("x-amz-crc32")
    check(f"dynamodb {op}: x-amz-crc32 matches the body (the Go client validates it)",
          crc is None or crc == str(zlib.crc32(rbody)), f"{crc} vs {zlib.crc32(rbody)}")
    try:
        doc = json.loads(rbody) if rbody else {}
    except ValueError:
        doc = {"__raw": rbody[:200]}
    return st, doc


def ddb_type(doc):
    return (doc.get("__type") or "").rsplit("#", 1)[-1]


def lock_info(op, who):
    # json.Marshal(statemgr.LockInfo): ID, Operation, Info, Who, Version, Created, Path.
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    return json.dumps({"ID": str(uuid.uuid4()), "Operation": op, "Info": "", "Who": who,
                       "Version": "1.11.2", "Created": created,
                       "Path": f"{BUCKET}/{STATE_KEY}"}, separators=(",", ":")).encode()


def state_doc(serial, pad=0):
    doc = {"version": 4, "terraform_version": "1.11.2", "serial": serial,
           "lineage": "3f2c7a8e-1111-4c2d-9e0f-5a6b7c8d9e0f", "outputs": {
               "framing_lookalike": {"value": "d8\r\n0\r\nx-amz-checksum-sha256:AAAA\r\n\r\n",
                                     "type": "string"},
               "unicode": {"value": "h\u00e9llo \u2603", "type": "string"}},
           "resources": [{"mode": "managed", "type": "null_resource", "name": f"r{i}",
                          "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
                          "instances": [{"schema_version": 0,
                                         "attributes": {"id": str(10**17 + i), "triggers": None}}]}
                         for i in range(3)],
           "check_results": None}
    if pad:
        doc["outputs"]["big"] = {"value": "x" * pad, "type": "string"}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def path(key):
    return f"/{BUCKET}/" + _uri_escape(key, keep_slash=True)


# ---- the flows -----------------------------------------------------------------------------

def main():
    print(f"version: terraform-replay (Terraform 1.11.2 / aws-sdk-go-v2 s3 v1.75.2 wire format), "
          f"{'https, aws-chunked + trailer' if HTTPS else 'http, raw body + checksum header'}, "
          f"auth {'sigv4' if STRICT else 'any'}")
    a = Conn()  # the first terraform process
    b = Conn()  # a second, concurrent terraform process

    # Bucket (not part of Terraform's flow; a user creates it once).
    st, _, body = go_request(a, "PUT", f"/{BUCKET}", "x-id=CreateBucket",
                             [("X-Amz-Content-Sha256", EMPTY_SHA if not HTTPS else
                               "UNSIGNED-PAYLOAD")], b"")
    check("create bucket", st == 200, f"{st} {body[:300]!r}")

    # The DynamoDB lock table (dynamodb_table = T; a user creates it once).
    st, doc = ddb(a, "CreateTable", {
        "AttributeDefinitions": [{"AttributeName": "LockID", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "LockID", "KeyType": "HASH"}], "TableName": TABLE})
    check("dynamodb CreateTable 200", st == 200, f"{st} {doc}")

    # configure: STS GetCallerIdentity (skip_credentials_validation = false).
    form = b"Action=GetCallerIdentity&Version=2011-06-15"
    st, hdrs, body = go_request(a, "POST", "/", "", [
        ("Content-Type", "application/x-www-form-urlencoded")], form, service="sts", ua=STS_UA,
        unsigned_extra=("accept-encoding",))
    if check("sts GetCallerIdentity 200", st == 200, f"{st} {body[:300]!r}"):
        ns = "{https://sts.amazonaws.com/doc/2011-06-15/}"
        root = ET.fromstring(body)
        res = root.find(f"{ns}GetCallerIdentityResult")
        acct = res.findtext(f"{ns}Account") if res is not None else None
        arn = res.findtext(f"{ns}Arn") if res is not None else None
        uid = res.findtext(f"{ns}UserId") if res is not None else None
        check("sts Account is 12 digits", bool(acct) and acct.isdigit() and len(acct) == 12, acct)
        parts = (arn or "").split(":")
        check("sts Arn parses (arn:aws:iam::ACCOUNT:...)", len(parts) >= 6 and parts[0] == "arn"
              and parts[1] == "aws" and parts[2] == "iam" and parts[4] == acct, arn)
        check("sts UserId present", bool(uid), uid)
        check("sts RequestId", bool(root.findtext(f"{ns}ResponseMetadata/{ns}RequestId")))
        check("sts Content-Type text/xml", hdrs.get("content-type", "").startswith("text/xml"),
              hdrs.get("content-type"))

    # StateMgr: ListObjectsV2 prefix env:/ (workspaces).
    st, _, body = go_request(a, "GET", f"/{BUCKET}", "list-type=2&max-keys=1000&prefix=env%3A%2F")
    check("list workspaces 200", st == 200, f"{st} {body[:300]!r}")
    if st == 200:
        root = ET.fromstring(body)
        check("list workspaces: empty, not truncated",
              root.find("{*}Contents") is None and root.findtext("{*}IsTruncated") == "false"
              and root.findtext("{*}Prefix") == "env:/", body[:300])

    # Lock: PutObject .tflock If-None-Match: * (Uploader, ChecksumAlgorithm SHA256).
    info_a = lock_info("OperationTypeApply", "alice@build-host")
    st, hdrs, body = put_object_go(a, path(LOCK_KEY), info_a, [
        ("Content-Type", "application/json"), ("If-None-Match", "*")])
    check("lock A: PutObject .tflock 200", st == 200, f"{st} {body[:400]!r}")
    check("lock A: echoes x-amz-checksum-sha256",
          hdrs.get("x-amz-checksum-sha256") == b64(hashlib.sha256(info_a).digest()),
          hdrs.get("x-amz-checksum-sha256"))

    lock_id = f"{BUCKET}/{STATE_KEY}"
    st, doc = ddb(a, "PutItem", {"ConditionExpression": "attribute_not_exists(LockID)",
                                 "Item": {"Info": {"S": info_a.decode()},
                                          "LockID": {"S": lock_id}}, "TableName": TABLE})
    check("lock A: dynamodb PutItem attribute_not_exists(LockID) 200", st == 200 and doc == {},
          f"{st} {doc}")

    # A second terraform process tries the same lock: 412, then reads the holder's LockInfo.
    info_b = lock_info("OperationTypePlan", "bob@other-host")
    st, hdrs, body = put_object_go(b, path(LOCK_KEY), info_b, [
        ("Content-Type", "application/json"), ("If-None-Match", "*")])
    check("lock B: 412 PreconditionFailed", st == 412 and error_code(body) == "PreconditionFailed",
          f"{st} {body[:300]!r}")
    st, hdrs, body = go_request(b, "GET", path(LOCK_KEY), "x-id=GetObject",
                                [("X-Amz-Checksum-Mode", "ENABLED")])
    check("lock B: conflict GET 200", st == 200, f"{st} {body[:300]!r}")
    check("lock B: holder's LockInfo bytes intact", body == info_a, body[:300])
    try:
        held = json.loads(body)
    except ValueError:
        held = {}
    check("lock B: LockInfo has the holder's ID (so -lock-timeout retries)",
          held.get("ID") == json.loads(info_a)["ID"], held)
    ok, alg = sdk_validate(hdrs, body)
    check("lock B: SDK checksum validation passes", ok, f"{alg}: {hdrs}")
    check("lock B: stored SHA256 returned with checksum-mode", alg == "sha256", alg)
    check("lock B: Content-Type application/json",
          hdrs.get("content-type") == "application/json", hdrs.get("content-type"))
    check("lock B: no aws-chunked Content-Encoding", "aws-chunked" not in
          hdrs.get("content-encoding", ""), hdrs.get("content-encoding"))

    # RefreshState: HeadObject (404 = no state yet, empty body).
    st, hdrs, body = go_request(a, "HEAD", path(STATE_KEY))
    check("refresh: HEAD state 404 (no state)", st == 404 and body == b"", st)

    # PersistState: PutObject state (no condition), then read it back with the Downloader.
    def put_md5(data):
        st, doc = ddb(a, "PutItem", {"Item": {"Digest": {"S": hashlib.md5(data).hexdigest()},
                                              "LockID": {"S": lock_id + "-md5"}},
                                     "TableName": TABLE})
        check("persist: dynamodb PutItem -md5 200", st == 200, f"{st} {doc}")

    for serial in (1, 2):
        state = state_doc(serial)
        st, hdrs, body = put_object_go(a, path(STATE_KEY), state,
                                       [("Content-Type", "application/json")])
        check(f"persist serial {serial}: PutObject 200", st == 200, f"{st} {body[:300]!r}")
        put_md5(state)
    mid = state_doc(3, pad=3 * 1024 * 1024)
    t0 = time.monotonic()
    st, hdrs, body = put_object_go(a, path(STATE_KEY), mid, [("Content-Type", "application/json")])
    check("persist 3 MiB state (Expect: 100-continue): PutObject 200", st == 200,
          f"{st} {body[:300]!r}")
    check("persist 3 MiB state: server sent 100 Continue (no 1 s stall)",
          hdrs.get("_got_100") is True, f"waited {time.monotonic() - t0:.2f} s")
    st, hdrs, body = go_request(a, "GET", path(STATE_KEY), "x-id=GetObject", [
        ("Range", "bytes=0-5242879"), ("X-Amz-Checksum-Mode", "ENABLED")])
    check("refresh 3 MiB state: bytes exact", st in (200, 206) and body == mid,
          f"{st} {len(body)} vs {len(mid)}")
    state = state_doc(4)
    st, _, body = put_object_go(a, path(STATE_KEY), state, [("Content-Type", "application/json")])
    check("persist serial 4: PutObject 200", st == 200, f"{st} {body[:300]!r}")
    put_md5(state)
    st, hdrs, body = go_request(a, "HEAD", path(STATE_KEY))
    check("refresh: HEAD state 200 with Content-Length", st == 200 and
          hdrs.get("content-length") == str(len(state)), f"{st} {hdrs}")
    st, hdrs, body = go_request(a, "GET", path(STATE_KEY), "x-id=GetObject", [
        ("Range", "bytes=0-5242879"), ("X-Amz-Checksum-Mode", "ENABLED")])
    check("refresh: ranged GET 206/200", st in (200, 206), f"{st} {body[:300]!r}")
    check("refresh: state bytes exact (no framing)", body == state,
          f"{len(body)} bytes vs {len(state)}: {body[:80]!r}")
    if st == 206:
        check("refresh: Content-Range total", hdrs.get("content-range") ==
              f"bytes 0-{len(state) - 1}/{len(state)}", hdrs.get("content-range"))
        check("refresh: no full-object checksum on a 206",
              not any(k.startswith("x-amz-checksum-") and k != "x-amz-checksum-type"
                      for k in hdrs), hdrs)
    else:  # a 200 carries the full-object checksum the SDK validates
        ok, alg = sdk_validate(hdrs, body)
        check("refresh: SDK checksum validation passes", ok, alg)
    st, doc = ddb(a, "GetItem", {"ConsistentRead": True,
                                 "Key": {"LockID": {"S": lock_id + "-md5"}},
                                 "ProjectionExpression": "LockID, Digest", "TableName": TABLE})
    check("refresh: dynamodb -md5 Digest equals md5(state read)", st == 200 and
          doc.get("Item", {}).get("Digest", {}).get("S") == hashlib.md5(body).hexdigest(),
          f"{st} {doc}")
    check("refresh: Content-Type application/json",
          hdrs.get("content-type") == "application/json", hdrs.get("content-type"))

    # A state over 5 MiB: Uploader multipart with SHA256 per part, Downloader ranged parts.
    big = state_doc(3, pad=6 * 1024 * 1024)
    if multipart_state(a, big):
        state = big

    # Workspaces: a second workspace's state is listed under env:/ with the raw key.
    ws_key = "env:/dev/" + STATE_KEY
    st, _, body = put_object_go(a, path(ws_key), state_doc(1), [("Content-Type",
                                                                 "application/json")])
    check("workspace dev: PutObject env%3A/dev/... 200", st == 200, f"{st} {body[:300]!r}")
    st, _, body = go_request(a, "GET", f"/{BUCKET}", "list-type=2&max-keys=1000&prefix=env%3A%2F")
    keys = [e.text for e in ET.fromstring(body).findall(".//{*}Key")] if st == 200 else []
    check("workspace dev: listed as env:/dev/<key>", keys == [ws_key], f"{st} {keys}")

    # Unlock: GET .tflock, compare ID, DELETE.
    st, hdrs, body = go_request(a, "GET", path(LOCK_KEY), "x-id=GetObject",
                                [("X-Amz-Checksum-Mode", "ENABLED")])
    try:
        same = st == 200 and json.loads(body)["ID"] == json.loads(info_a)["ID"]
    except (ValueError, KeyError):
        same = False
    check("unlock: GET .tflock, ID matches", same, f"{st} {body[:200]!r}")
    st, _, body = go_request(a, "DELETE", path(LOCK_KEY), "x-id=DeleteObject")
    check("unlock: DeleteObject 204", st == 204 and body == b"", f"{st} {body[:200]!r}")
    st, _, body = go_request(a, "HEAD", path(LOCK_KEY))
    check("unlock: lock object gone", st == 404, st)

    st, doc = ddb(a, "GetItem", {"ConsistentRead": True, "Key": {"LockID": {"S": lock_id}},
                                 "ProjectionExpression": "LockID, Info", "TableName": TABLE})
    try:
        same = json.loads(doc["Item"]["Info"]["S"])["ID"] == json.loads(info_a)["ID"]
    except (KeyError, ValueError):
        same = False
    check("unlock: dynamodb GetItem, ID matches", st == 200 and same, f"{st} {doc}")
    st, doc = ddb(a, "DeleteItem", {"Key": {"LockID": {"S": lock_id}}, "TableName": TABLE})
    check("unlock: dynamodb DeleteItem 200", st == 200 and doc == {}, f"{st} {doc}")
    # OpenTofu >= 1.10 deletes conditionally: Info = :info. Terraform's missing-lock read:
    st, doc = ddb(b, "GetItem", {"ConsistentRead": True, "Key": {"LockID": {"S": lock_id}},
                                 "ProjectionExpression": "LockID, Info", "TableName": TABLE})
    check("force-unlock missing lock: dynamodb GetItem -> {}", st == 200 and doc == {},
          f"{st} {doc}")
    st, doc = ddb(b, "PutItem", {"ConditionExpression": "attribute_not_exists(LockID)",
                                 "Item": {"Info": {"S": info_b.decode()},
                                          "LockID": {"S": lock_id}}, "TableName": TABLE})
    check("lock B: dynamodb retry after unlock 200", st == 200, f"{st} {doc}")
    st, doc = ddb(b, "DeleteItem", {
        "ConditionExpression": "Info = :info",
        "ExpressionAttributeValues": {":info": {"S": info_a.decode()}},
        "Key": {"LockID": {"S": lock_id}}, "TableName": TABLE})
    check("OpenTofu conditional DeleteItem with a stale Info -> ConditionalCheckFailed",
          st == 400 and ddb_type(doc) == "ConditionalCheckFailedException", f"{st} {doc}")
    st, doc = ddb(b, "DeleteItem", {
        "ConditionExpression": "Info = :info",
        "ExpressionAttributeValues": {":info": {"S": info_b.decode()}},
        "Key": {"LockID": {"S": lock_id}}, "TableName": TABLE})
    check("OpenTofu conditional DeleteItem with its own Info 200", st == 200, f"{st} {doc}")

    # force-unlock of a lock nobody holds: the GET answers NoSuchKey.
    st, _, body = go_request(b, "GET", path(LOCK_KEY), "x-id=GetObject",
                             [("X-Amz-Checksum-Mode", "ENABLED")])
    check("force-unlock missing lock: 404 NoSuchKey", st == 404 and error_code(body) == "NoSuchKey",
          f"{st} {body[:200]!r}")

    # B retries now the lock is free and gets it.
    st, _, body = put_object_go(b, path(LOCK_KEY), info_b, [
        ("Content-Type", "application/json"), ("If-None-Match", "*")])
    check("lock B: retry after unlock 200", st == 200, f"{st} {body[:200]!r}")
    st, _, body = go_request(b, "DELETE", path(LOCK_KEY), "x-id=DeleteObject")
    check("lock B: unlock 204", st == 204, st)

    # workspace delete dev: DeleteObject of the state.
    st, _, _ = go_request(a, "DELETE", path(ws_key), "x-id=DeleteObject")
    check("workspace delete: DeleteObject 204", st == 204, st)
    st, doc = ddb(a, "DeleteItem", {"Key": {"LockID": {"S": f"{BUCKET}/{ws_key}-md5"}},
                                    "TableName": TABLE})
    check("workspace delete: dynamodb DeleteItem -md5 of a missing item 200", st == 200,
          f"{st} {doc}")

    # The state survived every lock round trip unchanged.
    st, _, body = go_request(b, "GET", path(STATE_KEY), "x-id=GetObject", [
        ("Range", "bytes=0-5242879"), ("X-Amz-Checksum-Mode", "ENABLED")])
    check("final state read (other process) exact", st in (200, 206) and body == state[:5242880],
          f"{st} {len(body)}")

    if STRICT:
        strict_checks(a)
    a.close()
    b.close()


def multipart_state(conn, big):
    part = 5 * 1024 * 1024
    st, _, body = go_request(conn, "POST", path(STATE_KEY), "uploads", [
        ("Content-Type", "application/json"), ("X-Amz-Checksum-Algorithm", "SHA256"),
        ("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD" if HTTPS else EMPTY_SHA)], b"")
    if not check("multipart: CreateMultipartUpload 200", st == 200, f"{st} {body[:300]!r}"):
        return False
    upload_id = ET.fromstring(body).findtext("{*}UploadId")
    parts = []
    for n, off in enumerate(range(0, len(big), part), start=1):
        chunk = big[off:off + part]
        q = f"partNumber={n}&uploadId={_uri_escape(upload_id)}&x-id=UploadPart"
        digest_b64 = b64(hashlib.sha256(chunk).digest())
        headers = [("X-Amz-Sdk-Checksum-Algorithm", "SHA256")]
        if HTTPS:
            body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\nx-amz-checksum-sha256:" +
                    digest_b64.encode() + b"\r\n\r\n")
            headers += [("Content-Encoding", "aws-chunked"),
                        ("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                        ("X-Amz-Decoded-Content-Length", str(len(chunk))),
                        ("X-Amz-Trailer", "x-amz-checksum-sha256")]
        else:
            body = chunk
            headers += [("X-Amz-Checksum-Sha256", digest_b64),
                        ("X-Amz-Content-Sha256", hashlib.sha256(chunk).hexdigest())]
        st, hdrs, rbody = go_request(conn, "PUT", path(STATE_KEY), q, headers, body)
        check(f"multipart: UploadPart {n} 200", st == 200, f"{st} {rbody[:300]!r}")
        check(f"multipart: UploadPart {n} echoes x-amz-checksum-sha256",
              hdrs.get("x-amz-checksum-sha256") == digest_b64, hdrs.get("x-amz-checksum-sha256"))
        parts.append((n, hdrs.get("etag", ""), hdrs.get("x-amz-checksum-sha256") or digest_b64))
    xml = ('<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
           "".join(f"<Part><ChecksumSHA256>{c}</ChecksumSHA256><ETag>{e.replace(chr(34), '&quot;')}"
                   f"</ETag><PartNumber>{n}</PartNumber></Part>" for n, e, c in parts) +
           "</CompleteMultipartUpload>").encode()
    st, hdrs, body = go_request(conn, "POST", path(STATE_KEY),
                                f"uploadId={_uri_escape(upload_id)}&x-id=CompleteMultipartUpload",
                                [("X-Amz-Content-Sha256", hashlib.sha256(xml).hexdigest())], xml)
    check("multipart: CompleteMultipartUpload 200", st == 200 and b"<Error>" not in body,
          f"{st} {body[:400]!r}")
    # Downloader: bytes=0-5242879, then bytes=5242880-10485759; 206 with Content-Range.
    got = b""
    total = None
    for first in range(0, 2 * part, part):
        st, hdrs, body = go_request(conn, "GET", path(STATE_KEY), "x-id=GetObject", [
            ("Range", f"bytes={first}-{first + part - 1}"), ("X-Amz-Checksum-Mode", "ENABLED")])
        check(f"multipart: Downloader range at {first} 206", st == 206, f"{st} {body[:200]!r}")
        cr = hdrs.get("content-range", "")
        total = int(cr.rsplit("/", 1)[1]) if "/" in cr else total
        check(f"multipart: range at {first} has no full-object checksum (SDK skips validation)",
              not any(k.startswith("x-amz-checksum-") and k != "x-amz-checksum-type"
                      for k in hdrs), hdrs)
        got += body
        if total is not None and first + part >= total:
            break
    check("multipart: Content-Range total is the object size", total == len(big), total)
    return check("multipart: state bytes exact", got == big, f"{len(got)} vs {len(big)}")


def strict_checks(conn):
    """--auth sigv4: what Terraform sees with a wrong secret or an unknown key."""
    info = lock_info("OperationTypeApply", "mallory@host")
    st, _, body = put_object_go(conn, path(LOCK_KEY), info, [
        ("Content-Type", "application/json"), ("If-None-Match", "*")], secret="not-the-secret")
    check("sigv4: wrong secret on lock PUT -> 403 SignatureDoesNotMatch",
          st == 403 and error_code(body) == "SignatureDoesNotMatch", f"{st} {body[:200]!r}")
    st, _, body = go_request(conn, "GET", path(LOCK_KEY), "x-id=GetObject",
                             [("X-Amz-Checksum-Mode", "ENABLED")])
    check("sigv4: rejected lock PUT stored nothing", st == 404, st)
    form = b"Action=GetCallerIdentity&Version=2011-06-15"
    st, _, body = go_request(conn, "POST", "/", "", [
        ("Content-Type", "application/x-www-form-urlencoded")], form, service="sts", ua=STS_UA,
        secret="not-the-secret", unsigned_extra=("accept-encoding",))
    check("sigv4: wrong secret on STS -> 403 SignatureDoesNotMatch",
          st == 403 and error_code(body) == "SignatureDoesNotMatch", f"{st} {body[:200]!r}")
    st, doc = ddb(conn, "GetItem", {"ConsistentRead": True,
                                    "Key": {"LockID": {"S": f"{BUCKET}/{STATE_KEY}"}},
                                    "TableName": TABLE}, secret="not-the-secret")
    check("sigv4: wrong secret on DynamoDB -> 400 InvalidSignatureException",
          st == 400 and ddb_type(doc) == "InvalidSignatureException", f"{st} {doc}")
    skewed = datetime.fromtimestamp(time.time() - 3600, timezone.utc)
    st, _, body = go_request(conn, "GET", path(STATE_KEY), "x-id=GetObject", [], now=skewed)
    check("sigv4: clock 1 h behind -> 403 RequestTimeTooSkewed",
          st == 403 and error_code(body) == "RequestTimeTooSkewed", f"{st} {body[:200]!r}")
    # A chunked body whose trailer checksum was tampered with (HTTPS) / header (HTTP).
    state = state_doc(9)
    bad = b64(hashlib.sha256(b"something else").digest())
    if HTTPS:
        body = (b"%x\r\n" % len(state) + state + b"\r\n0\r\nx-amz-checksum-sha256:" +
                bad.encode() + b"\r\n\r\n")
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "aws-chunked"),
                   ("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                   ("X-Amz-Decoded-Content-Length", str(len(state))),
                   ("X-Amz-Sdk-Checksum-Algorithm", "SHA256"),
                   ("X-Amz-Trailer", "x-amz-checksum-sha256")]
    else:
        body = state
        headers = [("Content-Type", "application/json"), ("X-Amz-Checksum-Sha256", bad),
                   ("X-Amz-Content-Sha256", hashlib.sha256(state).hexdigest()),
                   ("X-Amz-Sdk-Checksum-Algorithm", "SHA256")]
    st, _, rbody = go_request(conn, "PUT", path(STATE_KEY), "x-id=PutObject", headers, body)
    check("sigv4: wrong sha256 checksum on state PUT -> 400 BadDigest",
          st == 400 and error_code(rbody) == "BadDigest", f"{st} {rbody[:200]!r}")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a crash is one failure, with the transcript so far
        import traceback
        traceback.print_exc()
        failed += 1
        print("FAIL: replay aborted after: " + (log[-1] if log else "(nothing sent)"))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
