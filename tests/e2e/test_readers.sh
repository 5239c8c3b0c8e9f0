#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Every exchange format opened by its real reader (go tool pprof, pstats,
# a speedscope structure check, folded syntax, the HTML page as headless
# Chromium draws it) agrees with the table, on a capture of the split
# workload from each interpreter.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin readers

one() {
	local out
	pc_record_report "$1" readers -- "$2" "$PC_WORKLOADS/split.py" 2 || return
	if out=$("$PC_E2E/check_readers.sh" "$PYCOST" "$PC_TMP/readers.pycost" 2>&1); then
		pass "$1" "$out"
	else
		fail "$1" "$(printf '%s\n' "$out" | tail -n 1)"
	fi
	if ! command -v "${PC_CHROMIUM:-chromium}" >/dev/null; then
		skip "$1 html" "chromium is not installed (scripts/setup-deps.sh installs it)"
	elif out=$("$PC_E2E/check_html.sh" "$PYCOST" "$PC_TMP/readers.pycost" 2>&1); then
		pass "$1 html" "$out"
	else
		fail "$1 html" "$(printf '%s\n' "$out" | tail -n 1)"
	fi
}
pc_each_python one
pc_end
