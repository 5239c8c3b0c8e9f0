# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""make bench: overhead of pycost on its two kinds of target, A/B interleaved
(order alternating per pair), each printed as a table with the median loss,
its 90% confidence interval and a verdict against its budget: ok only when
the whole interval is within it (the exit status is 1 otherwise):

1. throughput of a CPU-bound Python workload with and without `pycost record`
   at 99 Hz and 999 Hz, with samples/s drained, drops, pycost's own CPU and
   peak RSS, and beside it the loss under bare sampling events at the same
   rate (no pycost): the kernel's own cost of sampling on this machine;
2. uWSGI requests/s (wrk) with and without `pycost record --uwsgi` (requests
   tracked), for a hello-world endpoint (a new connection per request, and
   keep-alive) and one running about 2 ms of Python,
   and beside it the loss with the same programs attached while pycost
   traces an idle process (the hooks' cost to everything else on the host,
   wrk included), pycost's direct cost per request, how busy the server's CPU
   was, and pycost's peak RSS;
3. how long pycost takes from its start to its first sample (the attach
   budget), on the CPU-bound workload and on uWSGI under wrk's load;
4. how many records per second pycost's reader drains from its ring
   buffer on one CPU (the drain budget), fed synthetic sample records by
   tests/bench/ringfill.c, and whether every record the ring took reached
   the capture;
5. what each BPF primitive a request tracker is made of costs on this
   machine (tests/bench/hookcost.c), and from it the least work per request
   any tracker of this kind would add, as a share of a plain request's
   server CPU: the floor under the web budgets here.

