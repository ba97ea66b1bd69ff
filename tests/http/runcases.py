#!/usr/bin/python3
"""runcases.py - runs lockyard's data-driven HTTP cases (tests/cases/*.case).

Usage: runcases.py [-v] [CASE-FILE-OR-NAME...]

Starts `build/san/lockyard serve --memory --listen 127.0.0.1:0 --durability none`
(LOCKYARD_BIN overrides the binary), resets it before every case, sends each
exchange over a fresh TCP connection (raw socket, `Connection: close`, so the
exact bytes on the wire are seen) and checks the expectations. Prints one
`FAIL` line per failing case followed by an indented diff, and ends with
`N passed, N failed`. Exits non-zero when a case failed, when a server died, or
when a sanitizer wrote anything to a server's stderr. The case format is
documented in docs/testing.md. Standard library only.
"""
import base64
import email.utils
import hashlib
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES_DIR = os.path.join(ROOT, "tests", "cases")
DEFAULT_BIN = os.path.join(ROOT, "build", "san", "lockyard")
EXCHANGE_TIMEOUT_S = 30
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import sanitizer  # noqa: E402  the suites' one sanitizer-report matcher
import workdir  # noqa: E402  servers killed and their temporary folder removed at exit


class CaseError(Exception):
    """A malformed case file (reported as a failure of that case)."""


# ---------------------------------------------------------------- templates

VAR_RE = re.compile(r"%([A-Z][A-Z0-9_]*)%")
FUNC_RE = re.compile(r"%([a-z][a-z0-9]*)\[")
SIMPLE = {"nl": b"\n", "crlf": b"\r\n", "tab": b"\t", "pct": b"%", "sp": b" "}


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def func_call(name, arg, env):
    """Evaluates %name[arg]% (arg already expanded) to bytes."""
    if name == "repeat":  # %repeat[N x TEXT]%
        m = re.fullmatch(rb"(\d+) x (.*)", arg, re.S)
        if not m:
            raise CaseError("repeat wants %repeat[N x TEXT]%")
        return m.group(2) * int(m.group(1))
    if name == "hex":
        return bytes.fromhex(arg.decode())
    if name == "md5b64":
        return base64.b64encode(hashlib.md5(arg).digest())
    if name == "md5hex":
        return hashlib.md5(arg).hexdigest().encode()
    if name == "len":
        return str(len(arg)).encode()
    if name == "seq":  # %seq[TEMPLATE-WITH-{} A..B]% -> "t0|t1|..." (width of A)
        m = re.fullmatch(rb"(.*) (\d+)\.\.(\d+)", arg, re.S)
        if not m:
            raise CaseError("seq wants %seq[TEMPLATE A..B]%")
        w = len(m.group(2))
        return b"|".join(m.group(1).replace(b"{}", str(i).zfill(w).encode())
                         for i in range(int(m.group(2)), int(m.group(3)) + 1))
    if name == "date":  # %date[now+N]% or %date[VAR-N]% (VAR holds an HTTP date)
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*([+-]\s*\d+)?", arg.decode())
        if not m:
            raise CaseError("date wants %date[now+N]% or %date[VAR-N]%")
        if m.group(1) == "now":
            base = time.time()
        else:
            if m.group(1) not in env:
                raise CaseError("date: unknown variable %s" % m.group(1))
            base = email.utils.parsedate_to_datetime(env[m.group(1)].decode()).timestamp()
        return http_date(base + int((m.group(2) or "0").replace(" ", ""))).encode()
    raise CaseError("unknown function %%%s[...]%%" % name)


def expand_at(s, i, env, stop):
    """Expands s from i until `stop` (']%' inside a function, or end); returns (bytes, next)."""
    out = bytearray()
    n = len(s)
    while i < n:
        if stop and s.startswith(stop, i):
            return bytes(out), i + len(stop)
        c = s[i]
        if c != "%":
            j = i
            while j < n and s[j] != "%" and not (stop and s.startswith(stop, j)):
                j += 1
            out += s[i:j].encode("utf-8")
            i = j
            continue
        m = FUNC_RE.match(s, i)
        if m:
            arg, i = expand_at(s, m.end(), env, "]%")
            out += func_call(m.group(1), arg, env)
            continue
        m = VAR_RE.match(s, i)
        if m and not re.fullmatch(r"[0-9A-F]{2}", m.group(1)):
            if m.group(1) not in env:
                raise CaseError("unknown variable %%%s%%" % m.group(1))
            out += env[m.group(1)]
            i = m.end()
            continue
        m = re.match(r"%([a-z]+)%", s[i:i + 8])
        if m and m.group(1) in SIMPLE:
            out += SIMPLE[m.group(1)]
            i += len(m.group(0))
            continue
        out += b"%"
        i += 1
    if stop:
        raise CaseError("unterminated %%func[...]%% (missing '%s')" % stop)
    return bytes(out), i


