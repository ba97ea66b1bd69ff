#!/usr/bin/env python3
"""Opens N keep-alive connections to HOST:PORT, each answered one GET /_lockyard/health, keeps
them all open and idle, and prints the server's (PID) resident set size in KiB.

Usage: idle_conns.py HOST:PORT N PID. Exits 1 when a connection is refused or answered wrongly.
"""
import resource
import socket
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
n, pid = int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 100)), hard))
req = f"GET /_lockyard/health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
conns = []
for i in range(n):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(req)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit(f"connection {i}: closed by the server")
        head += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        sys.exit(f"connection {i}: {head[:40]!r}")
    conns.append(s)
time.sleep(0.5)
with open(f"/proc/{pid}/status") as f:
    rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
print(rss)
for s in conns:
    s.close()
