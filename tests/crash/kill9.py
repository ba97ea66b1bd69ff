#!/usr/bin/python3
"""Acknowledged writes survive kill -9.

Starts `lockyard serve --data DIR --durability fsync`, runs writers that PUT objects (plain and
`If-None-Match: *`) and record every acknowledged one, kills the server with SIGKILL at a random
moment, restarts it on the same data, and checks that every acknowledged object is there with
exactly its body, that no object holds a body nobody wrote (no torn writes), and that a
conditional re-PUT of an acknowledged key still gets 412. Repeats for several rounds. A
sanitizer report in any server's stderr is a failure. Prints "N passed, N failed".
"""
import http.client, os, random, shutil, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import sanitizer  # noqa: E402  the suites' one sanitizer-report matcher

BIN = os.environ.get("LOCKYARD_BIN", "build/san/lockyard")
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "5"))
seed = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
rng = random.Random(seed)


MODES = os.environ.get("CRASH_MODES", "fsync group").split()


def start(data, mode):
    """A server on data; its stderr is appended to data/../server.err."""
    err = os.path.join(os.path.dirname(data), "server.err")
    with open(err, "a") as ef:
        p = subprocess.Popen([BIN, "serve", "--data", data, "--durability", mode,
                              "--listen", "127.0.0.1:0", "--quiet"],
                             stdout=subprocess.PIPE, stderr=ef, text=True)
    line = p.stdout.readline()
    if "listening on http://" not in line:
        p.kill()
        p.wait()
        raise RuntimeError("server did not start: " + line + open(err).read())
    return p, int(line.rsplit(":", 1)[1])


def req(port, method, path, body=b"", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def writer(port, wid, acked, stop):
    i = 0
    while not stop.is_set():
        key = f"w{wid}-{i}"
        body = (f"{key}:" + "x" * rng.randint(0, 20000)).encode()
        hdr = {"If-None-Match": "*"} if i % 2 else {}
        try:
            st, _ = req(port, "PUT", f"/crash/{key}", body, hdr)
        except Exception:
            return  # the server died under us: this write was not acknowledged
        if st == 200:
            acked[key] = body
        i += 1


def main():
    passed = failed = 0
    print(f"seed {seed}; replay: CRASH_SEED={seed} {sys.argv[0]}")
    for mode in MODES:
        p_, f_ = run_mode(mode)
        passed += p_
        failed += f_
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def run_mode(mode):
    passed = failed = 0
    work = tempfile.mkdtemp(prefix="lockyard-crash-")
    data = os.path.join(work, "data")
    os.mkdir(data)
    print(f"--durability {mode}")
    p = None
    try:
        p, port = start(data, mode)
        assert req(port, "PUT", "/crash")[0] == 200
        all_acked = {}
        for rnd in range(ROUNDS):
            acked, stop = {}, threading.Event()
            ts = [threading.Thread(target=writer, args=(port, w + rnd * 10, acked, stop))
                  for w in range(4)]
            for t in ts:
                t.start()
            time.sleep(rng.uniform(0.2, 0.8))
            p.send_signal(signal.SIGKILL)
            p.wait()
            stop.set()
            for t in ts:
                t.join()
            all_acked.update(acked)
            p, port = start(data, mode)
            bad = []
            for key, body in all_acked.items():
                st, got = req(port, "GET", f"/crash/{key}")
                if st != 200 or got != body:
                    bad.append(f"{key}: status {st}, {len(got)} bytes")
            st, listing = req(port, "GET", "/crash?list-type=2&max-keys=1000")
            if st != 200:
                bad.append(f"list status {st}")
            # every listed key must hold a body some writer produced for it (no torn writes)
            for key in [k.split("</Key>")[0] for k in listing.decode().split("<Key>")[1:]]:
                st, got = req(port, "GET", f"/crash/{key}")
                if not got.startswith(f"{key}:".encode()):
                    bad.append(f"{key}: foreign or torn body")
            if all_acked:
                key = rng.choice(sorted(all_acked))
                st, _ = req(port, "PUT", f"/crash/{key}", b"again", {"If-None-Match": "*"})
                if st != 412:
                    bad.append(f"re-PUT If-None-Match of {key} got {st}")
            if bad:
                failed += 1
                print(f"round {rnd}: FAILED ({len(acked)} acknowledged): " + "; ".join(bad[:5]))
            else:
                passed += 1
                print(f"round {rnd}: ok, {len(acked)} acknowledged writes survived kill -9 "
                      f"({len(all_acked)} in all)")
        p.send_signal(signal.SIGTERM)
        if p.wait(timeout=10) != 0:
            failed += 1
            print("clean shutdown after SIGTERM did not exit 0")
        else:
            passed += 1
        found = sanitizer.report(open(os.path.join(work, "server.err"), "rb").read())
        if found:
            failed += 1
            print("sanitizer report in the servers' stderr:\n" + found)
    finally:
        if p and p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)
    return passed, failed


if __name__ == "__main__":
    sys.exit(main())
