#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
#
# check_readers.sh BIN CAPTURE: opens every exchange format pycost writes for
# CAPTURE with its real reader and checks they agree with the table report.
# The top function by self cost (any of them, when the table shows a tie)
# must be the top of `go tool pprof -top` and of pstats sorted by tottime;
# speedscope must be structurally valid (the constraints its importer
# enforces); every folded line must be `stack count`.  Prints one line and
# exits 0 on success; exits 1 with a one-line reason on the first failure.
set -u

die() {
	echo "check_readers: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: check_readers.sh BIN CAPTURE"
BIN=$1
CAPTURE=$2
PY=${PC_CHECK_PY:-python3}
[ -x "$BIN" ] || die "$BIN is not executable"
[ -r "$CAPTURE" ] || die "cannot read $CAPTURE"
command -v go >/dev/null || die "go not found (golang-go provides go tool pprof)"
command -v "$PY" >/dev/null || die "$PY not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/check_readers.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT

# report FORMAT OUT: pycost report CAPTURE --format FORMAT -o OUT
report() {
	"$BIN" report "$CAPTURE" --format "$1" -o "$2" 2>"$TMP/err" ||
		die "report --format $1 failed: $(head -n 1 "$TMP/err")"
	[ -s "$2" ] || die "report --format $1 wrote nothing"
}

# The table's function rows start after the " self%" header; the name starts
# at column 49 (6+2+6+2+9+2+9+2+8+2 characters of numbers and gaps) and is
# `qualname (file:line)` or a bare pseudo frame.  Every row tied with the
# first on self cost is an acceptable top function, one qualname per line.
report table "$TMP/table.txt"
"$PY" - "$TMP/table.txt" >"$TMP/top" <<'EOF' || die "$(tail -n 1 "$TMP/top")"
import sys
rows, seen = [], False
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if line.startswith(" self%"):
        seen = True
    elif seen and line:
        name = line[48:]
        # qualnames hold no " (", file names may: cut at the first one
        rows.append((line[16:25], name.split(" (", 1)[0] if name.endswith(")") else name))
if not rows:
    print("table report has no function rows")
    sys.exit(1)
for self_cost, name in rows:
    if self_cost == rows[0][0]:
        print(name)
EOF
TOP=$(head -n 1 "$TMP/top")

# pprof: the first row of -top is the largest flat (self) value.
report pprof "$TMP/x.pb.gz"
PPROF_TMPDIR=$TMP go tool pprof -top "$TMP/x.pb.gz" >"$TMP/pprof.txt" 2>"$TMP/err" ||
	die "go tool pprof -top failed: $(grep -v 'binary filename' "$TMP/err" | head -n 1)"
"$PY" - "$TMP/pprof.txt" "$TMP/top" <<'EOF' >"$TMP/msg" || die "$(tail -n 1 "$TMP/msg")"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
want = open(sys.argv[2], encoding="utf-8").read().splitlines()
try:
    first = lines[[i for i, l in enumerate(lines) if l.split()[:2] == ["flat", "flat%"]][0] + 1]
except IndexError:
    print("go tool pprof -top printed no rows")
    sys.exit(1)
name = first.split(None, 5)[5]
# pprof may shorten a dotted name to its last components
if not any(w == name or w.endswith("." + name) for w in want):
    print(f"pprof top function is {name!r}, table says {want[0]!r}")
    sys.exit(1)
EOF

# pstats: marshal.load must accept the file; the first entry by tottime wins.
report pstats "$TMP/x.pstats"
"$PY" - "$TMP/x.pstats" "$TMP/top" <<'EOF' >"$TMP/msg" 2>&1 || die "$(tail -n 1 "$TMP/msg")"
import io, pstats, sys
want = open(sys.argv[2], encoding="utf-8").read().splitlines()
try:
    st = pstats.Stats(sys.argv[1], stream=io.StringIO())
    st.sort_stats("tottime").print_stats(5)
except Exception as e:
    print(f"pstats cannot read the file: {e!r}")
    sys.exit(1)
name = st.fcn_list[0][2] if st.fcn_list else None
clean = name and "".join("_" if c == ";" or ord(c) < 32 or c == "\x7f" else c for c in name)
if clean not in want:
    print(f"pstats top function by tottime is {name!r}, table says {want[0]!r}")
    sys.exit(1)
EOF

# speedscope: what its importer checks, plus frame indices in range.
report speedscope "$TMP/x.speedscope.json"
"$PY" - "$TMP/x.speedscope.json" <<'EOF' >"$TMP/msg" 2>&1 || die "$(tail -n 1 "$TMP/msg")"
import json, sys
def bad(why):
    print(f"speedscope: {why}")
    sys.exit(1)
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except ValueError as e:
    bad(f"invalid JSON: {e}")
if d.get("$schema") != "https://www.speedscope.app/file-format-schema.json":
    bad("$schema missing or wrong")
frames = d.get("shared", {}).get("frames")
if not isinstance(frames, list) or not frames:
    bad("shared.frames missing or empty")
for f in frames:
    if not isinstance(f.get("name"), str):
        bad(f"frame without a name: {f!r}")
profiles = d.get("profiles")
if not isinstance(profiles, list) or not profiles:
    bad("no profiles")
units = {"none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"}
for p in profiles:
    name = p.get("name")
    if p.get("type") != "sampled":
        bad(f"profile {name!r} is not sampled")
    if p.get("unit") not in units:
        bad(f"profile {name!r} has unit {p.get('unit')!r}")
    s, w = p.get("samples"), p.get("weights")
    if not isinstance(s, list) or not isinstance(w, list) or len(s) != len(w):
        bad(f"profile {name!r}: samples.length != weights.length")
    if any(not isinstance(x, (int, float)) or x < 0 for x in w):
        bad(f"profile {name!r}: a weight is not a non-negative number")
    if any(not isinstance(i, int) or not 0 <= i < len(frames) for st in s for i in st):
        bad(f"profile {name!r}: a frame index is out of range")
    if not p.get("startValue", 0) <= p.get("endValue", -1):
        bad(f"profile {name!r}: endValue before startValue")
EOF

# folded: speedscope and flamegraph.pl need ` <integer>` ending every line.
report folded "$TMP/x.folded"
bad=$(grep -nvE '^.+ [0-9]+$' "$TMP/x.folded" | head -n 1)
[ -z "$bad" ] || die "folded line does not match '^.+ [0-9]+\$': ${bad:0:120}"

echo "check_readers: ok, pprof, pstats, speedscope and folded agree on top function $TOP"