def expand(s, env):
    return expand_at(s, 0, env, None)[0]


# ------------------------------------------------------------------ parsing

class Exchange:
    def __init__(self, lineno, method, target):
        self.lineno = lineno
        self.method = method
        self.target = target
        self.headers = []      # (name, value template)
        self.suppress = set()  # lower-case names of automatic headers not to send
        self.body = ""         # template
        self.status = None     # int, or None = any 2xx
        self.asserts = []      # (lineno, kind, a, b)
        self.repeat = None     # (first, last, width)


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.title = ""
        self.keywords = []
        self.server_args = []
        self.exchanges = []


HEADER_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):\s?(.*)$")


def parse_expect_line(ln, line, ex):
    """One line of a `<<<` block -> ex.asserts."""
    if re.fullmatch(r"![A-Za-z0-9][A-Za-z0-9_.-]*", line):
        ex.asserts.append((ln, "header-absent", line[1:], None))
        return
    m = re.match(r"^(!?body-contains|body|body-size|body-md5|xml-root):\s?(.*)$", line)
    if m:
        ex.asserts.append((ln, m.group(1), m.group(2), None))
        return
    if line == "body-empty":
        ex.asserts.append((ln, "body", "", None))
        return
    m = re.match(r"^(xml|xml~|xml-count|xml-all)\s+(\S+):\s?(.*)$", line)
    if m:
        ex.asserts.append((ln, m.group(1), m.group(2), m.group(3)))
        return
    m = re.match(r"^(json|json-absent|json-count)\s+(\S+)(?::\s?(.*))?$", line)
    if m and (m.group(1) == "json-absent") == (m.group(3) is None):
        ex.asserts.append((ln, m.group(1), m.group(2), m.group(3)))
        return
    m = re.match(r"^(json-body|ddb-error):\s?(.*)$", line)
    if m:
        ex.asserts.append((ln, m.group(1), m.group(2), None))
        return
    m = re.match(r"^xml-absent\s+(\S+)$", line)
    if m:
        ex.asserts.append((ln, "xml-absent", m.group(1), None))
        return
    m = re.match(r"^capture\s+([A-Z][A-Z0-9_]*):\s*(header|xml|json|body)\s*(.*)$", line)
    if m:
        ex.asserts.append((ln, "capture", m.group(1), (m.group(2), m.group(3).strip())))
        return
    m = re.match(r"^~([A-Za-z0-9][A-Za-z0-9_.-]*):\s?(.*)$", line)
    if m:
        ex.asserts.append((ln, "header-match", m.group(1), m.group(2)))
        return
    m = HEADER_LINE.match(line)
    if m:
        ex.asserts.append((ln, "header", m.group(1), m.group(2)))
        return
    raise CaseError("line %d: cannot parse expectation %r" % (ln, line))


