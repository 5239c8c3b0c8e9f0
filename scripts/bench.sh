#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make bench: runs the benchmark drivers (see scripts/bench.py).
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 scripts/bench.py "$@"
