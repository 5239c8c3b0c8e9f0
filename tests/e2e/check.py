#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Checks a `pycost report --format json --by stack` document against the
known truth of an end-to-end workload.

    check.py SUBCOMMAND REPORT.json ARGS...

Every subcommand first checks the document itself (shape, UTF-8, and that the
function costs agree with the stacks), then its workload's truth, taken from
the workload's source (with ast) or from the truth file the workload wrote.
Prints one line: a summary on success (exit 0), the reason of the first
failure (exit 1), or why the run cannot tell (exit 77: skip).  Usage errors
exit 2.

Subcommands:
    split REPORT SPLIT.py [--truth TRUTH.json] [--tolerance PP] [--sampler tick|perf]
    deep REPORT DEEP.py DEPTH [--max-depth N]
    threads REPORT TRUTH.json
    names REPORT TRUTH.json [--folded FOLDED.txt]
    gens REPORT GENS.py
    transitions REPORT TRANSITIONS.py
    churn REPORT TRUTH.json [--min-names N]
    quick REPORT QUICK.py
    overhead REPORT CPU.json --bpf-stats 0|1
"""
import argparse
import ast
import json
import os
import re
import sys

SKIP_STATUS = 77
HERE = os.path.dirname(os.path.abspath(__file__))
ABI_HEADER = os.path.join(HERE, "..", "..", "bpf", "pycost.h")


class Fail(Exception):
    pass


class Skip(Exception):
    """The truth is not what the test needs (exit status 77)."""


def require(cond, msg):
    if not cond:
        raise Fail(msg)


# ---- the report ------------------------------------------------------------


class Frame:
    __slots__ = ("qualname", "filename", "line")

    def __init__(self, d):
        self.qualname = d["qualname"]
        self.filename = d["filename"]
        self.line = d["line"]

    def key(self):
        return (self.qualname, self.filename)

    def __repr__(self):
        return "%s (%s:%d)" % (self.qualname, os.path.basename(self.filename), self.line)


class Stack:
    def __init__(self, d):
        self.frames = [Frame(f) for f in d["frames"]]  # root first
        self.weight = d["weight"]
        self.count = d["count"]

    @property
    def leaf(self):
        return self.frames[-1] if self.frames else None

    def positions(self, qualname, filename=None):
        return [i for i, f in enumerate(self.frames)
                if f.qualname == qualname and (filename is None or f.filename == filename)]

    def __repr__(self):
        return " -> ".join(map(repr, self.frames)) or "(no frames)"


class Report:
    def __init__(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise Fail("%s is not UTF-8 JSON: %s" % (path, e))
        require(isinstance(doc, dict), "report is not a JSON object")
        for key in ("meta", "functions", "stacks"):
            require(key in doc, "report has no %r (run with --by stack?)" % key)
        self.meta = doc["meta"]
        require(isinstance(self.meta, dict), "meta is not an object")
        try:
            self.functions = list(doc["functions"])
            for fn in self.functions:
                for k in ("qualname", "filename", "firstlineno", "self", "total",
                          "self_pct", "total_pct", "samples"):
                    require(k in fn, "function entry without %r: %r" % (k, fn))
            self.stacks = [Stack(s) for s in doc["stacks"]]
        except (KeyError, TypeError) as e:
            raise Fail("malformed functions/stacks: %r" % (e,))
        self.total_weight = sum(s.weight for s in self.stacks)
        self.total_count = sum(s.count for s in self.stacks)
        self._check_consistency(doc)

    def _check_consistency(self, doc):
        """Function costs must be what the stacks say."""
        if "total_weight" in doc:
            require(doc["total_weight"] == self.total_weight,
                    "total_weight %s != sum of stack weights %s"
                    % (doc["total_weight"], self.total_weight))
        self_of, total_of = {}, {}
        for s in self.stacks:
            if not s.frames:
                continue
            self_of[s.leaf.key()] = self_of.get(s.leaf.key(), 0) + s.weight
            for k in {f.key() for f in s.frames}:
                total_of[k] = total_of.get(k, 0) + s.weight
        fself, ftotal, nfuncs = {}, {}, {}
        for fn in self.functions:
            k = (fn["qualname"], fn["filename"])
            require(fn["self"] <= fn["total"], "%s: self %s > total %s"
                    % (fn["qualname"], fn["self"], fn["total"]))
            fself[k] = fself.get(k, 0) + fn["self"]
            ftotal[k] = ftotal.get(k, 0) + fn["total"]
            nfuncs[k] = nfuncs.get(k, 0) + 1
            if self.total_weight:
                pct = 100.0 * fn["self"] / self.total_weight
                require(abs(fn["self_pct"] - pct) <= 0.01 + 1e-4 * pct,
                        "%s: self_pct %s, expected %.4f" % (fn["qualname"], fn["self_pct"], pct))
        for k in set(self_of) | set(fself):
            require(self_of.get(k, 0) == fself.get(k, 0),
                    "%s (%s): self %s but its leaf stacks weigh %s"
                    % (k[0], k[1], fself.get(k, 0), self_of.get(k, 0)))
        for k in set(total_of) | set(ftotal):
            got, want = ftotal.get(k, 0), total_of.get(k, 0)
            ok = got == want if nfuncs.get(k, 0) <= 1 else got >= want
            require(ok, "%s (%s): total %s but the stacks containing it weigh %s"
                    % (k[0], k[1], got, want))

    def functions_named(self, qualname, filename=None):
        return [fn for fn in self.functions if fn["qualname"] == qualname
                and (filename is None or fn["filename"] == filename)]

    def function(self, qualname, basename):
        """The one function entry qualname in a file called basename."""
        found = [fn for fn in self.functions_named(qualname)
                 if os.path.basename(fn["filename"]) == basename]
        names = sorted({fn["qualname"] for fn in self.functions})
        require(found, "no function %s in %s; functions: %s"
                % (qualname, basename, ", ".join(names[:40])))
        require(len(found) == 1, "%d entries for %s in %s" % (len(found), qualname, basename))
        return found[0]

    def stacks_with(self, qualname, filename):
        return [s for s in self.stacks if s.positions(qualname, filename)]


# ---- the workload source ---------------------------------------------------


class Source:
    """Where functions and calls are in a workload, from its syntax tree."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.tree = ast.parse(f.read(), path)
        self.defs = {}
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.defs[node.name] = node

    def firstlineno(self, func):
        node = self.defs[func]
        return node.decorator_list[0].lineno if node.decorator_list else node.lineno

    def lines(self, func):
        node = self.defs[func]
        return range(self.firstlineno(func), node.end_lineno + 1)

    def call_line(self, caller, callee):
        """The line of the only call of callee() inside caller()."""
        lines = {n.lineno for n in ast.walk(self.defs[caller])
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == callee}
        if len(lines) != 1:
            raise SystemExit("check.py: %s calls %s on lines %s, expected one line"
                             % (caller, callee, sorted(lines)))
        return lines.pop()


