# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Deep recursion: recurse() calls itself until DEPTH frames of it are on the
stack, then the deepest one calls spin_at_bottom(), which spins.

    python deep.py SECONDS [DEPTH]     (DEPTH defaults to 200)

Stack while spinning, root first: <module>, main, recurse x DEPTH,
spin_at_bottom.  Every recurse frame but the deepest is at the recursive
call's line; the deepest is at the spin_at_bottom call's line.
"""
import sys
import time


def spin_at_bottom(seconds):
    deadline = time.monotonic() + seconds
    acc = 0
    while time.monotonic() < deadline:
        for i in range(1000):
            acc = (acc * 31 + i) % 1000003
    return acc


def recurse(n, seconds):
    if n == 0:
        return spin_at_bottom(seconds)
    return recurse(n - 1, seconds)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    sys.setrecursionlimit(max(sys.getrecursionlimit(), depth + 100))
    recurse(depth - 1, seconds)
    print("deep: done")


if __name__ == "__main__":
    main()
