#!/usr/bin/env python3
"""Checks that a `lockyard run --report` file is one self-contained HTML page
and that its parts agree:
  check-report.py REPORT.html [--history H.jsonl] [--json RUN.json] [LANE ...]
- it loads nothing from elsewhere (no src/href, no external fonts, styles or scripts);
- it has the badge, the checks table (each row pass / fail / unknown), the
  violation list and the sequence view's data (which parses as JSON);
- the data has one lane per named client (default A and B);
- one numbering: every operation number in the violation list is the same
  in the data, in --json (when given) and is the `index` of an invoke or
  marker line of the history file (when given)."""
import html.parser, json, re, sys

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.external, self.ids, self.stack = [], [], set(), []
        self.viol_text, self.in_li, self.data, self.in_data = [], False, "", False
        self.check_rows = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k in ("src", "href"):
            if k in a:
                self.external.append((tag, a[k]))
        if tag in ("link", "iframe", "img", "object", "embed"):
            self.external.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "li" and "data-v" in a:
            self.in_li = True
            self.viol_text.append("")
        if tag == "tr" and a.get("class") in ("pass", "fail", "unknown"):
            self.check_rows.append(a["class"])
        self.in_data = tag == "script" and a.get("id") == "lockyard-data"
    def handle_endtag(self, tag):
        if tag == "li":
            self.in_li = False
        if tag == "script":
            self.in_data = False
    def handle_data(self, data):
        if self.in_li:
            self.viol_text[-1] += data
        if self.in_data:
            self.data += data

args, opts, i = [], {}, 1
while i < len(sys.argv):
    if sys.argv[i] in ("--history", "--json"):
        opts[sys.argv[i]] = sys.argv[i + 1]
        i += 2
    else:
        args.append(sys.argv[i])
        i += 1
text = open(args[0], encoding="utf-8").read()
p = P()
p.feed(text)
problems = []
if p.external:
    problems.append("external references: %r" % p.external[:3])
if re.search(r"@import|url\(http|@font-face", text):
    problems.append("CSS loads something")
for need in ("badge", "checks", "violations", "seq", "lockyard-data"):
    if need not in p.ids:
        problems.append("no element #" + need)
if len(p.check_rows) < 8:
    problems.append("checks table has %d rows" % len(p.check_rows))
try:
    data = json.loads(p.data)
except ValueError as e:
    data = {"ops": [], "marks": [], "violations": []}
    problems.append("data does not parse: %s" % e)
lanes = {o["p"] for o in data["ops"]} | {m["p"] for m in data["marks"]}
want = args[1:] or ["A", "B"]
if not all(w in lanes for w in want):
    problems.append("lanes %r, want %r" % (sorted(lanes), want))
listed = [[int(n) for n in re.findall(r"#(\d+)", t)] for t in p.viol_text]
in_data = [v["ops"] for v in data["violations"]]
if listed != in_data:
    problems.append("violation list %r, data %r" % (listed, in_data))
if "--json" in opts:
    doc = json.load(open(opts["--json"]))["scenarios"][0]
    if [v["events"] for v in doc["violations"]] != in_data:
        problems.append("--json numbers %r, report %r" % ([v["events"] for v in doc["violations"]], in_data))
if "--history" in opts:
    hist = {}
    for line in open(opts["--history"]):
        e = json.loads(line)
        hist[e["index"]] = e
    markers = {"cs_enter", "cs_exit", "pause", "resume", "crash", "give_up", "fault", "clock"}
    for v in in_data:
        for n in v:
            e = hist.get(n)
            if not e or (e["type"] != "invoke" and e["f"] not in markers):
                problems.append("operation #%d is not an invoke or marker of the history: %r" % (n, e))
    for o in data["ops"]:
        e = hist.get(o["n"])
        if not e or e["type"] != "invoke" or e["f"] != o["f"] or e["process"] != o["p"]:
            problems.append("view operation #%d is history line %r" % (o["n"], e))
            break
for m in problems:
    print("check-report:", m)
sys.exit(1 if problems else 0)