The measured side (the workload, or uWSGI) and pycost share one CPU
(BENCH_CPU, default the first allowed), so every cycle pycost spends counts
as loss; wrk runs on another.  On a VM each virtual CPU's speed can differ
by half and change over minutes: a process the scheduler moves between them
measures that, not pycost.  The pair spread (interquartile range of the
per-pair losses) shows how much noise is left, and the 90% confidence
interval of the median loss whether the runs resolve the budget at all.
"""
import ctypes
import json
import math
import os
import struct
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYCOST = os.environ.get("PYCOST", os.path.join(ROOT, "build", "pycost"))
PY = os.environ.get("BENCH_PYTHON", "/usr/bin/python3")
WORKLOAD = os.path.join(ROOT, "scripts", "cpu_workload.py")
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "7"))
BUDGET = {99: 0.5, 999: 2.0}
WEB_BUDGET = {"/hello": 2.0, "/work": 0.5}
ATTACH_BUDGET_MS = 200
ATTACH_RUNS = int(os.environ.get("BENCH_ATTACH_RUNS", "7"))
WEB_PORT = int(os.environ.get("BENCH_PORT", "18090"))
# web runs are noisier (three processes, two CPUs): more, shorter pairs
WEB_PAIRS = int(os.environ.get("BENCH_WEB_PAIRS", "11"))
WEB_SECONDS = float(os.environ.get("BENCH_WEB_SECONDS", "3"))
HOOKCOST = os.path.join(ROOT, "build", "tests", "hookcost")
RINGFILL = os.path.join(ROOT, "build", "tests", "ringfill")
DRAIN_BUDGET = 500000
DRAIN_SECONDS = 3
ALLOWED = sorted(os.sched_getaffinity(0))
CPU = int(os.environ.get("BENCH_CPU", ALLOWED[0]))
OTHER = [c for c in ALLOWED if c != CPU] or [CPU]


def pinned(cpus):
    """preexec_fn running the child on cpus only."""
    return lambda: os.sched_setaffinity(0, cpus)


def spread(losses):
    """Interquartile range of per-pair losses, in percentage points."""
    q = statistics.quantiles(losses, n=4)
    return q[2] - q[0]


def median_ci(losses, level=0.9):
    """Distribution-free confidence interval of the median loss: the k-th
    smallest and k-th largest pair losses, k the largest with
    P(k <= Binomial(n, 1/2) <= n - k) >= level; and whether it reaches
    that level at all (below 5 pairs even the whole range does not)."""
    v, n = sorted(losses), len(losses)
    k = 1
    while k < n // 2 and 1 - 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n >= level:
        k += 1
    return v[k - 1], v[n - k], 1 - 2 / 2 ** n >= level


def verdict(ci, budget):
    """ok when the whole interval of the median loss is within the budget,
    OVER when all of it is beyond, unresolved when it straddles the budget:
    then the runs cannot tell, whatever the median says."""
    if not ci[2]:
        return "unresolved (too few pairs)"
    if ci[1] <= budget:
        return "ok"
    return "OVER" if ci[0] > budget else "unresolved"


def run_plain():
    p = subprocess.run([PY, WORKLOAD, str(SECONDS)], capture_output=True, text=True,
                       check=True, preexec_fn=pinned({CPU}))
    return int(p.stdout)


def run_floor(hz):
    """The workload under bare perf sampling at hz on every CPU: cpu-clock
    events with no program and no buffer, so only the kernel's own sampling
    interrupts cost anything.  What any perf-event sampler pays at this rate
    on this machine, before its own work."""
    libc = ctypes.CDLL(None, use_errno=True)
    # struct perf_event_attr: type, size, config, sample_freq, sample_type,
    # read_format, flags (bit 10: freq); the rest zero
    attr = struct.pack("IIQQQQQ", 1, 128, 0, hz, 0, 0, 1 << 10).ljust(128, b"\0")
    buf = ctypes.create_string_buffer(attr, len(attr))
    fds = []
    try:
        for cpu in range(os.cpu_count()):
            fd = libc.syscall(298, buf, -1, cpu, -1, 0)  # perf_event_open, x86-64
            if fd < 0:
                raise SystemExit("bench: perf_event_open: %s" % os.strerror(ctypes.get_errno()))
            fds.append(fd)
        return run_plain()
    finally:
        for fd in fds:
            os.close(fd)


def run_profiled(hz, tmp):
    """Starts the workload held at its start line, attaches pycost, then lets
    it run, so the measured window is entirely under sampling."""
    app = subprocess.Popen([PY, WORKLOAD, str(SECONDS), "--wait"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True, preexec_fn=pinned({CPU}))
    cap = os.path.join(tmp, "bench.pycost")
    rec = subprocess.Popen([PYCOST, "-v", "record", "-p", str(app.pid), "-F", str(hz),
                            "-o", cap], stderr=subprocess.PIPE, text=True,
                           preexec_fn=pinned({CPU}))
    # "-v" prints the traced interpreter once the programs are attached
    for line in rec.stderr:
        if "Python" in line:
            break
    else:
        raise SystemExit("bench: pycost record did not attach")
    app.stdin.write("go\n")
    app.stdin.flush()
    n = int(app.stdout.read())
    app.wait()
    _, status, ru = os.wait4(rec.pid, 0)
    rec.returncode = os.waitstatus_to_exitcode(status)
    rec.stderr.read()
    if rec.returncode:
        raise SystemExit("bench: pycost record failed (%d)" % rec.returncode)
    meta = json.loads(subprocess.run([PYCOST, "report", cap, "--format", "json"],
                                     capture_output=True, text=True, check=True).stdout)["meta"]
    return n, meta, ru


def cpu_busy(cpu):
    """Jiffies CPU cpu spent busy (not idle nor waiting for I/O) so far."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu%d " % cpu):
                v = [int(x) for x in line.split()[1:]]
                return sum(v) - v[3] - v[4]
    raise SystemExit("bench: no cpu%d in /proc/stat" % cpu)


def wrk(path, busy=None, seconds=WEB_SECONDS):
    """Requests/s of one wrk run; appends CPU's busy share over it to busy."""
    b0, t0 = cpu_busy(CPU), time.monotonic()
    out = subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % seconds,
                          "http://127.0.0.1:%d%s" % (WEB_PORT, path)],
                         capture_output=True, text=True, check=True,
                         preexec_fn=pinned(set(OTHER))).stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if not m:
        raise SystemExit("bench: cannot read wrk output:\n" + out)
    if busy is not None:
        hz = os.sysconf("SC_CLK_TCK")
        busy.append((cpu_busy(CPU) - b0) / hz / (time.monotonic() - t0) * 100)
    return float(m.group(1))


