#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Code objects freed and their addresses reused all the time: every
# churn_K in the report existed, with its own file, first line and lines.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin churn

one() {
	local truth=$PC_TMP/churn-truth.json
	rm -f "$truth"
	pc_record_report "$1" churn -F 99 -- "$2" "$PC_WORKLOADS/churn.py" 4 "$truth" || return
	pc_check "$1" churn "$PC_TMP/churn.json" "$truth"
}
pc_each_python one
pc_end
