"""The test suites' one matcher for sanitizer reports, for Python suites.

The pattern is SANITIZER_ERE of tests/lib/sanitizer.sh (read from there, so shell and Python
suites match the same lines). report(text) returns the report lines (with what follows them,
at most 60 lines) or "" when the text holds no AddressSanitizer, UndefinedBehaviorSanitizer
or LeakSanitizer report. Works on str and bytes.
"""
import os
import re

_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sanitizer.sh")


def _load():
    with open(_SH, encoding="utf-8") as f:
        m = re.search(r"^SANITIZER_ERE='([^']+)'$", f.read(), re.M)
    if not m:
        raise RuntimeError(f"{_SH}: no SANITIZER_ERE line")
    return m.group(1)


PATTERN = re.compile(_load())


def report(text):
    """The sanitizer report in text (str or bytes), or "" when there is none."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if PATTERN.search(line):
            return "\n".join(lines[i:i + 60])
    return ""
