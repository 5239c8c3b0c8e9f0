#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian 12 packages pycost needs to build, test and demo.
# Idempotent: does nothing when every package is already installed.
set -eu

# build: make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libsqlite3-dev
# unit tests: libcriterion-dev; report readers: golang-go (go tool pprof), python3
# web tests, demo and bench: uWSGI, Flask, Django, gunicorn, PostgreSQL, memcached,
# Redis and their Python clients, wrk, curl; the HTML report's reader: chromium
PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
libsqlite3-dev libcriterion-dev pkg-config python3 sqlite3 golang-go procps
uwsgi-core uwsgi-plugin-python3 python3-flask python3-django gunicorn
postgresql memcached redis-server redis-tools python3-psycopg2 python3-redis
python3-pymemcache wrk curl chromium"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi

echo "setup-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
