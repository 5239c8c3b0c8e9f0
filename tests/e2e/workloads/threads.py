# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Several threads with known stacks, and their ground truth.

    python threads.py SECONDS TRUTH.json

Threads: spinner_a and spinner_b spin (each in a one-line loop, so a frame
of them has a single possible line), two run sleeper() (blocked in
time.sleep), the main thread joins them.  A monitor thread snapshots every
other thread's stack with sys._current_frames() every 20 ms and, at the end,
writes to TRUTH.json, for each thread, every distinct stack it saw (root
first) with how often.  "ready" is printed once the threads are in their
loops and the first snapshot is taken, so a profiler attached after it sees
only stacks that the snapshots saw.
"""
import json
import sys
import threading
import time

STOP = False


def spinner_a():
    n = 0
    while not STOP: n = (n * 7 + 1) % 65521


def spinner_b():
    n = 0
    while not STOP: n = (n * 11 + 3) % 65521


def sleeper():
    while not STOP: time.sleep(0.05)


def _stack(frame):
    frames = []
    while frame is not None:
        code = frame.f_code
        frames.append({
            "name": code.co_name,
            "qualname": getattr(code, "co_qualname", code.co_name),
            "filename": code.co_filename,
            "firstlineno": code.co_firstlineno,
            "line": frame.f_lineno,
        })
        frame = frame.f_back
    frames.reverse()
    return frames


def _snapshot(seen, me):
    names = {t.ident: (t.name, getattr(t, "native_id", None)) for t in threading.enumerate()}
    for tid, frame in sys._current_frames().items():
        if tid == me:
            continue
        name, native_id = names.get(tid, ("tid-%d" % tid, None))
        entry = seen.setdefault(name, {"native_id": native_id, "stacks": {}})
        key = json.dumps(_stack(frame))
        entry["stacks"][key] = entry["stacks"].get(key, 0) + 1


def _monitor(truth_path, ready):
    me = threading.get_ident()
    seen = {}
    count = 0
    while not STOP:
        _snapshot(seen, me)
        count += 1
        if count == 1:
            ready.set()
        time.sleep(0.02)
    threads = {}
    for name, entry in seen.items():
        stacks = [{"frames": json.loads(k), "count": c} for k, c in sorted(entry["stacks"].items())]
        threads[name] = {"native_id": entry["native_id"], "stacks": stacks}
    with open(truth_path, "w", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "file": spinner_a.__code__.co_filename,
                   "snapshots": count, "threads": threads}, f, indent=1)


def main():
    global STOP
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    truth_path = sys.argv[2] if len(sys.argv) > 2 else "threads-truth.json"
    workers = [threading.Thread(target=spinner_a, name="spinner_a"),
               threading.Thread(target=spinner_b, name="spinner_b"),
               threading.Thread(target=sleeper, name="sleeper-1"),
               threading.Thread(target=sleeper, name="sleeper-2")]
    for t in workers:
        t.start()
    time.sleep(0.2)  # let every worker reach its loop
    ready = threading.Event()
    monitor = threading.Thread(target=_monitor, args=(truth_path, ready), name="monitor")
    monitor.start()
    ready.wait()
    print("ready", flush=True)
    time.sleep(seconds)
    STOP = True
    for t in workers:
        t.join()
    monitor.join()
    print("threads: done")


if __name__ == "__main__":
    main()
