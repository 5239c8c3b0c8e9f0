# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Makes a zombie: forks a child that exits at once and is never waited for,
prints the child's pid, then sleeps SECONDS (default 60).

    python zombie.py [SECONDS]
"""
import os
import sys
import time

if __name__ == "__main__":
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    print(pid, flush=True)
    time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
