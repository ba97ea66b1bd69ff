#!/usr/bin/env python3
"""Runs the commands of a docs page against a server and checks their answers.
  run-doc-commands.py PAGE.md ENDPOINT
The page has one ```sh block under "## Setup" and tables whose rows are
| case | answer | `command` |; the answer's number (HTTP status) and the
words in it (error codes, or a quoted string) must appear in what the command
prints. Rows run in order in one bash, after the setup. Prints one line per
row ("ok ..." / "FAILED ...")."""
import re, subprocess, sys

page, endpoint = sys.argv[1], sys.argv[2]
text = open(page, encoding="utf-8").read()
setup = re.search(r"## Setup\s*\n+```sh\n(.*?)```", text, re.S).group(1)
setup = setup.replace("E=http://127.0.0.1:4566", "E=" + endpoint)
rows = []
for line in text.splitlines():
    m = re.match(r"^\| (.+?) \| `([^`]+)` \| `(.+)` \|$", line)
    if m:
        rows.append((m.group(1), m.group(2), m.group(3).replace("\\|", "|")))
script = [setup, "exec 2>&1"]
for i, (_, _, cmd) in enumerate(rows):
    script += ["echo '@@row %d'" % i, cmd]
out = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=120).stdout
parts = re.split(r"^@@row (\d+)\n", out, flags=re.M)
got = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
fails = 0
for i, (case, answer, cmd) in enumerate(rows):
    o = got.get(i, "")
    want = re.findall(r'"[^"]+"|[A-Za-z]{3,}|\d{3}', answer)
    status = [w for w in want if w.isdigit()]
    last = o.strip().split()[-1] if o.strip() else ""
    okay = all(w.strip('"') in o for w in want if not w.isdigit()) and \
        (not status or status[0] == last or ("HTTP/1.1 " + status[0]) in o)
    print(("ok      " if okay else "FAILED  ") + "%s: %s" % (case, answer) +
          ("" if okay else "\n        command: %s\n        printed: %s" % (cmd, o.strip()[-300:])))
    fails += not okay
print("rows: %d" % len(rows))
sys.exit(1 if fails or not rows else 0)
