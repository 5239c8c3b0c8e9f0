#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Function names in UCS1 (café), UCS2 (計算) and UCS4 (𝔣𝔲𝔫𝔠) and a module
# under a non-ASCII directory come out exactly, as UTF-8, in JSON and folded.
set -u
. "$(dirname "$0")/lib.sh"
pc_begin names
dir=$PC_TMP/tests-ünïcødé
mkdir "$dir" && cp "$PC_WORKLOADS/names.py" "$dir/names.py"

one() {
	local label=$1 truth=$PC_TMP/names-truth.json
	rm -f "$truth"
	pc_record_report "$label" names -- "$2" "$dir/names.py" 3 "$truth" || return
	if ! pc_run "$PC_TMP/folded.err" "$PYCOST" report "$PC_TMP/names.pycost" --format folded \
		-o "$PC_TMP/names.folded"; then
		fail "$label" "report --format folded: $(pc_first_line "$PC_TMP/folded.err")"
		return
	fi
	pc_check "$label" names "$PC_TMP/names.json" "$truth" --folded "$PC_TMP/names.folded"
}
pc_each_python one
pc_end
