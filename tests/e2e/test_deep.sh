#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Recursion 200 deep: every recurse frame present at the recursive call's
# line.  Recursion deeper than PYCOST_MAX_DEPTH: stacks cut at the root,
# leaf kept, meta.truncated counts them.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin deep
over=$(($(pc_max_depth) + 64))

one() {
	local depth
	for depth in 200 "$over"; do
		pc_record_report "$1/$depth" deep -- "$2" "$PC_WORKLOADS/deep.py" 3 "$depth" || continue
		pc_check "$1/$depth" deep "$PC_TMP/deep.json" "$PC_WORKLOADS/deep.py" "$depth"
	done
}
pc_each_python one
pc_end
