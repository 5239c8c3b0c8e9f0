#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# A workload's stdout and exit status are the same under `pycost record`
# as without it (record itself writes nothing to stdout).
set -u
. "$(dirname "$0")/lib.sh"
pc_begin output_identical

one() {
	local label=$1 py=$2 st=0
	if ! pc_run "$PC_TMP/plain.err" "$py" "$PC_WORKLOADS/split.py" 2 >"$PC_TMP/plain.out"; then
		fail "$label" "unprofiled run failed: $(pc_first_line "$PC_TMP/plain.err")"
		return
	fi
	pc_run "$PC_TMP/rec.err" "$PYCOST" record -o "$PC_TMP/x.pycost" -- \
		"$py" "$PC_WORKLOADS/split.py" 2 >"$PC_TMP/profiled.out" || st=$?
	if [ "$st" -ne 0 ]; then
		fail "$label" "record exited $st: $(pc_first_line "$PC_TMP/rec.err")"
	elif ! cmp -s "$PC_TMP/plain.out" "$PC_TMP/profiled.out"; then
		fail "$label" "stdout differs: $(diff "$PC_TMP/plain.out" "$PC_TMP/profiled.out" | head -n 3 | tr '\n' ' ')"
	else
		pass "$label" "$(wc -c <"$PC_TMP/plain.out") bytes identical"
	fi
}
pc_each_python one
pc_end