def web_profiled(target, path, tmp, busy, seconds=WEB_SECONDS):
    """wrk against uWSGI while pycost records target (["--uwsgi", PID] or, for
    the hooks-only floor, ["-p", PID] of an idle Python process)."""
    cap = os.path.join(tmp, "web.pycost")
    rec = subprocess.Popen([PYCOST, "-v", "record"] + target + ["-o", cap,
                            "--requests", "on"], stderr=subprocess.PIPE, text=True,
                           preexec_fn=pinned({CPU}))
    for line in rec.stderr:
        if "requests on" in line:
            break
    else:
        raise SystemExit("bench: pycost record did not attach to %s" % " ".join(target))
    rps = wrk(path, busy, seconds)
    rec.send_signal(2)
    _, status, ru = os.wait4(rec.pid, 0)
    rec.stderr.read()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit("bench: pycost record %s failed" % " ".join(target))
    meta = json.loads(subprocess.run([PYCOST, "report", cap, "--by", "endpoint", "--format",
                                      "json"], capture_output=True, text=True,
                                     check=True).stdout)
    reqs = sum(e["requests"] for e in meta["endpoints"])
    return rps, reqs, meta["meta"], ru.ru_maxrss / 1024


def bpf_stats(on):
    """Turns the kernel's counting of BPF program run time on or off;
    returns the previous setting."""
    with open("/proc/sys/kernel/bpf_stats_enabled", "r+") as f:
        old = f.read().strip()
        f.seek(0)
        f.write("1" if on else "0")
    return old == "1"


