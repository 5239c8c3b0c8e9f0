# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""C -> Python -> C transitions: do_sort() calls the builtin sorted(), which
calls the costly Python keyfunc() for every element.  Stacks must show
keyfunc directly under do_sort (sorted is C and has no frame).

    python transitions.py SECONDS
"""
import sys
import time


def keyfunc(x):
    acc = x
    for i in range(200):
        acc = (acc * 31 + i) % 65521
    return acc


def do_sort(data):
    return sorted(data, key=keyfunc)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    data = [(i * 7919) % 2003 for i in range(2000)]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        do_sort(data)
    print("transitions: done")


if __name__ == "__main__":
    main()