def check_function(report, src, name):
    """name is in the report with the source's file name and first line."""
    fn = report.function(name, os.path.basename(src.path))
    require(fn["firstlineno"] == src.firstlineno(name), "%s: firstlineno %s, def is on line %d"
            % (name, fn["firstlineno"], src.firstlineno(name)))
    return fn


def check_callers(report, src, callee, caller, via=None):
    """Every stack with callee has caller right above it, at the line where
    caller calls callee (or via(), a C function that calls callee).
    Returns those stacks (at least one)."""
    fname = report.function(callee, os.path.basename(src.path))["filename"]
    want_line = src.call_line(caller, via or callee)
    stacks = report.stacks_with(callee, fname)
    require(stacks, "no stack contains %s" % callee)
    for s in stacks:
        for i in s.positions(callee, fname):
            parent = s.frames[i - 1] if i else None
            require(parent is not None and parent.qualname == caller and parent.filename == fname,
                    "%s not called by %s in %r" % (callee, caller, s))
            require(parent.line == want_line, "%s at line %d, expected %d (call of %s) in %r"
                    % (caller, parent.line, want_line, callee, s))
            require(s.frames[i].line in src.lines(callee), "%s at line %d, outside its body %s"
                    % (callee, s.frames[i].line, src.lines(callee)))
    return stacks


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ---- subcommands -------------------------------------------------------------


def cmd_split(a):
    report, src = Report(a.report), Source(a.source)
    if a.sampler:
        want = {"tick": "timer-tick", "perf": "perf-event"}[a.sampler]
        require(report.meta.get("sampler") == want, "capture says samples came from %r, "
                "expected %r" % (report.meta.get("sampler"), want))
    check_function(report, src, "outer")
    heavy = check_function(report, src, "heavy")
    light = check_function(report, src, "light")
    for name in ("heavy", "light"):
        check_callers(report, src, name, "outer")
    both = heavy["self"] + light["self"]
    require(heavy["self"] > 0 and light["self"] > 0,
            "self heavy %s, light %s: both must be sampled" % (heavy["self"], light["self"]))
    count = sum(s.count for s in report.stacks if s.leaf and s.leaf.qualname in ("heavy", "light"))
    require(count >= a.min_samples, "only %d samples in heavy and light, expected >= %d"
            % (count, a.min_samples))
    share = 100.0 * heavy["self"] / both
    want, why = 75.0, "3x the work"
    if a.truth:
        t = load_json(a.truth)
        want = 100.0 * t["heavy_cpu_ns"] / (t["heavy_cpu_ns"] + t["light_cpu_ns"])
        why = "its CPU time as measured by the workload"
        if abs(want - 75.0) > a.busy:
            raise Skip("machine too busy: heavy took %.2f%% of heavy+light CPU time for 3x the work"
                       % want)
    require(abs(share - want) <= a.tolerance, "heavy has %.2f%% of heavy+light self, expected "
            "%.2f +- %g (%s)" % (share, want, a.tolerance, why))
    return "heavy %.2f%% of heavy+light self, %.2f%% of their CPU time (%d samples)" % (
        share, want, count)


