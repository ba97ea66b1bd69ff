#!/usr/bin/env python3
"""Checks that a `lockyard run --report` file is one self-contained HTML page:
it parses, loads nothing from elsewhere (no src/href to other files, no
external fonts or scripts), and its SVG timeline has one labelled lane per
client with bars coloured by outcome and the first violation outlined."""
import html.parser, re, sys

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.external, self.lanes, self.classes, self.stack = [], [], [], set(), []
        self.in_lane = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k in ("src", "href"):
            if k in a:
                self.external.append((tag, a[k]))
        if tag in ("link", "script", "iframe", "img", "object", "embed"):
            self.external.append((tag, a))
        for c in (a.get("class") or "").split():
            self.classes.add(c)
        self.in_lane = tag == "text" and a.get("class") == "lane"
    def handle_data(self, data):
        if self.in_lane:
            self.lanes.append(data)
            self.in_lane = False

text = open(sys.argv[1], encoding="utf-8").read()
p = P()
p.feed(text)
problems = []
if p.external:
    problems.append("external references: %r" % p.external[:3])
if re.search(r"@import|url\(|@font-face", text):
    problems.append("CSS loads something")
if "svg" not in p.tags:
    problems.append("no SVG timeline")
want = sys.argv[2:] or ["A", "B"]
if not all(w in p.lanes for w in want):
    problems.append("lanes %r, want %r" % (p.lanes, want))
if not {"ok", "cs", "hl"} <= p.classes:
    problems.append("missing bar classes: %r" % ({"ok", "cs", "hl"} - p.classes))
for m in problems:
    print("check-report:", m)
sys.exit(1 if problems else 0)