def parse_case(path):
    case = Case(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i, n = 0, len(lines)
    pending_repeat = None
    while i < n and not lines[i].strip():
        i += 1
    if i >= n or not lines[i].startswith("# "):
        raise CaseError("the first line must be '# title'")
    case.title = lines[i][2:].strip()
    i += 1
    while i < n:
        line, ln = lines[i], i + 1
        if not line.strip() or line.startswith("#"):
            i += 1
        elif line.startswith("keywords:"):
            case.keywords = line[9:].split()
            i += 1
        elif line.startswith("server-args:"):
            case.server_args = line[12:].split()
            i += 1
        elif line.startswith("repeat "):
            m = re.fullmatch(r"repeat (\d+)\.\.(\d+)\s*", line)
            if not m:
                raise CaseError("line %d: repeat wants 'repeat A..B'" % ln)
            pending_repeat = (int(m.group(1)), int(m.group(2)), len(m.group(1)))
            i += 1
        elif line.startswith(">>> "):
            i = parse_exchange(case, lines, i, pending_repeat)
            pending_repeat = None
        else:
            raise CaseError("line %d: unexpected %r" % (ln, line))
    if not case.exchanges:
        raise CaseError("no exchanges")
    return case


def is_block_end(line):
    return line.startswith(">>> ") or line.startswith("repeat ")


def parse_exchange(case, lines, i, repeat):
    parts = lines[i][4:].split(" ", 1)
    if len(parts) != 2 or not parts[1]:
        raise CaseError("line %d: want '>>> METHOD TARGET'" % (i + 1))
    ex = Exchange(i + 1, parts[0], parts[1])
    if parts[0] == "DDB":  # ">>> DDB Op": a DynamoDB JSON 1.0 request for Op
        ex = Exchange(i + 1, "POST", "/")
        ex.headers = [("X-Amz-Target", "DynamoDB_20120810." + parts[1].strip()),
                      ("Content-Type", "application/x-amz-json-1.0")]
    ex.repeat = repeat
    i += 1
    n = len(lines)
    # headers, until a blank line or <<<
    while i < n and lines[i].strip() and not lines[i].startswith("<<<") \
            and not is_block_end(lines[i]):
        line = lines[i]
        if line.startswith("#"):
            pass
        elif line.startswith("-") and HEADER_LINE.match(line[1:] + ":"):
            ex.suppress.add(line[1:].strip().lower())
        else:
            m = HEADER_LINE.match(line)
            if not m:
                raise CaseError("line %d: bad request header %r" % (i + 1, line))
            ex.headers.append((m.group(1), m.group(2)))
        i += 1
    # body, after a blank line, until <<< / >>> / repeat; trailing blank lines dropped
    body = []
    if i < n and not lines[i].strip():
        i += 1
        while i < n and not lines[i].startswith("<<<") and not is_block_end(lines[i]):
            body.append(lines[i])
            i += 1
    while body and not body[-1].strip():
        body.pop()
    ex.body = "\n".join(body)
    if i < n and lines[i].startswith("<<<"):
        st = lines[i][3:].strip()
        if st:
            if not st.isdigit():
                raise CaseError("line %d: want '<<< STATUS'" % (i + 1))
            ex.status = int(st)
        i += 1
        while i < n and not is_block_end(lines[i]):
            line, ln = lines[i], i + 1
            i += 1
            if not line.strip() or line.startswith("#"):
                continue
            m = re.fullmatch(r"body<<(\w+)", line)
            if m:
                text = []
                while i < n and lines[i] != m.group(1):
                    text.append(lines[i])
                    i += 1
                if i >= n:
                    raise CaseError("line %d: heredoc %s not closed" % (ln, m.group(1)))
                i += 1
                ex.asserts.append((ln, "body", "\n".join(text), None))
                continue
            parse_expect_line(ln, line, ex)
    case.exchanges.append(ex)
    return i


# ------------------------------------------------------------------- server

class Server:
    """One lockyard process; stderr goes to a file that is scanned at stop()."""

    def __init__(self, binary, extra_args, logdir):
        self.args = [binary, "serve", "--memory", "--listen", "127.0.0.1:0",
                     "--durability", "none"] + list(extra_args)
        if "sigv4" in extra_args:  # the admin API then needs the token (or a signature)
            self.args += ["--admin-token", ADMIN_TOKEN]
        fd, self.stderr_path = tempfile.mkstemp(prefix="lockyard-stderr-", suffix=".log",
                                                dir=logdir)
        self.stderr = os.fdopen(fd, "wb")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL, env=env)
        workdir.own(self.proc)
        self.port = self._wait_ready()
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_ready(self):
        deadline = time.time() + 20
        buf = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                m = re.search(rb"lockyard listening on http://[^\s:]+:(\d+)\n", buf)
                if m:
                    return int(m.group(1))
            elif self.proc.poll() is not None:
                break
        self.proc.kill()
        raise RuntimeError("server did not become ready: %r (stderr in %s)"
                           % (buf, self.stderr_path))

    def _drain(self):
        try:
            while os.read(self.proc.stdout.fileno(), 65536):
                pass
        except OSError:
            pass

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """Stops the server; returns a list of problems (death, exit code, sanitizer output)."""
        problems = []
        if self.proc.poll() is not None:
            problems.append("server died during the run (exit %s)" % self.proc.returncode)
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
                problems.append("server did not stop on SIGTERM")
            if rc != 0:
                problems.append("server exited with status %s" % rc)
        self.stderr.close()
        with open(self.stderr_path, "rb") as f:
            err = f.read()
        if sanitizer.report(err):
            problems.append("sanitizer output on server stderr (%s):\n%s"
                            % (self.stderr_path, sanitizer.report(err)))
        elif not problems:
            os.unlink(self.stderr_path)
        return problems