def read_max_depth():
    with open(ABI_HEADER, encoding="utf-8") as f:
        m = re.search(r"^#define\s+PYCOST_MAX_DEPTH\s+(\d+)", f.read(), re.M)
    if not m:
        raise SystemExit("check.py: no PYCOST_MAX_DEPTH in %s" % ABI_HEADER)
    return int(m.group(1))


def cmd_deep(a):
    report, src = Report(a.report), Source(a.source)
    max_depth = a.max_depth or read_max_depth()
    check_function(report, src, "recurse")
    bottom = check_function(report, src, "spin_at_bottom")
    fname = bottom["filename"]
    rec_line = src.call_line("recurse", "recurse")
    bottom_line = src.call_line("recurse", "spin_at_bottom")
    main_line = src.call_line("main", "recurse")
    full = a.depth + 3 <= max_depth  # <module>, main, recurse x depth, spin_at_bottom
    stacks = [s for s in report.stacks if s.leaf and s.leaf.key() == ("spin_at_bottom", fname)]
    require(stacks, "no stack ends in spin_at_bottom")
    for s in stacks:
        fr = s.frames
        i = len(fr) - 1
        while i > 0 and fr[i - 1].key() == ("recurse", fname):
            i -= 1
        run = fr[i:-1]
        require(run, "spin_at_bottom not called by recurse in %r" % s)
        require(run[-1].line == bottom_line, "deepest recurse at line %d, expected %d"
                % (run[-1].line, bottom_line))
        bad = [f.line for f in run[:-1] if f.line != rec_line]
        require(not bad, "%d recurse frames not at the recursive call's line %d (lines %s)"
                % (len(bad), rec_line, sorted(set(bad))[:10]))
        if full:
            require(len(run) == a.depth, "%d recurse frames, expected %d" % (len(run), a.depth))
            require(i >= 1 and fr[i - 1].key() == ("main", fname) and fr[i - 1].line == main_line,
                    "below the recursion: %r, expected main at line %d" % (fr[:i], main_line))
        else:
            require(len(run) >= 128, "only %d recurse frames in a truncated stack" % len(run))
            require(len(fr) <= max_depth + 1, "%d frames, more than the maximum %d"
                    % (len(fr), max_depth))
            extra = [f for f in fr[:i] if not f.qualname.startswith("[")]
            require(not extra, "a stack cut at the root keeps %r below the recursion" % extra)
    if full:
        return "%d stacks with all %d recurse frames at the right lines" % (len(stacks), a.depth)
    truncated = report.meta.get("truncated")
    require(isinstance(truncated, int) and truncated > 0,
            "recursion %d deep > maximum %d but meta.truncated is %r"
            % (a.depth, max_depth, truncated))
    deepest = max(len(s.frames) for s in stacks)
    return "cut at %d frames, meta.truncated %d" % (deepest, truncated)


ROLES = ("spinner_a", "spinner_b", "sleeper")


def role_of(frames, filename):
    roles = [f.qualname for f in frames if f.filename == filename and f.qualname in ROLES]
    return roles[-1] if roles else None


