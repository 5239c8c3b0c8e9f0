# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Code-object churn: compiles and execs fresh source in a loop.  Round i
defines and calls churn_K (K = i % 50) from code compiled anew, so code
objects are freed all the time and their addresses reused by new ones with
other names.  Each K has its own body constants, file name "<churn-K>" and
first line K + 1 (K blank lines before the def), so a frame named with a
stale or wrong code object is caught by its lines or file name.

    python churn.py SECONDS TRUTH.json

TRUTH.json maps each churn_K that ran to its filename, firstlineno, last
line and the line of the module-level call.
"""
import json
import sys
import time

NAMES = 50
TEMPLATE = """\
{pad}def {name}(n):
    acc = {k}
    for i in range(n):
        acc = (acc * {mul} + i) % {mod}
    return acc
result = {name}({iters})
"""


def source(k):
    return TEMPLATE.format(pad="\n" * k, name="churn_%d" % k, k=k, mul=31 + 2 * k,
                           mod=1000003 + k, iters=30000 + 100 * k)


def truth_of(k):
    first = k + 1
    body = TEMPLATE.count("\n") - 2  # lines of the def and its body, minus the def
    return {"filename": "<churn-%d>" % k, "firstlineno": first,
            "last_line": first + body, "call_line": first + body + 1}


def run(seconds):
    deadline = time.monotonic() + seconds
    seen = set()
    i = 0
    while time.monotonic() < deadline or i < NAMES:
        k = i % NAMES
        code = compile(source(k), "<churn-%d>" % k, "exec")
        namespace = {}
        exec(code, namespace)
        del code, namespace
        seen.add(k)
        i += 1
    return seen, i


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    truth_path = sys.argv[2] if len(sys.argv) > 2 else "churn-truth.json"
    seen, rounds = run(seconds)
    with open(truth_path, "w", encoding="utf-8") as f:
        json.dump({"file": run.__code__.co_filename, "rounds": rounds,
                   "names": {"churn_%d" % k: truth_of(k) for k in sorted(seen)}}, f, indent=1)
    print("churn: done")


if __name__ == "__main__":
    main()