# --------------------------------------------------------------------- HTTP

class Response:
    def __init__(self, raw):
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("no complete response head in %d bytes: %r" % (len(raw), raw[:200]))
        lines = head.split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise ValueError("bad status line %r" % lines[0])
        self.status = int(m.group(1))
        self.head = head.decode("latin-1")
        self.headers = []
        for h in lines[1:]:
            name, _, value = h.decode("latin-1").partition(":")
            self.headers.append((name.strip(), value.strip()))
        self.body = body
        te = self.header("Transfer-Encoding")
        if te and "chunked" in te.lower():
            self.body = dechunk(body)

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name):
        vals = self.header_all(name)
        return vals[0] if vals else None


def dechunk(data):
    out = bytearray()
    while True:
        line, _, rest = data.partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += rest[:size]
        data = rest[size + 2:]


def send_request(port, raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=EXCHANGE_TIMEOUT_S)
    try:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading a large body
        chunks = []
        while True:
            try:
                c = s.recv(1 << 20)
            except ConnectionResetError:
                break
            if not c:
                break
            chunks.append(c)
        return b"".join(chunks)
    finally:
        s.close()


# -------------------------------------------------------------------- checks

def strip_ns(root):
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def show_diff(want, got, limit=300):
    """Two lines, both starting a little before the first difference."""
    n = 0
    while n < min(len(want), len(got)) and want[n] == got[n]:
        n += 1
    start = max(0, n - 40)
    tag = "" if start == 0 else "(from byte %d) " % start
    return "\n      expected %s%s\n      got      %s%s" % (
        tag, show(want[start:], limit), tag, show(got[start:], limit))


def show(b, limit=300):
    if isinstance(b, bytes):
        b = b.decode("utf-8", "replace")
    return repr(b if len(b) <= limit else b[:limit] + "...(%d chars)" % len(b))


