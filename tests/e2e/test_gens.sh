#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Work in a generator shows under its consumer, work in a coroutine under
# the coroutine awaiting it, at the lines of the for and the await.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin gens

one() {
	pc_record_report "$1" gens -- "$2" "$PC_WORKLOADS/gens.py" 4 || return
	pc_check "$1" gens "$PC_TMP/gens.json" "$PC_WORKLOADS/gens.py"
}
pc_each_python one
pc_end