def cmd_threads(a):
    report, truth = Report(a.report), load_json(a.truth)
    fname = truth["file"]
    seen = {r: set() for r in ROLES}
    for thread in truth["threads"].values():
        for st in thread["stacks"]:
            frames = [Frame(f) for f in st["frames"]]
            role = role_of(frames, fname)
            if role:
                seen[role].add(tuple((f.qualname, f.filename, f.line) for f in frames))
    require(seen["spinner_a"] and seen["spinner_b"], "truth file has no spinner stacks")
    counts = {r: 0 for r in ROLES}
    for s in report.stacks:
        role = role_of(s.frames, fname)
        if not role:
            continue
        got = tuple((f.qualname, f.filename, f.line) for f in s.frames)
        if got not in seen[role]:
            near = min(seen[role], key=lambda t: sum(x != y for x, y in zip(t, got)) + abs(len(t) - len(got)))
            diff = [(i, g, w) for i, (g, w) in enumerate(zip(got, near)) if g != w]
            where = ("frame %d is %s:%d, truth has %s:%d" % (diff[0][0], diff[0][1][0], diff[0][1][2],
                                                           diff[0][2][0], diff[0][2][2])
                     if diff else "%d frames, truth has %d" % (len(got), len(near)))
            raise Fail("%s stack never seen by sys._current_frames(): %s; stack %r"
                       % (role, where, s))
        counts[role] += s.count
    for r in ("spinner_a", "spinner_b"):
        require(counts[r] > 0, "no samples in %s" % r)
    return "samples matching truth: " + ", ".join("%s %d" % (r, counts[r]) for r in ROLES)


