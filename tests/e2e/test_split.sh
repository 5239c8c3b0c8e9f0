#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# heavy() does 3x light()'s work: its share of their self cost must be
# 75% +- 2 points over 5 s at 99 Hz (75% being, exactly, the share of their
# CPU time that the workload measured); both under outer(), at the right
# files and lines.  Once with samples taken at the timer tick, once by perf
# sampling events, and the capture must say which.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin split

# the tick samples CPU time only; perf events any metric
one() {
	local truth=$PC_TMP/split-truth.json sampler opts
	for sampler in tick perf; do
		opts=(--sampler "$sampler")
		[ "$sampler" = tick ] && opts+=(--metric cpu)
		rm -f "$truth"
		pc_record_report "$1 $sampler" split -F 99 "${opts[@]}" -- "$2" \
			"$PC_WORKLOADS/split.py" 5 "$truth" || continue
		pc_check "$1 $sampler" split "$PC_TMP/split.json" "$PC_WORKLOADS/split.py" \
			--truth "$truth" --sampler "$sampler"
	done
}
pc_each_python one
pc_end
