# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Shared helpers of the end-to-end tests.  Sourced by tests/run.sh and by
# every tests/e2e/test_*.sh; safe under `set -u`.
#
# A test script prints one line per result:
#   PASS name[3.11.2]: detail
#   FAIL name[3.11.2]: reason
#   SKIP name[3.11.2]: reason
# and exits non-zero when it printed a FAIL.
#
# Environment:
#   PYCOST          pycost binary (default build/pycost)
#   PC_PYTHONS      space-separated interpreter paths to use instead of the
#                   discovered ones
#   PC_CMD_TIMEOUT  seconds allowed to one pycost or workload command (120)
#   PC_KEEP_TMP     keep each test's temporary directory (prints its path)

PC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PC_E2E=$PC_ROOT/tests/e2e
# shellcheck disable=SC2034 # used by the test scripts
PC_WORKLOADS=$PC_E2E/workloads
PYCOST=${PYCOST:-$PC_ROOT/build/pycost}
PC_CHECK_PY=${PC_CHECK_PY:-/usr/bin/python3}
PC_CMD_TIMEOUT=${PC_CMD_TIMEOUT:-120}
PC_DEBIAN_PYTHON=/usr/bin/python3.11
PC_PYENV_MINORS="8 9 10 11 12 13"

PC_TEST=${PC_TEST:-}
PC_TMP=
PC_FAILED=0
PC_BG_PIDS=()
PC_LAST_PID=
PC_PY_PATHS=()
PC_PY_LABELS=()
PC_PY_MISSING=()

# ---- results --------------------------------------------------------------

pass() { echo "PASS $1${2:+: $2}"; }
fail() {
	echo "FAIL $1: ${2:-failed}"
	PC_FAILED=1
}
skip() { echo "SKIP $1: $2"; }

# ---- interpreters ---------------------------------------------------------

# Candidate pyenv roots, one a line: `pyenv root`, $PYENV_ROOT, ~/.pyenv and
# /root/.pyenv (pyenv is often not on PATH under CI).
pc_pyenv_roots() {
	local r
	{
		command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null
		[ -x /root/.pyenv/bin/pyenv ] && /root/.pyenv/bin/pyenv root 2>/dev/null
		echo "${PYENV_ROOT:-}"
		echo "${HOME:-/root}/.pyenv"
		echo /root/.pyenv
	} | awk 'NF && !seen[$0]++' | while read -r r; do
		if [ -d "$r/versions" ]; then echo "$r"; fi
	done
}

