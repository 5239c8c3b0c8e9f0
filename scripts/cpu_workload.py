# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""A CPU-bound Python workload with a known cost split, for the demo and the
benchmark.  `parse` does about 3x the work of `render`, both under
`handle_request`.

    cpu_workload.py SECONDS          run for SECONDS, print iterations done
    cpu_workload.py SECONDS --wait   read one line from stdin first (benchmark
                                     start signal), then run
"""
import sys
import time


def parse(n):
    total = 0
    for i in range(n * 3):
        total += i * i % 7
    return total


def render(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def handle_request():
    return parse(2000) + render(2000)


def main():
    seconds = float(sys.argv[1])
    if "--wait" in sys.argv:
        sys.stdin.readline()
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        handle_request()
        n += 1
    print(n, flush=True)


if __name__ == "__main__":
    main()