def attach_ms(target, tmp):
    """Milliseconds from pycost's start to its first sample, ATTACH_RUNS
    times: `record -v` says when its first sample came.  pycost is not
    pinned: it starts as a user would start it, beside a busy target."""
    got = []
    for _ in range(ATTACH_RUNS):
        out = subprocess.run([PYCOST, "-v", "record"] + target +
                             ["-d", "0.3", "-o", os.path.join(tmp, "attach.pycost")],
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit("bench: pycost record %s failed:\n%s" % (" ".join(target),
                                                                     out.stderr))
        m = re.search(r"first sample ([0-9.]+) ms after start", out.stderr)
        # none within the capture: later than any budget
        got.append(float(m.group(1)) if m else math.inf)
    return got


def server_us_per_request(busy, plain):
    """Microseconds of the server's CPU a plain request takes."""
    return statistics.median(b / 100 / p * 1e6 for b, p in zip(busy, plain) if p)


def web_accounting(uw, path, tmp, busy_a, plain):
    """An estimate of pycost's direct cost per request, from runs with the
    kernel counting BPF run time (two clock reads per program run, so never
    in the A/B runs): its reader's CPU and its programs' time per request
    seen (the mean of two estimates), and their share of the server CPU a
    plain request takes.  Each estimate is the difference between a long and
    a short capture, so that what pycost spends once (finding the
    interpreters, their symbols) drops out.  Not in it: the tracepoints' own
    dispatch and cache effects; in it though not on the server's CPU: the
    programs' runs for wrk.  None when it cannot be had."""
    reader, bpf = [], []
    try:
        old = bpf_stats(True)
    except OSError:
        return None
    try:
        for _ in range(2):
            (_, r0, m0, _), (_, r1, m1, _) = [
                web_profiled(["--uwsgi", str(uw.pid)], path, tmp, None, s)
                for s in (1, 1 + 2 * WEB_SECONDS)]
            if r1 <= r0:
                return None
            reader.append((m1["self_cpu_ns"] - m0["self_cpu_ns"]) / (r1 - r0) / 1e3)
            bpf.append((m1["bpf_ns"] - m0["bpf_ns"]) / (r1 - r0) / 1e3)
    finally:
        bpf_stats(old)
    server_us = server_us_per_request(busy_a, plain)
    reader, bpf = statistics.fmean(reader), statistics.fmean(bpf)
    return reader, bpf, (reader + bpf) / server_us * 100


def serve(keepalive):
    """uWSGI serving bench_app.py on WEB_PORT, once it answers."""
    app = os.path.join(ROOT, "scripts", "bench_app.py")
    uw = subprocess.Popen(["uwsgi", "--plugin", "python3",
                           "--http11-socket" if keepalive else "--http-socket",
                           "127.0.0.1:%d" % WEB_PORT, "--wsgi-file", app, "--master",
                           "--processes", "2", "--disable-logging", "--die-on-term"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          preexec_fn=pinned({CPU}))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", WEB_PORT), 0.2).close()
            return uw
        except OSError:
            time.sleep(0.1)
    uw.terminate()
    uw.wait()
    raise SystemExit("bench: uWSGI did not answer on port %d" % WEB_PORT)


# a new connection per request (wrk's CPU the bottleneck), then keep-alive
# (the server's CPU the bottleneck: pycost's cost per request shows in full)
WEB_CASES = (("/hello", False), ("/hello", True), ("/work", False))


def bench_web(tmp, attach):
    # the floor: the same programs attached, tracing an idle process, so that
    # only their cost to every other process (wrk's socket calls and context
    # switches included) and pycost's own presence are paid
    idle = subprocess.Popen([PY, "-c", "import time; time.sleep(1e6)"])
    rows = []
    try:
        for path, keepalive in WEB_CASES:
            name = path + (" keep-alive" if keepalive else "")
            uw = serve(keepalive)
            try:
                wrk(path)  # warm-up
                plain, prof, floor, counted, drops, rss = [], [], [], [], 0, []
                busy_a, busy_b = [], []
                for i in range(WEB_PAIRS):
                    order = ("A", "B", "F") if i % 2 == 0 else ("F", "B", "A")
                    for which in order:
                        if which == "A":
                            plain.append(wrk(path, busy_a))
                        elif which == "F":
                            floor.append(web_profiled(["-p", str(idle.pid)], path, tmp,
                                                      None)[0])
                        else:
                            rps, reqs, meta, r = web_profiled(["--uwsgi", str(uw.pid)], path,
                                                              tmp, busy_b)
                            prof.append(rps)
                            counted.append(reqs)
                            drops += meta["drops"]
                            rss.append(r)
                    print("bench: uWSGI %s pair %d/%d: plain %.0f req/s, profiled %.0f req/s, "
                          "hooks only %.0f req/s" % (name, i + 1, WEB_PAIRS, plain[-1],
                                                     prof[-1], floor[-1]), file=sys.stderr)
                ratios = [b / a for a, b in zip(plain, prof)]
                losses = [(1 - r) * 100 for r in ratios]
                floor_loss = (1 - statistics.median([f / a for a, f in zip(plain, floor)])) * 100
                if keepalive:
                    # the server's CPU saturated, as a busy service's would be
                    load = subprocess.Popen(["wrk", "-t1", "-c4", "-d600s",
                                             "http://127.0.0.1:%d%s" % (WEB_PORT, path)],
                                            stdout=subprocess.DEVNULL,
                                            preexec_fn=pinned(set(OTHER)))
                    try:
                        attach.append(("uWSGI under wrk's load (--uwsgi)",
                                       attach_ms(["--uwsgi", str(uw.pid)], tmp)))
                    finally:
                        load.terminate()
                        load.wait()
                rows.append((name, statistics.median(plain), statistics.median(prof),
                             (1 - statistics.median(ratios)) * 100, WEB_BUDGET[path],
                             median_ci(losses), spread(losses),
                             statistics.median(counted), drops, statistics.median(busy_a),
                             statistics.median(busy_b), max(rss), floor_loss,
                             web_accounting(uw, path, tmp, busy_a, plain),
                             server_us_per_request(busy_a, plain)))
            finally:
                uw.terminate()
                uw.wait()
        return rows
    finally:
        idle.kill()
        idle.wait()


def ringfill(rec, target, *args):
    """One ringfill run into rec's ring: its output line as a dict."""
    out = subprocess.run([RINGFILL, "--pycost", str(rec), "--target", str(target)] +
                         list(args), capture_output=True, text=True,
                         preexec_fn=pinned(set(OTHER)))
    if out.returncode:
        raise SystemExit("bench: ringfill failed: " + out.stderr.strip())
    f = out.stdout.split()
    return {k: float(v) for k, v in zip(f[::2], f[1::2])}


def bench_drain(tmp):
    """pycost recording an idle process on CPU, its ring fed from the other
    CPU: at the budget's rate after a warm-up at that rate (the reader meets
    every stack, the VM's CPU wakes up), then as fast as the ring takes
    records.  Returns both runs and the samples the capture holds."""
    idle = subprocess.Popen([PY, "-c", "import time; time.sleep(1e6)"],
                            preexec_fn=pinned({CPU}))
    cap = os.path.join(tmp, "drain.pycost")
    rec = subprocess.Popen([PYCOST, "-v", "record", "-p", str(idle.pid), "-o", cap],
                           stderr=subprocess.PIPE, text=True, preexec_fn=pinned({CPU}))
    try:
        for line in rec.stderr:
            if "requests " in line:
                break
        else:
            raise SystemExit("bench: pycost record did not attach to an idle process")
        paced = ringfill(rec.pid, idle.pid, "--name-codes", "--warm-up", "1", "--rate",
                         str(DRAIN_BUDGET), "--seconds", str(DRAIN_SECONDS))
        flat = ringfill(rec.pid, idle.pid, "--seconds", str(DRAIN_SECONDS))
    finally:
        rec.send_signal(signal.SIGINT)
        rec.stderr.read()
        rec.wait()
        idle.kill()
        idle.wait()
    if rec.returncode:
        raise SystemExit("bench: pycost record failed (%d)" % rec.returncode)
    meta = json.loads(subprocess.run([PYCOST, "report", cap, "--format", "json"],
                                     capture_output=True, text=True, check=True).stdout)["meta"]
    return paced, flat, meta


# hookcost's figures, and what the table calls them
PRIMITIVES = (("hook_filtered", "program attached, the caller filtered out (every other process)"),
              ("hook_traced", "program run for a traced caller, doing nothing"),
              ("ktime", "+ bpf_ktime_get_ns"),
              ("hash_lookup", "+ LRU hash lookup (a thread's state)"),
              ("read_user", "+ bpf_probe_read_user, 64 B (a request's head)"),
              ("ringbuf_output", "+ a 256 B ring record as pycost sends it: fill query, output "
               "(a request's record)"))


def primitives():
    """hookcost's figures on the bench CPU: {name: (median, q1, q3)} in ns."""
    out = subprocess.run([HOOKCOST, "--cpu", str(CPU)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit("bench: hookcost failed: " + out.stderr.strip())
    got = {f[0]: tuple(map(float, f[1:])) for f in map(str.split, out.stdout.splitlines())}
    if any(name not in got for name, _ in PRIMITIVES):
        raise SystemExit("bench: cannot read hookcost output:\n" + out.stdout)
    return got


def tracker_floor(p):
    """The least work per request of a tracker built of these primitives:
    its program run at the request's read and at its response's write, a
    clock read at each (start and end), the head read (the endpoint), one
    record out; no thread state, no context-switch hook, no reader."""
    return (2 * p["hook_traced"][0] + 2 * p["ktime"][0] + p["read_user"][0] +
            p["ringbuf_output"][0])


def main():
    if os.geteuid() != 0:
        raise SystemExit("bench: needs root (BPF)")
    # a terminated bench still stops its servers and puts the kernel's BPF
    # run-time counting back as it found it (the finally clauses)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for hz in (99, 999):
            plain, prof, floor, cpu, rss, rate, drops = [], [], [], [], [], [], 0
            for i in range(PAIRS):
                order = ("A", "B", "F") if i % 2 == 0 else ("F", "B", "A")
                for which in order:
                    if which == "A":
                        plain.append(run_plain())
                    elif which == "F":
                        floor.append(run_floor(hz))
                    else:
                        n, meta, ru = run_profiled(hz, tmp)
                        prof.append(n)
                        dur = meta["duration_ns"] / 1e9
                        cpu.append((ru.ru_utime + ru.ru_stime) / dur * 100)
                        rss.append(ru.ru_maxrss / 1024)
                        rate.append(meta["samples"] / dur)
                        drops += meta["drops"]
                print("bench: %d Hz pair %d/%d: plain %d, profiled %d, bare sampling %d" %
                      (hz, i + 1, PAIRS, plain[-1], prof[-1], floor[-1]), file=sys.stderr)
            ratios = [b / a for a, b in zip(plain, prof)]
            loss = (1 - statistics.median(ratios)) * 100
            floor_loss = (1 - statistics.median([f / a for a, f in zip(plain, floor)])) * 100
            losses = [(1 - r) * 100 for r in ratios]
            rows.append((hz, statistics.median(plain), statistics.median(prof), loss,
                         BUDGET[hz], median_ci(losses), spread(losses), floor_loss,
                         statistics.median(rate), drops, statistics.median(cpu), max(rss)))
        attach = []
        busy = subprocess.Popen([PY, WORKLOAD, "600"], stdout=subprocess.DEVNULL,
                                preexec_fn=pinned({CPU}))
        try:
            attach.append(("CPU-bound Python (-p)", attach_ms(["-p", str(busy.pid)], tmp)))
        finally:
            busy.kill()
            busy.wait()
        web = bench_web(tmp, attach)
        drain = bench_drain(tmp)
    prims = primitives()
    print()
    print("CPU-bound Python (%s), %d A/B pairs of %.0f s, median of pair ratios; "
          "workload and pycost on CPU %d" % (PY, PAIRS, SECONDS, CPU))
    print("| rate | plain it/s | profiled it/s | loss | budget | 90% CI of loss | pair spread |"
          " bare sampling loss | samples/s | drops | pycost CPU | pycost peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    fail = False
    for hz, a, b, loss, budget, ci, iqr, floor, rate, drops, cpu, rss in rows:
        v = verdict(ci, budget)
        fail |= v != "ok"
        print("| %d Hz | %.0f | %.0f | %.2f%% | <=%.1f%% %s | %.2f..%.2f%% | %.2f | %.2f%% | %.0f |"
              " %d | %.2f%% | %.1f MiB |" % (hz, a / SECONDS, b / SECONDS, loss, budget, v,
                                            ci[0], ci[1], iqr, floor, rate, drops, cpu, rss))
    print("(90% CI: distribution-free confidence interval of the median loss, from the "
          "order statistics of the pair losses; the budget is met (ok) only when all of it "
          "is within, and unresolved when it straddles the budget; ")
    print(" pair spread: interquartile range of the per-pair losses, in points; bare "
          "sampling: the same workload under perf cpu-clock sampling events at the same rate "
          "with no program attached, the kernel's own cost of perf sampling here; pycost "
          "samples CPU time at the timer tick up to CONFIG_HZ, with perf events above)")
    print()
    print("uWSGI, 2 workers (--http-socket; keep-alive: --http11-socket), wrk -t1 -c4 for "
          "%.0f s, %d A/B pairs, requests tracked; uWSGI and pycost on CPU %d, wrk on CPU %s" %
          (WEB_SECONDS, WEB_PAIRS, CPU, ",".join(map(str, OTHER))))
    print("| endpoint | plain req/s | profiled req/s | loss | budget | 90%% CI of loss |"
          " pair spread | hooks-only loss | direct cost per request: reader + BPF |"
          " requests seen | drops | CPU %d busy plain / profiled | pycost peak RSS |" % CPU)
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path, a, b, loss, budget, ci, iqr, counted, drops, ba, bb, rss, floor, acc, _ in web:
        v = verdict(ci, budget)
        fail |= v != "ok"
        direct = "%.2f + %.2f us = %.2f%%" % acc if acc else "n/a"
        print("| %s | %.0f | %.0f | %.2f%% | <=%.1f%% %s | %.2f..%.2f%% | %.2f | %.2f%% |"
              " %s | %d | %d | %.0f%% / %.0f%% | %.1f MiB |" %
              (path, a, b, loss, budget, v, ci[0], ci[1], iqr, floor, direct, counted, drops,
               ba, bb, rss))
    print("(hooks-only: the same programs attached while pycost traces an idle Python "
          "process instead of uWSGI, so only the hooks' cost to every process on the host "
          "and pycost's own presence count; ")
    print(" direct cost: pycost's reader CPU and its BPF programs' run time (all "
          "processes' hits, counted by the kernel in extra runs; a long capture less a "
          "short one) per request seen, and as a share of the server CPU a plain request "
          "takes; an estimate, without the tracepoints' dispatch and cache effects; ")
    print(" CPU %d busy: the share of the uWSGI and pycost CPU spent busy during the runs; "
          "below 100%% the run was bound by wrk's CPU, and part of pycost's cost went into "
          "idle time instead of into lost requests)" % CPU)
    print()
    print("Attach: from pycost's start to its first sample (as `record -v` reports it), "
          "%d runs each; pycost not pinned, the target's CPU busy" % ATTACH_RUNS)
    print("| target | median | 90% CI | budget |")
    print("|---|---|---|---|")
    for what, ms in attach:
        ci = median_ci(ms)
        v = verdict(ci, ATTACH_BUDGET_MS)
        fail |= v != "ok"
        print("| %s | %.0f ms | %.0f..%.0f ms | <=%d ms %s |" %
              (what, statistics.median(ms), ci[0], ci[1], ATTACH_BUDGET_MS, v))
    paced, flat, meta = drain
    taken = paced["total_sent"] + flat["total_sent"]
    kept = meta["samples"] == taken and not meta["drops"]
    offered = (paced["sent"] + paced["refused"]) / paced["seconds"]
    if not kept or paced["refused"]:
        v = "OVER"
    elif offered < DRAIN_BUDGET * 0.99:
        v = "unresolved (the filler offered only %.0f/s)" % offered
    else:
        v = "ok"
    fail |= v != "ok"
    print()
    print("Ring buffer drain: pycost record on CPU %d (tracing an idle process), its ring fed "
          "sample records by tests/bench/ringfill from CPU %s (24 frames each, 2048 distinct "
          "stacks, every code object named first)" % (CPU, ",".join(map(str, OTHER))))
    print("| offered | seconds | taken by the ring | refused (lost) | records/s drained | "
          "budget |")
    print("|---|---|---|---|---|---|")
    print("| %d/s, after 1 s at that rate (%d refused then) | %.1f | %d | %d | %.0f |"
          " >=%d/s, no loss %s |" % (DRAIN_BUDGET, paced["warm_refused"], paced["seconds"],
                                     paced["sent"], paced["refused"],
                                     paced["drained"] / paced["seconds"], DRAIN_BUDGET, v))
    print("| as fast as the ring takes them | %.1f | %d | %d | %.0f | |" %
          (flat["seconds"], flat["sent"], flat["refused"], flat["drained"] / flat["seconds"]))
    print("(records/s drained: the records the reader consumed during the stretch, those "
          "still in the ring at its end not counted)")
    print("Every record the ring took reached the capture: %s (%d samples in it, %d taken, "
          "%d drops counted)" % ("yes" if kept else "NO", meta["samples"], taken,
                                 meta["drops"]))
    print()
    print("BPF primitives on CPU %d (tests/bench/hookcost: a program on the tracepoint of "
          "every socket write; wall time per call, median (quartiles) over interleaved "
          "rounds, no kernel run-time counting)" % CPU)
    print("| primitive | ns per call |")
    print("|---|---|")
    for name, what in PRIMITIVES:
        print("| %s | %.0f (%.0f..%.0f) |" % ((what,) + prims[name]))
    least = tracker_floor(prims)
    print("Least work per request of a tracker made of them (run at the request's read and "
          "its response's write, a clock read at each, the head read, one record; no thread "
          "state, no context-switch hook, no reader): %.0f ns, as a share of a plain "
          "request's server CPU: %s" %
          (least, ", ".join("%s %.2f%% (budget %.1f%%)" % (row[0], least / 1e3 / row[-1] * 100,
                                                          row[4]) for row in web)))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