# Newest pyenv CPython 3.$1.N (release builds only: 3.13.0t, -dev are ignored).
pc_pyenv_python() {
	local minor=$1 root d
	while read -r root; do
		for d in "$root"/versions/3."$minor".*; do
			[[ ${d##*/} =~ ^3\.$minor\.[0-9]+$ ]] || continue
			[ -x "$d/bin/python3.$minor" ] && echo "${d##*/} $d/bin/python3.$minor"
		done
	done < <(pc_pyenv_roots) | sort -V | tail -n 1 | cut -d' ' -f2-
}

pc_python_version() {
	"$1" -c 'import platform; print(platform.python_version())' 2>/dev/null
}

# Fills PC_PY_PATHS / PC_PY_LABELS (label = full version, unique) and
# PC_PY_MISSING ("name: reason").
pc_find_interpreters() {
	local paths=() p m v label i
	PC_PY_PATHS=()
	PC_PY_LABELS=()
	PC_PY_MISSING=()
	if [ -n "${PC_PYTHONS:-}" ]; then
		read -r -a paths <<<"$PC_PYTHONS"
	else
		if [ -x "$PC_DEBIAN_PYTHON" ]; then
			paths+=("$PC_DEBIAN_PYTHON")
		else
			PC_PY_MISSING+=("python3.11 (Debian): $PC_DEBIAN_PYTHON not found")
		fi
		for m in $PC_PYENV_MINORS; do
			p=$(pc_pyenv_python "$m")
			if [ -n "$p" ]; then
				paths+=("$p")
			else
				PC_PY_MISSING+=("python3.$m (pyenv): no versions/3.$m.*/bin/python3.$m under a pyenv root")
			fi
		done
	fi
	for p in "${paths[@]}"; do
		v=$(pc_python_version "$p")
		if [ -z "$v" ]; then
			PC_PY_MISSING+=("$p: does not run")
			continue
		fi
		label=$v
		i=2
		while [[ " ${PC_PY_LABELS[*]} " == *" $label "* ]]; do
			label=$v-$i
			i=$((i + 1))
		done
		PC_PY_PATHS+=("$p")
		PC_PY_LABELS+=("$label")
	done
}

# Prints the interpreters found and one SKIP line per one not found.
pc_print_interpreters() {
	local i
	for i in "${!PC_PY_PATHS[@]}"; do
		echo "  python ${PC_PY_LABELS[$i]}: ${PC_PY_PATHS[$i]}"
	done
	for i in "${!PC_PY_MISSING[@]}"; do
		skip "${PC_PY_MISSING[$i]%%: *}" "${PC_PY_MISSING[$i]#*: }"
	done
}

# Calls "$@" LABEL PYTHON once per interpreter, LABEL being "test[version]".
pc_each_python() {
	local i
	if [ ${#PC_PY_PATHS[@]} -eq 0 ]; then
		fail "$PC_TEST" "no Python interpreter found"
		return
	fi
	for i in "${!PC_PY_PATHS[@]}"; do
		"$@" "${PC_TEST}[${PC_PY_LABELS[$i]}]" "${PC_PY_PATHS[$i]}"
	done
}

# ---- test life cycle ------------------------------------------------------

pc_cleanup() {
	local pid
	for pid in "${PC_BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	PC_BG_PIDS=()
	if [ -n "$PC_TMP" ] && [ -d "$PC_TMP" ]; then
		if [ -n "${PC_KEEP_TMP:-}" ]; then
			echo "  kept $PC_TMP" >&2
		else
			rm -rf "$PC_TMP"
		fi
	fi
}

# pc_begin NAME [--no-python]: skips the whole test unless root, fails it
# when pycost is missing, finds interpreters (unless --no-python) and makes
# the temporary directory PC_TMP, removed at exit with any background job.
pc_begin() {
	PC_TEST=$1
	if [ "$(id -u)" -ne 0 ]; then
		skip "$PC_TEST" "not root: recording needs CAP_BPF and CAP_PERFMON"
		exit 0
	fi
	if [ ! -x "$PYCOST" ]; then
		fail "$PC_TEST" "pycost binary $PYCOST not found or not executable"
		exit 1
	fi
	if [ "${2:-}" != --no-python ]; then
		pc_find_interpreters
		# tests/run.sh prints the interpreters once for all tests
		[ -n "${PC_RUNNER:-}" ] || pc_print_interpreters
	fi
	PC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pycost-$PC_TEST.XXXXXX") || {
		fail "$PC_TEST" "mktemp failed"
		exit 1
	}
	trap pc_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

pc_end() {
	exit "$PC_FAILED"
}

# pc_bg OUT CMD...: starts CMD in the background, stdout and stderr to OUT;
# PC_LAST_PID is its pid, killed at exit if still running.
pc_bg() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	PC_LAST_PID=$!
	PC_BG_PIDS+=("$PC_LAST_PID")
}

# pc_wait_line FILE TEXT SECONDS: waits until a line of FILE is TEXT.
pc_wait_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# pc_reap PID: waits for a pc_bg job and forgets it; returns its status.
pc_reap() {
	local st=0 keep=() pid
	wait "$1" 2>/dev/null || st=$?
	for pid in "${PC_BG_PIDS[@]}"; do
		[ "$pid" = "$1" ] || keep+=("$pid")
	done
	PC_BG_PIDS=("${keep[@]+"${keep[@]}"}")
	return "$st"
}

# pc_stop PID: kills a pc_bg job and reaps it.
pc_stop() {
	kill "$1" 2>/dev/null
	pc_reap "$1"
	return 0
}

# ---- running pycost ------------------------------------------------------

# pc_run ERRFILE CMD...: CMD under the command timeout, stderr to ERRFILE.
pc_run() {
	local err=$1
	shift
	timeout -k 10 "$PC_CMD_TIMEOUT" "$@" 2>"$err"
}

# First line of FILE, for messages.
pc_first_line() {
	local l
	l=$(head -n 1 "$1" 2>/dev/null)
	echo "${l:-(nothing on stderr)}"
}

# pc_record_report LABEL NAME RECORD-ARGS...: runs
#   pycost record -o $PC_TMP/NAME.pycost RECORD-ARGS
# with stdout to $PC_TMP/NAME.out, then writes the JSON report (--by stack)
# to $PC_TMP/NAME.json.  Prints a FAIL line and returns 1 on failure.
pc_record_report() {
	local label=$1 name=$2 st=0
	shift 2
	local cap=$PC_TMP/$name.pycost
	rm -f "$cap" "$PC_TMP/$name.json"
	pc_run "$PC_TMP/$name.record.err" "$PYCOST" record -o "$cap" "$@" >"$PC_TMP/$name.out" || st=$?
	if [ "$st" -ne 0 ]; then
		fail "$label" "record exited $st: $(pc_first_line "$PC_TMP/$name.record.err")"
		return 1
	fi
	if [ ! -s "$cap" ]; then
		fail "$label" "record wrote no capture"
		return 1
	fi
	pc_run "$PC_TMP/$name.report.err" "$PYCOST" report "$cap" --format json --by stack \
		-o "$PC_TMP/$name.json" || st=$?
	if [ "$st" -ne 0 ]; then
		fail "$label" "report exited $st: $(pc_first_line "$PC_TMP/$name.report.err")"
		return 1
	fi
	return 0
}

# pc_check LABEL SUBCOMMAND ARGS...: runs tests/e2e/check.py; its last line
# of output is the detail of the PASS, the reason of the FAIL or of the SKIP
# (exit status 77).
pc_check() {
	local label=$1 out st=0
	shift
	out=$("$PC_CHECK_PY" "$PC_E2E/check.py" "$@" 2>&1) || st=$?
	out=$(printf '%s\n' "$out" | tail -n 1)
	case $st in
	0) pass "$label" "$out" ;;
	77) skip "$label" "$out" ;;
	*) fail "$label" "${out:-check.py exited $st}" ;;
	esac
}

# PYCOST_MAX_DEPTH from the BPF ABI header.
pc_max_depth() {
	sed -n 's/^#define[[:space:]]\+PYCOST_MAX_DEPTH[[:space:]]\+\([0-9]\+\).*/\1/p' \
		"$PC_ROOT/bpf/pycost.h"
}
