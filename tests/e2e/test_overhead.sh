#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# The capture's own-cost figures: pycost's CPU time over the capture is
# above zero and within what the kernel charged pycost from the moment it
# said it was attached to its exit (loading the programs, most of pycost's
# CPU in a short capture, is not the capture's); its BPF programs' time and
# runs are counted (at least one run per sample) while
# kernel.bpf_stats_enabled is 1, and are 0 while it is 0.  The time to the
# first sample that `-v` reports is above zero and no later than the
# moment its line is read.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin overhead --no-python

STATS=/proc/sys/kernel/bpf_stats_enabled
if ! OLD_STATS=$(cat "$STATS" 2>/dev/null) || ! [ -w "$STATS" ]; then
	skip overhead "$STATS cannot be set here"
	pc_end
fi
trap 'echo "$OLD_STATS" >"$STATS"; pc_cleanup' EXIT

# one LABEL PYTHON STATS: records a spinning process for 2 s with the
# kernel's BPF run-time counting set to STATS.
one() {
	local label=$1 py=$2 pid st=0
	local cap=$PC_TMP/overhead.pycost json=$PC_TMP/overhead.json cpu=$PC_TMP/overhead.cpu
	pc_bg "$PC_TMP/overhead.out" "$py" "$PC_WORKLOADS/quick.py" 8
	pid=$PC_LAST_PID
	sleep 1
	if ! echo "$3" >"$STATS"; then
		fail "$label" "cannot set $STATS to $3"
		pc_stop "$pid"
		return
	fi
	# pycost's CPU time from the outside: when it says it is attached
	# (schedstat: its one thread's time on CPU), and in all (wait4)
	pc_run "$PC_TMP/overhead.err" /usr/bin/python3 -c '
import json, os, re, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stderr=subprocess.PIPE, text=True)
attached = first = None
for line in p.stderr:
    sys.stderr.write(line)
    if attached is None and line.startswith("pycost: requests "):
        with open("/proc/%d/schedstat" % p.pid) as f:
            attached = int(f.read().split()[0])
    m = re.match(r"pycost: first sample ([0-9.]+) ms after start", line)
    if m and first is None:
        first = (float(m.group(1)), (time.monotonic() - t0) * 1e3)
_, st, ru = os.wait4(p.pid, 0)
json.dump({"attached_ns": attached, "whole_ns": round((ru.ru_utime + ru.ru_stime) * 1e9),
           "first_ms": first}, open(sys.argv[1], "w"))
sys.exit(os.waitstatus_to_exitcode(st) or (attached is None and 3))' \
		"$cpu" "$PYCOST" -v record -p "$pid" -d 2 -o "$cap" || st=$?
	echo "$OLD_STATS" >"$STATS"
	pc_stop "$pid"
	if [ "$st" -ne 0 ]; then
		fail "$label" "record exited $st: $(grep -v '^pycost: ' "$PC_TMP/overhead.err" |
			head -n 1)"
		return
	fi
	if ! pc_run "$PC_TMP/overhead.report.err" "$PYCOST" report "$cap" --format json \
		--by stack -o "$json"; then
		fail "$label" "report failed: $(pc_first_line "$PC_TMP/overhead.report.err")"
		return
	fi
	pc_check "$label" overhead "$json" "$cpu" --bpf-stats "$3"
}

# the figures do not depend on the interpreter: the system's one is enough
one "overhead stats-off" /usr/bin/python3 0
one "overhead stats-on" /usr/bin/python3 1
pc_end
