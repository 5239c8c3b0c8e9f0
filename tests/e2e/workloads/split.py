# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""CPU split with a known answer: heavy() runs the same inner loop as
light() for 3x the iterations, both called from outer(), so heavy's share of
their self time is 75%.

    python split.py SECONDS [TRUTH.json]

Rounds vary in size (a fixed pseudo-random sequence) so that no rhythm of
the workload can beat with the sampling period, and only whole rounds run:
over the whole run heavy does exactly three times light's work.  A busy
machine can still make one slower than the other, so outer() also measures
the CPU time each takes; TRUTH.json gets the sums.  The output does not
depend on how many rounds ran, so a profiled run must print exactly what an
unprofiled one prints.
"""
import hashlib
import json
import sys
import time

BASE = 1200000  # light() iterations in an average round


def heavy(n):
    acc = 0
    for i in range(3 * n):
        acc = (acc * 31 + i) % 1000003
    return acc


def light(n):
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) % 1000003
    return acc


def outer(n, spent):
    t0 = time.thread_time_ns()
    h = heavy(n)
    t1 = time.thread_time_ns()
    l = light(n)
    spent[0] += t1 - t0
    spent[1] += time.thread_time_ns() - t1
    return h, l


def rounds():
    """Round sizes between BASE/2 and 3*BASE/2, the same sequence every run."""
    x = 12345
    while True:
        x = (x * 1103515245 + 12345) % 2147483648
        yield BASE // 2 + x % BASE


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    deadline = time.monotonic() + seconds
    spent = [0, 0]  # CPU ns in heavy, in light
    done = 0
    for n in rounds():
        outer(n, spent)
        done += 1
        if time.monotonic() >= deadline:
            break
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            json.dump({"rounds": done, "heavy_cpu_ns": spent[0], "light_cpu_ns": spent[1]}, f)
    # Deterministic whatever the number of rounds.
    h, l = outer(1000, [0, 0])
    digest = hashlib.sha256(("%d:%d" % (h, l)).encode()).hexdigest()
    print("split: heavy(1000)=%d light(1000)=%d" % (h, l))
    print("split: sha256=%s" % digest)
    print("split: rounds>0 %s, ✓" % (done > 0))


if __name__ == "__main__":
    main()
