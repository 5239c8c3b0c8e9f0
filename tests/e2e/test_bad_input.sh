#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Bad input: exit status 2, exactly one line on stderr, and no capture left
# behind by a failed record (nor anything on stdout from a failed report).
set -u
. "$(dirname "$0")/lib.sh"
pc_begin bad_input --no-python
PY=/usr/bin/python3

# expect LABEL MUST-MENTION pycost ARGS...: runs pycost ARGS and checks the
# failure; a record must not leave $PC_TMP/out.pycost* behind, a report must
# print nothing on stdout.  MUST-MENTION, if not empty, must be in the message.
expect() {
	local label=$1 mention=$2 st=0 lines msg left
	shift 2
	rm -f "$PC_TMP"/out.pycost*
	pc_run "$PC_TMP/err" "$PYCOST" "$@" >"$PC_TMP/stdout" </dev/null || st=$?
	lines=$(awk 'END { print NR }' "$PC_TMP/err")
	msg=$(pc_first_line "$PC_TMP/err")
	left=$(find "$PC_TMP" -maxdepth 1 -name 'out.pycost*' -printf '%f ')
	left=${left% }
	if [ "$st" -ne 2 ]; then
		fail "$label" "exit status $st, expected 2 ($msg)"
	elif [ "$lines" -ne 1 ]; then
		fail "$label" "$lines lines on stderr, expected 1: $(head -n 3 "$PC_TMP/err" | tr '\n' '|')"
	elif [ -n "$left" ]; then
		fail "$label" "left $left behind ($msg)"
	elif [ "$1" = report ] && [ -s "$PC_TMP/stdout" ]; then
		fail "$label" "wrote to stdout: $(head -c 80 "$PC_TMP/stdout")"
	elif [ -n "$mention" ] && [[ $msg != *"$mention"* ]]; then
		fail "$label" "message does not mention '$mention': $msg"
	else
		pass "$label" "$msg"
	fi
}

record() { expect "$1" "$2" record -o "$PC_TMP/out.pycost" -d 2 "${@:3}"; }

# A pid that does not exist.
pid=999999
while [ -e "/proc/$pid" ]; do pid=$((pid - 1)); done
record "bad_input[no-such-pid]" "" -p "$pid"

# A live process that is not Python: the message says what it found.
pc_bg "$PC_TMP/sleep.out" sleep 30
record "bad_input[not-python]" sleep -p "$PC_LAST_PID"
pc_stop "$PC_LAST_PID"

# A kernel thread: kthreadd, or the first one visible in this pid namespace.
kthread=
for stat in /proc/2/stat /proc/[0-9]*/stat; do
	# flags, field 9 counting from after the ")" ending the comm; PF_KTHREAD
	flags=$(sed 's/.*) //' "$stat" 2>/dev/null | cut -d' ' -f7)
	if [ -n "$flags" ] && (((flags & 0x200000) != 0)); then
		kthread=${stat#/proc/}
		kthread=${kthread%/stat}
		break
	fi
done
if [ -n "$kthread" ]; then
	record "bad_input[kernel-thread]" "" -p "$kthread"
else
	skip "bad_input[kernel-thread]" "no kernel thread visible in this pid namespace"
fi

# A zombie: a child that exited and whose parent never waits for it.
pc_bg "$PC_TMP/zombie.out" "$PY" "$PC_WORKLOADS/zombie.py" 60
parent=$PC_LAST_PID
zombie=
for _ in $(seq 50); do
	zombie=$(head -n 1 "$PC_TMP/zombie.out" 2>/dev/null)
	[ -n "$zombie" ] && [ "$(sed 's/.*) //' "/proc/$zombie/stat" 2>/dev/null | cut -c1)" = Z ] && break
	zombie=
	sleep 0.1
done
if [ -n "$zombie" ]; then
	record "bad_input[zombie]" "" -p "$zombie"
else
	fail "bad_input[zombie]" "could not make a zombie: $(pc_first_line "$PC_TMP/zombie.out")"
fi
pc_stop "$parent"

# --metric instructions on a machine (VM) without that hardware counter.
if ! command -v perf >/dev/null 2>&1; then
	skip "bad_input[metric-instructions]" "perf not installed, cannot tell whether instructions count"
elif perf stat -e instructions true 2>&1 | grep -q '<not supported>'; then
	record "bad_input[metric-instructions]" "" --metric instructions -- \
		"$PY" "$PC_WORKLOADS/quick.py" 0.1
else
	skip "bad_input[metric-instructions]" "this machine counts instructions"
fi

# Tick sampling above any kernel's tick rate (CONFIG_HZ is at most 1000).
record "bad_input[sampler-tick-rate]" "tick rate" --sampler tick --metric cpu -F 2000 -- \
	"$PY" "$PC_WORKLOADS/quick.py" 0.1

# A COMMAND that does not exist.
record "bad_input[command-not-found]" "" -- "$PC_TMP/no-such-command" arg

# Captures that do not exist, are empty or are garbage.
expect "bad_input[report-missing]" "" report "$PC_TMP/missing.pycost"
: >"$PC_TMP/empty.pycost"
expect "bad_input[report-empty]" "" report "$PC_TMP/empty.pycost"
head -c 65536 /dev/urandom >"$PC_TMP/corrupt.pycost"
expect "bad_input[report-corrupt]" "" report "$PC_TMP/corrupt.pycost"

pc_end
