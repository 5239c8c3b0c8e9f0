#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Attach (-p) to a running multi-threaded process: spinner_a and spinner_b
# are sampled, and every stack of a spinner or sleeper thread is one that
# sys._current_frames() saw in that process (same names, files and lines).
set -u
. "$(dirname "$0")/lib.sh"
pc_begin threads

one() {
	local label=$1 py=$2 pid truth=$PC_TMP/threads-truth.json
	rm -f "$truth"
	pc_bg "$PC_TMP/threads.out" "$py" "$PC_WORKLOADS/threads.py" 8 "$truth"
	pid=$PC_LAST_PID
	if ! pc_wait_line "$PC_TMP/threads.out" ready 20; then
		fail "$label" "workload not ready: $(pc_first_line "$PC_TMP/threads.out")"
		pc_stop "$pid"
		return
	fi
	if ! pc_record_report "$label" threads -p "$pid" -d 3; then
		pc_stop "$pid"
		return
	fi
	if ! pc_reap "$pid"; then
		fail "$label" "workload failed: $(tail -n 1 "$PC_TMP/threads.out")"
		return
	fi
	pc_check "$label" threads "$PC_TMP/threads.json" "$truth"
}
pc_each_python one
pc_end
