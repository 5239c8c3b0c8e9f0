#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# heavy() does 3x light()'s work: its share of their self cost must be
# 75% +- 2 points over 5 s at 99 Hz; both under outer(), right files and lines.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin split

one() {
	pc_record_report "$1" split -F 99 -- "$2" "$PC_WORKLOADS/split.py" 5 || return
	pc_check "$1" split "$PC_TMP/split.json" "$PC_WORKLOADS/split.py"
}
pc_each_python one
pc_end
