#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
#
# check_html.sh BIN CAPTURE [ENDPOINT]: renders the HTML report of CAPTURE in
# headless Chromium (with ENDPOINT selected through the page's
# #endpoint=NAME address) and checks the page a browser built against the
# JSON reports: the page references no other file; its script ran to the
# end and drew its three charts over time; its endpoint table has every
# endpoint with its request count; its flame graph adds up to the JSON
# report's total cost and sample count (for ENDPOINT: the measured cost
# `report --endpoint` scales to), and its heaviest function by self cost is
# the JSON report's, with that self cost.
# Prints one line and exits 0 on success; exits 1 with a one-line reason on
# the first failure.
set -u

die() {
	echo "check_html: $*" >&2
	exit 1
}

[ $# -ge 2 ] || die "usage: check_html.sh BIN CAPTURE [ENDPOINT]"
BIN=$1
CAPTURE=$2
EP=${3:-}
PY=${PC_CHECK_PY:-python3}
CHROMIUM=${PC_CHROMIUM:-chromium}
command -v "$CHROMIUM" >/dev/null || die "$CHROMIUM not found (Debian's chromium package)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/check_html.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT

"$BIN" report "$CAPTURE" --format html -o "$TMP/x.html" 2>"$TMP/err" ||
	die "report --format html failed: $(head -n 1 "$TMP/err")"
"$BIN" report "$CAPTURE" --by endpoint --format json -o "$TMP/ep.json" 2>"$TMP/err" ||
	die "report --by endpoint --format json failed: $(head -n 1 "$TMP/err")"
if [ -n "$EP" ]; then
	"$BIN" report "$CAPTURE" --endpoint "$EP" --format json -o "$TMP/fn.json" 2>"$TMP/err"
else
	"$BIN" report "$CAPTURE" --format json -o "$TMP/fn.json" 2>"$TMP/err"
fi || die "report --format json failed: $(head -n 1 "$TMP/err")"

hash=$("$PY" -c 'import sys, urllib.parse; print("#endpoint=" + urllib.parse.quote(sys.argv[1]) if sys.argv[1] else "")' "$EP")
# root needs --no-sandbox; a private profile keeps runs apart
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$TMP/profile" --window-size=1200,900 --virtual-time-budget=10000 \
	--dump-dom "file://$TMP/x.html$hash" >"$TMP/dom.html" 2>"$TMP/chromium.err" ||
	die "chromium failed: $(grep -v -i dbus "$TMP/chromium.err" | head -n 1)"

"$PY" - "$TMP/x.html" "$TMP/dom.html" "$TMP/ep.json" "$TMP/fn.json" "$EP" <<'EOF' >"$TMP/msg" 2>&1 || die "$(tail -n 1 "$TMP/msg")"
import json, sys
from html.parser import HTMLParser

page, dom, epf, fnf, ep = sys.argv[1:6]

def bad(why):
    print(why)
    sys.exit(1)

class Page(HTMLParser):
    """The tags of a page, the text of its table cells and of its flame nodes."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.rows, self.nodes, self.cell, self.node = [], [], [], None, None
        self.attrs, self.selected = {}, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.attrs[a["id"]] = a
        if tag == "tr":
            self.rows.append([])
            if a.get("class") == "sel":
                self.selected = len(self.rows) - 1
        elif tag == "td":
            self.cell = ""
        elif tag == "div" and "data-self" in a:
            self.node = [float(a["data-self"]), float(a["data-w"]), ""]
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None
        elif tag == "div" and self.node is not None:
            self.nodes.append(self.node)
            self.node = None
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.node is not None:
            self.node[2] += data

raw = Page()
raw.feed(open(page, encoding="utf-8").read())
for tag, a in raw.tags:
    for k in ("src", "href"):
        if k in a:
            bad(f"the page loads another file: <{tag} {k}={a[k]!r}>")

p = Page()
p.feed(open(dom, encoding="utf-8").read())
body = [a for t, a in p.tags if t == "body"]
if not body or body[0].get("data-rendered") != "ok":
    bad("the page's script did not run to its end in chromium")

eps = json.load(open(epf, encoding="utf-8"))["endpoints"]
want = {e["endpoint"]: e["requests"] for e in eps}
got = {r[0]: int(r[2]) for r in p.rows if len(r) > 2}
if got != want:
    bad(f"endpoint table shows {got}, the JSON report {want}")
charts = sum(1 for t, a in p.tags if t == "svg")
if charts != 3:
    bad(f"the page drew {charts} charts over time, not 3 (requests/s, cost, latency)")
sel = p.rows[p.selected][0] if p.selected is not None else ""
if sel != ep:
    bad(f"the page selected {sel!r}, not {ep!r} named in its address")

fn = json.load(open(fnf, encoding="utf-8"))
flame = p.attrs.get("flame", {})
total, samples = float(flame.get("data-total", "nan")), int(flame.get("data-samples", -1))
if samples != fn["total_count"]:
    bad(f"flame graph has {samples} samples, the JSON report {fn['total_count']}")
if not abs(total - fn["total_weight"]) <= 1e-6 * fn["total_weight"] + 1:
    bad(f"flame graph adds up to {total:.0f}, the JSON report to {fn['total_weight']}")

self_by_name = {}
for s, w, name in p.nodes:
    self_by_name[name] = self_by_name.get(name, 0) + s
json_self = {}
for f in fn["functions"]:
    json_self[f["qualname"]] = json_self.get(f["qualname"], 0) + f["self"]
if not json_self or not self_by_name:
    bad("no functions in the flame graph or in the JSON report")
top = max(json_self, key=json_self.get)
ftop = max(self_by_name, key=self_by_name.get)
# a tie on self cost allows either
if ftop != top and json_self.get(ftop, 0) < json_self[top] - 1e-3 * fn["total_weight"]:
    bad(f"flame graph's heaviest function by self cost is {ftop!r}, the JSON report's {top!r}")
# nodes narrower than 2 pixels are not drawn: a little of a function may be missing
share = self_by_name.get(top, 0) / json_self[top] if json_self[top] else 1
if not 0.95 <= share <= 1 + 1e-6:
    bad(f"flame graph gives {top!r} {share:.1%} of its self cost in the JSON report")
print(f"{len(got)} endpoints, {samples} samples, top {top!r} ({share:.1%} of its self cost drawn)")
EOF
echo "check_html: ok, chromium rendered $(cat "$TMP/msg")"