class Checker:
    def __init__(self, resp, env, method, is_s3, is_ddb=False, is_sts=False):
        self.is_ddb = is_ddb
        self.resp = resp
        self.env = env
        self.method = method
        self.is_s3 = is_s3
        self.is_sts = is_sts
        self.problems = []
        self._xml = None
        self._xml_err = None

    def xml(self):
        if self._xml is None and self._xml_err is None:
            try:
                self._xml = strip_ns(ET.fromstring(self.resp.body))
            except ET.ParseError as e:
                self._xml_err = str(e)
        return self._xml

    def fail(self, ln, msg):
        self.problems.append("line %d: %s" % (ln, msg) if ln else msg)

    def find(self, ln, path):
        root = self.xml()
        if root is None:
            self.fail(ln, "body is not XML (%s): %s" % (self._xml_err, show(self.resp.body)))
            return None
        return root.findall(path)

    def invariants(self):
        r = self.resp
        no_body = self.method == "HEAD" or r.status in (204, 304) or r.status < 200
        if no_body and r.body:
            self.fail(0, "a %s %d answer must have no body, got %s"
                      % (self.method, r.status, show(r.body)))
        cl = r.header("Content-Length")
        if cl is not None and self.method != "HEAD" and r.status not in (204, 304) \
                and int(cl) != len(r.body):
            self.fail(0, "Content-Length %s but %d body bytes" % (cl, len(r.body)))
        if self.is_ddb:
            self.ddb_invariants()
        if self.is_sts:
            self.sts_invariants()
        if not self.is_s3:
            return
        rid, hid = r.header("x-amz-request-id"), r.header("x-amz-id-2")
        if not rid or not hid:
            self.fail(0, "x-amz-request-id / x-amz-id-2 missing")
        if r.status >= 300 and r.body and not no_body:
            root = self.xml()
            if root is None or root.tag != "Error":
                self.fail(0, "error answer without an <Error> document: %s" % show(r.body))
                return
            for el in ("Code", "Message", "RequestId", "HostId"):
                if root.find(el) is None:
                    self.fail(0, "<Error> lacks <%s>" % el)
            if root.findtext("RequestId") != rid or root.findtext("HostId") != hid:
                self.fail(0, "<RequestId>/<HostId> %r/%r differ from headers %r/%r"
                          % (root.findtext("RequestId"), root.findtext("HostId"), rid, hid))
            if r.header("Content-Type") != "application/xml":
                self.fail(0, "error Content-Type %r" % r.header("Content-Type"))

    def ddb_invariants(self):
        """Every DynamoDB answer: JSON 1.0 content type, request id, CRC-32 of the body."""
        r = self.resp
        if r.header("Content-Type") != "application/x-amz-json-1.0":
            self.fail(0, "DynamoDB Content-Type %r" % r.header("Content-Type"))
        if not r.header("x-amzn-RequestId"):
            self.fail(0, "x-amzn-RequestId missing")
        crc = r.header("x-amz-crc32")
        if crc != str(zlib.crc32(r.body) & 0xFFFFFFFF):
            self.fail(0, "x-amz-crc32 %r is not the CRC-32 of the body (%d)"
                      % (crc, zlib.crc32(r.body) & 0xFFFFFFFF))
        doc = self.json()
        if doc is None or not isinstance(doc, dict):
            self.fail(0, "DynamoDB body is not a JSON object: %s" % show(r.body))
        elif r.status >= 300 and "__type" not in doc:
            self.fail(0, "DynamoDB error without __type: %s" % show(r.body))

    def sts_invariants(self):
        """Every STS answer: a request id; errors are <ErrorResponse> with Type, Code, Message
        and the same RequestId."""
        r = self.resp
        rid = r.header("x-amzn-RequestId")
        if not rid:
            self.fail(0, "x-amzn-RequestId missing")
        if r.status < 300:
            return
        root = self.xml()
        if root is None or root.tag != "ErrorResponse":
            self.fail(0, "STS error answer without an <ErrorResponse> document: %s" % show(r.body))
            return
        for el in ("Error/Type", "Error/Code", "Error/Message", "RequestId"):
            if root.find(el) is None:
                self.fail(0, "<ErrorResponse> lacks <%s>" % el)
        got = root.find("RequestId")
        if got is not None and got.text != rid:
            self.fail(0, "RequestId %r differs from x-amzn-RequestId %r" % (got.text, rid))

    def json(self):
        try:
            return json.loads(self.resp.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def json_path(self, ln, path):
        """(found, value) at a path like Items[0].pk.S (keys may not contain '.' or '[')."""
        cur = self.json()
        if cur is None:
            self.fail(ln, "body is not JSON: %s" % show(self.resp.body))
            return False, None
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
            if part.startswith("["):
                i = int(part[1:-1])
                if not isinstance(cur, list) or i >= len(cur):
                    return False, None
                cur = cur[i]
            else:
                if not isinstance(cur, dict) or part not in cur:
                    return False, None
                cur = cur[part]
        return True, cur

    def check_json(self, ln, kind, a, b, env):
        if kind == "json-body":
            want = json.loads(expand(a, env).decode("utf-8"))
            if self.json() != want:
                self.fail(ln, "json body: expected %s, got %s"
                          % (json.dumps(want, sort_keys=True), show(self.resp.body, 1500)))
            return
        if kind == "ddb-error":
            typ, _, msg = expand(a, env).decode("utf-8").partition(": ")
            doc = self.json() or {}
            got_msg = doc.get("message", doc.get("Message"))
            if doc.get("__type") != typ or (msg or None) != got_msg:
                self.fail(ln, "ddb error: expected %r %r, got %s" % (typ, msg, show(self.resp.body, 1500)))
            return
        found, val = self.json_path(ln, a)
        if kind == "json-absent":
            if found:
                self.fail(ln, "json %s: expected absent, got %s" % (a, json.dumps(val)))
        elif kind == "json-count":
            if not found or not isinstance(val, (list, dict)) or len(val) != int(expand(b, env)):
                self.fail(ln, "json %s: expected %s entries, got %s" % (a, b, json.dumps(val) if found else "absent"))
        else:
            want = json.loads(expand(b, env).decode("utf-8"))
            if not found or val != want:
                self.fail(ln, "json %s: expected %s, got %s; body %s"
                          % (a, json.dumps(want), json.dumps(val) if found else "absent",
                             show(self.resp.body, 1500)))

    def run(self, ex):
        r = self.resp
        if ex.status is None:
            if not 200 <= r.status < 300:
                self.fail(0, "status: expected 2xx, got %d" % r.status)
        elif r.status != ex.status:
            self.fail(0, "status: expected %d, got %d" % (ex.status, r.status))
        self.invariants()
        env = dict(self.env)
        env["REQID"] = (r.header("x-amz-request-id") or "").encode()
        env["HOSTID"] = (r.header("x-amz-id-2") or "").encode()
        for ln, kind, a, b in ex.asserts:
            try:
                self.check(ln, kind, a, b, env)
            except CaseError as e:
                self.fail(ln, "case error: %s" % e)

    def check(self, ln, kind, a, b, env):
        r = self.resp
        if kind == "header":
            want = expand(b, env).decode("latin-1")
            got = r.header_all(a)
            if got != [want]:
                self.fail(ln, "header %s: expected %r, got %s"
                          % (a, want, "absent" if not got else ", ".join(map(repr, got))))
        elif kind == "header-absent":
            if r.header_all(a):
                self.fail(ln, "header %s: expected absent, got %r" % (a, r.header(a)))
        elif kind == "header-match":
            got = r.header(a)
            pat = expand(b, env).decode("latin-1")
            if got is None or not re.fullmatch(pat, got):
                self.fail(ln, "header %s: %r does not match /%s/" % (a, got, pat))
        elif kind == "body":
            want = expand(a, env)
            if r.body != want:
                self.fail(ln, "body:" + show_diff(want, r.body, 2000))
        elif kind in ("body-contains", "!body-contains"):
            want = expand(a, env)
            if (want in r.body) != (kind == "body-contains"):
                self.fail(ln, "body %s %s: %s" % ("lacks" if kind[0] != "!" else "contains",
                                                  show(want), show(r.body, 1500)))
        elif kind == "body-size":
            if len(r.body) != int(expand(a, env)):
                self.fail(ln, "body size: expected %s, got %d" % (a, len(r.body)))
        elif kind == "body-md5":
            got = hashlib.md5(r.body).hexdigest()
            if got != expand(a, env).decode():
                self.fail(ln, "body md5: expected %s, got %s" % (a, got))
        elif kind == "xml-root":
            root = self.xml()
            if root is None or root.tag != a:
                self.fail(ln, "xml root: expected <%s>, got %s" % (
                    a, "<%s>" % root.tag if root is not None else show(r.body)))
        elif kind in ("xml", "xml~", "xml-count", "xml-all", "xml-absent"):
            self.check_xml(ln, kind, a, b, env)
        elif kind in ("json", "json-absent", "json-count", "json-body", "ddb-error"):
            self.check_json(ln, kind, a, b, env)
        elif kind == "capture":
            self.capture(ln, a, b)

    def check_xml(self, ln, kind, path, value, env):
        els = self.find(ln, path)
        if els is None:
            return
        texts = [e.text or "" for e in els]
        if kind == "xml":
            want = expand(value, env).decode("utf-8")
            if not els:
                self.fail(ln, "xml %s: expected %r, element absent; body %s"
                          % (path, want, show(self.resp.body, 1500)))
            elif texts[0] != want:
                self.fail(ln, "xml %s: expected %r, got %r" % (path, want, texts[0]))
        elif kind == "xml~":
            pat = expand(value, env).decode("utf-8")
            if not els or not re.fullmatch(pat, texts[0]):
                self.fail(ln, "xml %s: %s does not match /%s/"
                          % (path, repr(texts[0]) if els else "absent", pat))
        elif kind == "xml-absent":
            if els:
                self.fail(ln, "xml %s: expected absent, got %r" % (path, texts[0]))
        elif kind == "xml-count":
            if len(els) != int(expand(value, env)):
                self.fail(ln, "xml %s: expected %s elements, got %d" % (path, value, len(els)))
        else:
            v = expand(value, env).decode("utf-8")
            want = v.split("|") if v else []
            if texts != want:
                self.fail(ln, "xml-all %s:%s" % (path, show_diff("|".join(want), "|".join(texts),
                                                                   800)))

    def capture(self, ln, name, spec):
        src, arg = spec
        if src == "header":
            v = self.resp.header(arg)
            if v is None:
                self.fail(ln, "capture %s: header %s absent" % (name, arg))
                return
            self.env[name] = v.encode("latin-1")
        elif src == "json":
            found, val = self.json_path(ln, arg)
            if not found:
                self.fail(ln, "capture %s: no JSON member %s" % (name, arg))
                return
            self.env[name] = (val if isinstance(val, str) else json.dumps(val)).encode("utf-8")
        elif src == "xml":
            els = self.find(ln, arg)
            if not els:
                self.fail(ln, "capture %s: no element %s" % (name, arg))
                return
            self.env[name] = (els[0].text or "").encode("utf-8")
        else:
            self.env[name] = self.resp.body


# -------------------------------------------------------------------- runner

AUTO_HEADERS = ("host", "content-length", "connection")


def build_request(ex, env):
    target = expand(ex.target, env)
    body = expand(ex.body, env)
    env = dict(env, BODYMD5=base64.b64encode(hashlib.md5(body).digest()))
    names = set()
    hdr = bytearray()
    for name, value in ex.headers:
        names.add(name.lower())
        hdr += name.encode() + b": " + expand(value, env) + b"\r\n"
    auto = []
    if "host" not in names and "host" not in ex.suppress:
        auto.append(b"Host: " + env["HOST"])
    if "content-length" not in names and "content-length" not in ex.suppress and \
            (body or ex.method in ("PUT", "POST")):
        auto.append(b"Content-Length: " + str(len(body)).encode())
    if "connection" not in names and "connection" not in ex.suppress:
        auto.append(b"Connection: close")
    head = ex.method.encode() + b" " + target + b" HTTP/1.1\r\n"
    for a in auto:
        head += a + b"\r\n"
    return bytes(head + hdr + b"\r\n" + body)


ADMIN_TOKEN = "runcases-admin-token"


def http_admin(port, method, path):
    raw = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 0\r\n"
           "x-lockyard-admin-token: %s\r\nConnection: close\r\n\r\n"
           % (method, path, port, ADMIN_TOKEN)).encode()
    return Response(send_request(port, raw))


