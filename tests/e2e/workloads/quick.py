# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""A short-lived process: spins in quick_work() for SECONDS (default 0.5)
and exits 0, to check that code objects get named before the process is
gone.

    python quick.py [SECONDS]
"""
import sys
import time


def quick_work(seconds):
    deadline = time.monotonic() + seconds
    acc = 0
    while time.monotonic() < deadline:
        for i in range(1000):
            acc = (acc * 31 + i) % 1000003
    return acc


if __name__ == "__main__":
    quick_work(float(sys.argv[1]) if len(sys.argv) > 1 else 0.5)