def cmd_names(a):
    report, truth = Report(a.report), load_json(a.truth)
    fname = truth["file"]
    require(any(ord(c) > 127 for c in fname), "test setup: %r is an ASCII path" % fname)
    out = []
    for want in truth["functions"]:
        found = report.functions_named(want["qualname"], fname)
        if not found:
            similar = [fn["qualname"] + " in " + fn["filename"] for fn in report.functions
                       if os.path.basename(fn["filename"]) == os.path.basename(fname)]
            raise Fail("no function %r in %r; functions of that file: %s"
                       % (want["qualname"], fname, similar))
        fn = found[0]
        require(fn["firstlineno"] == want["firstlineno"], "%s: firstlineno %s, expected %s"
                % (want["qualname"], fn["firstlineno"], want["firstlineno"]))
        require(fn["samples"] > 0, "%s has no samples" % want["qualname"])
        out.append(want["qualname"])
    for name in truth.get("absent", []):
        require(not report.functions_named(name, fname), "%s sampled under its old name" % name)
    if a.folded:
        with open(a.folded, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Fail("folded output is not UTF-8: %s" % e)
        for s in out + [fname]:
            require(s in text, "folded output lacks %r" % s)
    return "found %s in %s" % (", ".join(out), fname)


def cmd_gens(a):
    report, src = Report(a.report), Source(a.source)
    for name in ("consumer", "gen_worker", "coro_driver", "coro_worker"):
        check_function(report, src, name)
    g = check_callers(report, src, "gen_worker", "consumer")
    c = check_callers(report, src, "coro_worker", "coro_driver")
    return "gen_worker under consumer in %d stacks, coro_worker under coro_driver in %d" % (
        len(g), len(c))


def cmd_transitions(a):
    report, src = Report(a.report), Source(a.source)
    check_function(report, src, "do_sort")
    check_function(report, src, "keyfunc")
    stacks = check_callers(report, src, "keyfunc", "do_sort", via="sorted")
    return "keyfunc right under do_sort in all %d stacks (%d samples)" % (
        len(stacks), sum(s.count for s in stacks))


CHURN_NAME = re.compile(r"^churn_\d+$")


def cmd_churn(a):
    report, truth = Report(a.report), load_json(a.truth)
    names = truth["names"]
    for fn in report.functions:
        if not (CHURN_NAME.match(fn["qualname"]) or fn["filename"].startswith("<churn-")):
            continue
        if fn["qualname"] == "<module>":
            require(any(v["filename"] == fn["filename"] for v in names.values()),
                    "module code of %r, a file never compiled" % fn["filename"])
            continue
        t = names.get(fn["qualname"])
        require(t is not None, "%s never existed" % fn["qualname"])
        require((fn["filename"], fn["firstlineno"]) == (t["filename"], t["firstlineno"]),
                "%s at %s:%s, it was defined at %s:%s" % (fn["qualname"], fn["filename"],
                                                         fn["firstlineno"], t["filename"], t["firstlineno"]))
    sampled = set()
    for s in report.stacks:
        for i, f in enumerate(s.frames):
            if not CHURN_NAME.match(f.qualname):
                continue
            t = names.get(f.qualname)
            require(t is not None, "%s never existed" % f.qualname)
            require(t["firstlineno"] <= f.line <= t["last_line"], "%s at line %d, its body is lines %d-%d"
                    % (f.qualname, f.line, t["firstlineno"], t["last_line"]))
            parent = s.frames[i - 1] if i else None
            require(parent is not None and parent.qualname == "<module>"
                    and parent.filename == t["filename"] and parent.line == t["call_line"],
                    "%s not called from <module> at %s:%d: %r"
                    % (f.qualname, t["filename"], t["call_line"], s))
            sampled.add(f.qualname)
    require(len(sampled) >= a.min_names, "only %d churn_* functions sampled, expected >= %d"
            % (len(sampled), a.min_names))
    return "%d churn_* functions sampled, all named right (%d rounds ran)" % (
        len(sampled), truth["rounds"])


UNKNOWN = re.compile(r"unknown", re.I)


def cmd_quick(a):
    report, src = Report(a.report), Source(a.source)
    fn = check_function(report, src, "quick_work")
    require(fn["self"] > 0 and fn["samples"] > 0, "quick_work has no samples")
    bad = sorted({f["qualname"] for f in report.functions if UNKNOWN.search(f["qualname"])})
    require(not bad, "unnamed frames: %s" % ", ".join(bad))
    unknown = report.meta.get("unknown_code", 0)
    require(unknown == 0, "meta.unknown_code is %r" % unknown)
    return "quick_work: %d samples, no unknown frames" % fn["samples"]


# slack for the CPU pycost may spend between printing that it is attached
# and starting its clock, and for the two clocks' rounding
OWN_CPU_SLACK_NS = 2000000


def cmd_overhead(a):
    m = Report(a.report).meta
    with open(a.cpu) as f:
        cpu = json.load(f)
    own, bpf_ns, runs = m["self_cpu_ns"], m["bpf_ns"], m["bpf_runs"]
    # the capture's figure covers recording only, not loading the programs
    # before it nor writing the capture after it
    after = cpu["whole_ns"] - cpu["attached_ns"]
    require(0 < own <= after + OWN_CPU_SLACK_NS,
            "self_cpu_ns %d not within (0, %d], the CPU pycost used from attaching to exit"
            % (own, after))
    require(m["samples"] > 0, "no samples")
    require(cpu["first_ms"] is not None, "record -v did not say when its first sample came")
    first, seen = cpu["first_ms"]
    require(0 < first <= seen, "first sample %.1f ms after start, not within (0, %.1f], "
            "when its line was read" % (first, seen))
    if a.bpf_stats:
        require(runs >= m["samples"], "bpf_runs %d below the %d samples taken"
                % (runs, m["samples"]))
        require(bpf_ns > 0, "bpf_ns is 0 with %d runs counted" % runs)
        return "own CPU %.1f ms (%.1f after attaching), BPF %.1f ms in %d runs for %d " \
            "samples, first sample after %.0f ms" % (own / 1e6, after / 1e6, bpf_ns / 1e6,
                                                    runs, m["samples"], first)
    if runs:
        raise Skip("BPF run time was counted with kernel.bpf_stats_enabled at 0: another "
                   "process holds BPF_ENABLE_STATS")
    require(bpf_ns == 0, "BPF time %d ns with no run counted" % bpf_ns)
    return "own CPU %.1f ms (%.1f after attaching), BPF time not counted, first sample " \
        "after %.0f ms" % (own / 1e6, after / 1e6, first)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd")
    sub.required = True

    def add(name, func, *pos):
        sp = sub.add_parser(name)
        sp.add_argument("report")
        for arg in pos:
            sp.add_argument(arg)
        sp.set_defaults(func=func)
        return sp

    sp = add("split", cmd_split, "source")
    sp.add_argument("--truth", help="CPU times measured by split.py; default: 75%%")
    sp.add_argument("--tolerance", type=float, default=2.0, help="percentage points")
    sp.add_argument("--busy", type=float, default=5.0,
                    help="skip when the measured share is further than this from 75%%")
    sp.add_argument("--min-samples", type=int, default=200)
    sp.add_argument("--sampler", choices=("tick", "perf"),
                    help="what the capture must say took the samples")
    sp = add("deep", cmd_deep, "source")
    sp.add_argument("depth", type=int)
    sp.add_argument("--max-depth", type=int, default=0, help="default: bpf/pycost.h")
    add("threads", cmd_threads, "truth")
    sp = add("names", cmd_names, "truth")
    sp.add_argument("--folded")
    add("gens", cmd_gens, "source")
    add("transitions", cmd_transitions, "source")
    sp = add("churn", cmd_churn, "truth")
    sp.add_argument("--min-names", type=int, default=20)
    add("quick", cmd_quick, "source")
    sp = add("overhead", cmd_overhead, "cpu")
    sp.add_argument("--bpf-stats", type=int, choices=(0, 1), required=True,
                    help="whether kernel.bpf_stats_enabled was 1 during the capture")
    a = p.parse_args(argv)
    try:
        print(a.func(a))
    except Fail as e:
        print(e)
        return 1
    except Skip as e:
        print(e)
        return SKIP_STATUS
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