def run_exchange(ex, env, port, idx):
    """Runs one exchange; returns a list of problem strings (empty = pass)."""
    try:
        raw = build_request(ex, env)
    except CaseError as e:
        return ["case error: %s" % e]
    try:
        resp = Response(send_request(port, raw))
    except (OSError, ValueError) as e:
        return ["no valid answer: %s" % e]
    is_ddb = any(n.lower() == "x-amz-target" for n, _ in ex.headers)
    # STS: a form POST to / with an Action (as mock/net/http.c's net_classify)
    is_sts = not is_ddb and ex.method == "POST" and ex.target == "/" and any(
        n.lower() == "content-type" and v.startswith("application/x-www-form-urlencoded")
        for n, v in ex.headers) and ("Action=" in ex.body)
    is_s3 = not is_ddb and not is_sts and not expand(ex.target, env).startswith(b"/_lockyard/")
    ck = Checker(resp, env, ex.method, is_s3, is_ddb, is_sts)
    ck.run(ex)
    if ck.problems:
        ck.problems.append("answer was:\n" + "\n".join(
            "        " + line for line in resp.head.split("\r\n")) +
            ("\n\n        " + show(resp.body, 1500) if resp.body else ""))
    return ck.problems


def journal_ops(port):
    """(service, op) of every request the server's journal holds."""
    r = http_admin(port, "GET", "/_lockyard/requests?limit=10000")
    if r.status != 200:
        return set()
    return {(e["service"], e["op"]) for e in json.loads(r.body)["requests"]}


