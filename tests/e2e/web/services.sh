# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Throwaway backends for the web end-to-end tests, on the ports pycost
# classifies (5432 -> db, 11211 and 6379 -> cache), on 127.0.0.1 only, with
# their data under $PC_TMP.  Sourced after lib.sh and web/weblib.sh and
# after web_begin.  Each start function SKIPs the test (exit 0) when its
# package is missing or its port is taken, FAILs it (exit 1) when the service
# does not come up, and registers the stop with web_at_exit.
#
#   web_pg_start         PostgreSQL: initdb + pg_ctl as the postgres user
#   web_memcached_start  memcached
#   web_redis_start      redis-server --save '' --appendonly no
#   web_backends_start   all three

WEB_PG_PORT=5432
WEB_MEMCACHED_PORT=11211
WEB_REDIS_PORT=6379
WEB_PG_BIN=
WEB_PG_DIR=

web_pg_stop() {
	[ -n "$WEB_PG_DIR" ] || return 0
	runuser -u postgres -- "$WEB_PG_BIN/pg_ctl" -D "$WEB_PG_DIR/data" -m immediate -w -t 20 \
		stop >/dev/null 2>&1
	# never leave a postmaster behind
	local pid
	pid=$(head -n 1 "$WEB_PG_DIR/data/postmaster.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
	fi
	WEB_PG_DIR=
}

web_pg_start() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && WEB_PG_BIN=$d
	done
	[ -n "$WEB_PG_BIN" ] || web_skip "no /usr/lib/postgresql/*/bin/initdb (Debian package postgresql)"
	id postgres >/dev/null 2>&1 || web_skip "no postgres user (Debian package postgresql)"
	web_need_cmd runuser util-linux
	web_need_py psycopg2 python3-psycopg2
	web_need_port "$WEB_PG_PORT" PostgreSQL
	WEB_PG_DIR=$PC_TMP/pg
	mkdir -p "$WEB_PG_DIR"
	chown postgres: "$WEB_PG_DIR"
	chmod 700 "$WEB_PG_DIR"
	if ! runuser -u postgres -- "$WEB_PG_BIN/initdb" -D "$WEB_PG_DIR/data" -U postgres \
		-A trust -E UTF8 --no-sync >"$PC_TMP/pg-initdb.log" 2>&1; then
		WEB_PG_DIR=
		fail "$PC_TEST" "initdb failed: $(tail -n 2 "$PC_TMP/pg-initdb.log" | tr '\n' '|')"
		exit 1
	fi
	web_at_exit web_pg_stop
	if ! runuser -u postgres -- "$WEB_PG_BIN/pg_ctl" -D "$WEB_PG_DIR/data" \
		-l "$WEB_PG_DIR/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $WEB_PG_PORT -k $WEB_PG_DIR -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=50" \
		start >"$PC_TMP/pg-ctl.log" 2>&1; then
		fail "$PC_TEST" "PostgreSQL did not start: $(tail -n 2 "$WEB_PG_DIR/server.log" | tr '\n' '|')"
		exit 1
	fi
	if ! "$WEB_PY" -c "import psycopg2
c = psycopg2.connect('host=127.0.0.1 port=$WEB_PG_PORT user=postgres dbname=postgres connect_timeout=5')
c.cursor().execute('SELECT 1'); c.close()" >"$PC_TMP/pg-check.log" 2>&1; then
		fail "$PC_TEST" "PostgreSQL does not answer: $(tail -n 1 "$PC_TMP/pg-check.log")"
		exit 1
	fi
}

web_memcached_start() {
	web_need_cmd memcached memcached
	web_need_py pymemcache python3-pymemcache
	web_need_port "$WEB_MEMCACHED_PORT" memcached
	pc_bg "$PC_TMP/memcached.log" memcached -u nobody -l 127.0.0.1 -p "$WEB_MEMCACHED_PORT" \
		-U 0 -m 64 -c 256
	web_at_exit "web_kill_tree $PC_LAST_PID TERM"
	web_wait_port "$WEB_MEMCACHED_PORT" 10 || {
		fail "$PC_TEST" "memcached did not start: $(pc_first_line "$PC_TMP/memcached.log")"
		exit 1
	}
}

web_redis_start() {
	web_need_cmd redis-server redis-server
	web_need_py redis python3-redis
	web_need_port "$WEB_REDIS_PORT" redis-server
	mkdir -p "$PC_TMP/redis"
	pc_bg "$PC_TMP/redis.log" redis-server --bind 127.0.0.1 --port "$WEB_REDIS_PORT" \
		--save '' --appendonly no --dir "$PC_TMP/redis" --daemonize no --logfile ''
	web_at_exit "web_kill_tree $PC_LAST_PID TERM"
	web_wait_port "$WEB_REDIS_PORT" 10 || {
		fail "$PC_TEST" "redis-server did not start: $(tail -n 2 "$PC_TMP/redis.log" | tr '\n' '|')"
		exit 1
	}
}

web_backends_start() {
	# check every port first, so that a taken one skips before anything starts
	web_need_port "$WEB_PG_PORT" PostgreSQL
	web_need_port "$WEB_MEMCACHED_PORT" memcached
	web_need_port "$WEB_REDIS_PORT" redis-server
	web_pg_start
	web_memcached_start
	web_redis_start
}
