#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# A process that lives 0.5 s: quick_work sampled and named, nothing unknown.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin quick

one() {
	pc_record_report "$1" quick -- "$2" "$PC_WORKLOADS/quick.py" 0.5 || return
	pc_check "$1" quick "$PC_TMP/quick.json" "$PC_WORKLOADS/quick.py"
}
pc_each_python one
pc_end
