#!/usr/bin/env python3
"""Time to ready: starts a server N times and prints the median milliseconds from starting the
process to its first answer to GET /_lockyard/health (status 200).

Usage: ready.py N COMMAND... (the word PORT in COMMAND is replaced by a free port). Each start
polls by connecting every 0.5 ms, so the figure is the server's own start-up time plus at most
half a millisecond, not a poller's (a curl process per poll costs milliseconds by itself).
Exits 1 when a server exits or does not answer within 5 s.
"""
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(port):
    """True when the server on port answers GET /_lockyard/health with 200."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /_lockyard/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200 ")
    except OSError:
        return False


def once(cmd):
    port = free_port()
    argv = [str(port) if a == "PORT" else a.replace(":PORT", ":%d" % port) for a in cmd]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    try:
        while time.monotonic() - t0 < 5:
            if health(port):
                return (time.monotonic() - t0) * 1000
            if p.poll() is not None:
                sys.exit("ready: the server exited (status %d)" % p.returncode)
            time.sleep(0.0005)
        sys.exit("ready: no answer within 5 s")
    finally:
        p.terminate()
        p.wait()


n = int(sys.argv[1])
print("%.1f" % statistics.median(once(sys.argv[2:]) for _ in range(n)))
