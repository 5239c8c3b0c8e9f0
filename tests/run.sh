#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Runs every test: the Criterion unit tests (build/tests/unit), then each
# tests/e2e/test_*.sh under a timeout, and ends with one line
#   N passed, N failed, N skipped
# exiting non-zero if anything failed.  Called by `make test` after the build.
#
#   tests/run.sh [PATTERN]    only e2e scripts whose name contains PATTERN
#
# Environment: PYCOST (default build/pycost), PC_UNIT (default
# build/tests/unit), PC_TEST_TIMEOUT (seconds per test script, 900),
# PC_UNIT_TIMEOUT (600), plus those of tests/e2e/lib.sh.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e/lib.sh
. "$here/e2e/lib.sh"
cd "$PC_ROOT" || exit 1

UNIT=${PC_UNIT:-$PC_ROOT/build/tests/unit}
TEST_TIMEOUT=${PC_TEST_TIMEOUT:-900}
UNIT_TIMEOUT=${PC_UNIT_TIMEOUT:-600}
pattern=${1:-}
export PYCOST PC_RUNNER=1

npass=0
nfail=0
nskip=0

# Counts the PASS/FAIL/SKIP lines of FILE.
count_results() {
	local p f s
	p=$(grep -c '^PASS ' "$1")
	f=$(grep -c '^FAIL ' "$1")
	s=$(grep -c '^SKIP ' "$1")
	npass=$((npass + p))
	nfail=$((nfail + f))
	nskip=$((nskip + s))
	RESULT_FAILS=$f
}

out=$(mktemp "${TMPDIR:-/tmp}/pycost-run.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

# ---- unit tests --------------------------------------------------------------
echo "== unit tests: $UNIT"
if [ -n "$pattern" ]; then
	echo "  (skipped: only e2e tests matching '$pattern')"
elif [ ! -x "$UNIT" ]; then
	echo "FAIL unit: $UNIT not built (make $UNIT)"
	nfail=$((nfail + 1))
else
	timeout -k 10 "$UNIT_TIMEOUT" "$UNIT" --color=never 2>&1 </dev/null | tee "$out" | sed -u 's/^/  /'
	st=${PIPESTATUS[0]}
	synth=$(sed -n 's/.*Synthesis: Tested: \([0-9]*\) | Passing: \([0-9]*\) | Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2 \3 \4/p' "$out" | tail -n 1)
	if [ -z "$synth" ]; then
		reason="no Synthesis line"
		[ "$st" -eq 124 ] && reason="timed out after ${UNIT_TIMEOUT}s"
		echo "FAIL unit: exit status $st, $reason"
		nfail=$((nfail + 1))
	else
		read -r tested passing failing crashing <<<"$synth"
		# Criterion counts crashes among the failures.
		npass=$((npass + passing))
		nfail=$((nfail + failing))
		echo "unit: $tested tested, $passing passing, $failing failing ($crashing crashed)"
		if [ "$st" -ne 0 ] && [ "$failing" -eq 0 ]; then
			echo "FAIL unit: exit status $st with no failing test"
			nfail=$((nfail + 1))
		fi
	fi
fi

# ---- end-to-end tests --------------------------------------------------------
echo "== end-to-end tests: $PYCOST"
echo "interpreters:"
pc_find_interpreters
pc_print_interpreters | tee "$out"
count_results "$out"

for t in "$PC_E2E"/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	[[ $name == *"$pattern"* ]] || continue
	echo "-- $name"
	start=$SECONDS
	# Shown as it runs, anything but results indented; results counted.
	timeout -k 10 "$TEST_TIMEOUT" bash "$t" 2>&1 </dev/null | tee "$out" |
		sed -u -E '/^(PASS|FAIL|SKIP) /!s/^/  /'
	st=${PIPESTATUS[0]}
	count_results "$out"
	if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
		echo "FAIL $name: timed out after ${TEST_TIMEOUT}s"
		nfail=$((nfail + 1))
	elif [ "$st" -ne 0 ] && [ "$RESULT_FAILS" -eq 0 ]; then
		echo "FAIL $name: exited $st without a FAIL line"
		nfail=$((nfail + 1))
	fi
	echo "   ($((SECONDS - start))s)"
done

echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
