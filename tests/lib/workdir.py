"""A private working directory for one test process, removed however the process ends.

    import workdir
    WORK = workdir.make("lockyard-faults-")   # a fresh directory under $TMPDIR
    workdir.own(proc)                          # a child to kill at exit if still running

make() points TMPDIR (and the tempfile module) into the directory, so what the test's children
create there - a `lockyard serve --memory` server's data directory, above all one the test
kills with SIGKILL, which cannot remove its own - goes with it. At exit (a normal end, an
exception, sys.exit, or SIGTERM / SIGINT / SIGHUP turned into sys.exit) the owned children
still running are killed and waited for, then the directory is removed.
"""
import atexit
import os
import shutil
import signal
import sys
import tempfile

_owned = []


def own(proc):
    """Kill proc (a subprocess.Popen) at exit if it is still running. Returns proc."""
    _owned.append(proc)
    return proc


def _cleanup(path):
    for p in _owned:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(path, ignore_errors=True)


def _exit_on_signal(signum, _frame):
    sys.exit(128 + signum)


def make(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    os.environ["TMPDIR"] = path
    tempfile.tempdir = path
    atexit.register(_cleanup, path)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _exit_on_signal)
    return path
