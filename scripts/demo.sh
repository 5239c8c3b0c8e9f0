#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make demo: start a CPU-bound Python workload, record it for 5 s with
# pycost, print the function table.
set -eu
cd "$(dirname "$0")/.."
PYCOST=${PYCOST:-build/pycost}
PY=${PYTHON:-python3}
out=$(mktemp -d)
trap 'kill "$app" 2>/dev/null || true; rm -rf "$out"' EXIT INT TERM

echo "demo: starting scripts/cpu_workload.py (parse does 3x the work of render)"
"$PY" scripts/cpu_workload.py 8 >/dev/null &
app=$!
sleep 0.5
echo "demo: pycost record -p $app -d 5"
"$PYCOST" record -p "$app" -d 5 -o "$out/demo.pycost"
echo
"$PYCOST" report "$out/demo.pycost" --top 10