def route_problems(port, seen):
    """Every operation of the server's tables (GET /_lockyard/operations) has a name, a
    handler, (S3) an IAM action, and a case that sends it a request."""
    r = http_admin(port, "GET", "/_lockyard/operations")
    if r.status != 200:
        return ["GET /_lockyard/operations answered %d" % r.status]
    ops = json.loads(r.body)
    out = []
    for service, key in (("s3", "s3"), ("dynamodb", "dynamodb")):
        for op in ops[key]:
            what = "%s %s" % (service, op.get("name") or "(no name)")
            if service == "s3":
                what += " (%s %s%s)" % (op["method"], op["level"], "".join(
                    "?" + s for s in op["subresources"]))
            if not op.get("name") or not op.get("handler"):
                out.append("%s: a route needs a name and a handler" % what)
            if service == "s3" and not op.get("action", "").startswith("s3:"):
                out.append("%s: no IAM action" % what)
            if (service, op.get("name")) not in seen:
                out.append("%s: no case in tests/cases sends it a request" % what)
    return out


def run_case(case, server):
    env = {"HOST": ("127.0.0.1:%d" % server.port).encode(),
           "PORT": str(server.port).encode(), "IP": b"127.0.0.1"}
    reset = http_admin(server.port, "POST", "/_lockyard/reset")
    if reset.status != 200:
        return ["reset answered %d" % reset.status]
    for idx, ex in enumerate(case.exchanges, 1):
        reps = [None] if ex.repeat is None else range(ex.repeat[0], ex.repeat[1] + 1)
        for rep in reps:
            if rep is not None:
                env["I"] = str(rep).zfill(ex.repeat[2]).encode()
            problems = run_exchange(ex, env, server.port, idx)
            if problems:
                what = "exchange %d `%s %s` (line %d)%s" % (
                    idx, ex.method, ex.target, ex.lineno,
                    "" if rep is None else " iteration I=%s" % env["I"].decode())
                return [what + ":"] + ["    " + p.replace("\n", "\n    ") for p in problems]
            if not server.alive():
                return ["server died after exchange %d (line %d)" % (idx, ex.lineno)]
    SEEN_OPS.update(journal_ops(server.port))
    return []


