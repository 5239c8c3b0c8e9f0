#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Python called back from C (sorted's key=): keyfunc right under do_sort,
# at the line of the sorted() call.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin transitions

one() {
	pc_record_report "$1" transitions -- "$2" "$PC_WORKLOADS/transitions.py" 3 || return
	pc_check "$1" transitions "$PC_TMP/transitions.json" "$PC_WORKLOADS/transitions.py"
}
pc_each_python one
pc_end
