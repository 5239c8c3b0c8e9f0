#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Recursion 200 deep: every recurse frame present at the recursive call's
# line.  Recursion deeper than PYCOST_MAX_DEPTH: stacks cut at the root,
# leaf kept, meta.truncated counts them.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin deep
max=$(pc_max_depth)
if [ -z "$max" ]; then
	fail deep "no PYCOST_MAX_DEPTH in bpf/pycost.h"
	exit 1
fi

one() {
	local depth label
	for depth in 200 $((max + 64)); do
		label="${1%]},$depth]"
		pc_record_report "$label" deep -- "$2" "$PC_WORKLOADS/deep.py" 3 "$depth" || continue
		pc_check "$label" deep "$PC_TMP/deep.json" "$PC_WORKLOADS/deep.py" "$depth"
	done
}
pc_each_python one
pc_end