SEEN_OPS = set()


def case_paths(argv):
    if not argv:
        return sorted(os.path.join(CASES_DIR, f) for f in os.listdir(CASES_DIR)
                      if f.endswith(".case"))
    out = []
    for a in argv:
        if os.path.exists(a):
            out.append(a)
        else:
            hits = sorted(f for f in os.listdir(CASES_DIR) if f.endswith(".case") and
                          (f.startswith(a) or a in f))
            if not hits:
                sys.exit("runcases: no case matches %r" % a)
            out += [os.path.join(CASES_DIR, h) for h in hits]
    return out


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    binary = os.environ.get("LOCKYARD_BIN", DEFAULT_BIN)
    logdir = os.path.join(ROOT, "build", "test-logs")
    os.makedirs(logdir, exist_ok=True)
    workdir.make("lockyard-cases-")  # TMPDIR for the servers' --memory directories
    passed = failed = 0
    main_srv = None
    problems_global = []
    try:
        main_srv = Server(binary, [], logdir)
        for path in case_paths(argv):
            try:
                case = parse_case(path)
            except (CaseError, OSError, UnicodeDecodeError) as e:
                print("FAIL %s: cannot parse: %s" % (os.path.basename(path), e))
                failed += 1
                continue
            t0 = time.time()
            if case.server_args:
                srv = Server(binary, case.server_args, logdir)
                problems = run_case(case, srv)
                problems += srv.stop()
            else:
                if not main_srv.alive():
                    problems_global += main_srv.stop()
                    main_srv = Server(binary, [], logdir)
                problems = run_case(case, main_srv)
            if problems:
                failed += 1
                print("FAIL %s: %s" % (case.name, case.title))
                for p in problems:
                    print("    " + p)
            else:
                passed += 1
                if verbose:
                    print("ok   %s (%.2fs)" % (case.name, time.time() - t0))
            sys.stdout.flush()
        if len(argv) == 0:  # the whole set: every operation of the tables has a case
            route_fails = route_problems(main_srv.port, SEEN_OPS)
            for p in route_fails:
                print("FAIL routes: " + p)
            if route_fails:
                failed += 1
            else:
                passed += 1
                if verbose:
                    print("ok   routes: every S3 route and DynamoDB operation has a case")
    finally:
        if main_srv:
            problems_global += main_srv.stop()
    for p in problems_global:
        print("FAIL server: " + p)
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
