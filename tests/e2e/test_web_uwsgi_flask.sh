#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# The Flask app under uWSGI (2 workers + master) with PostgreSQL, memcached
# and Redis: pycost record --uwsgi against the client's known load and the
# app's own per-request thread_time_ns.
#   http:  --http-socket, traced through the master: exact per-endpoint counts
#          and statuses, per-request cost and cpu_ns within max(5%, 200 us) of
#          the app's thread_time_ns (above it, uWSGI's own CPU time before it
#          called the app may be added: web/truth.py's gap_cpu_ns), heavy/light
#          mean cost ratio within 10% of the app's, db and cache time where
#          (and only where) they are used, the Flask view of each endpoint and
#          of each request that names one; the HTML report drawn by headless
#          Chromium agrees with the JSON reports.
#   http11: --http11-socket with 5 requests per keep-alive connection:
#          exact counts and statuses, per-request cost, db and cache time.
#   uwsgi: --socket (uwsgi binary protocol), traced through a worker pid:
#          exact per-endpoint counts and statuses.
#   router_tcp, router_unix: uWSGI's HTTP router (--http) forwarding to the
#          workers over loopback TCP or a Unix socket (--socket): each request
#          counted once, where a worker served it, with exact counts and
#          statuses.
set -u
. "$(dirname "$0")/lib.sh"
. "$PC_E2E/web/weblib.sh"
. "$PC_E2E/web/services.sh"
web_begin web_uwsgi_flask
web_need_cmd uwsgi uwsgi-core
web_need_file /usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3
web_need_py flask python3-flask
web_backends_start

PLAN=light=40,heavy=20,users=30,db=15,cache=15,missing=10,boom=10
WARMUP=light=6,heavy=4,users=4,db=4,cache=4,missing=2,boom=2
VIEWS='GET /light=view_light,GET /heavy=view_heavy,GET /users/{n}=view_user,GET /db=view_db,GET /cache=view_cache'
DURATION=8

# run MODE SOCKET-OPTION PROTO TRACE(master|worker) CHECKS [CLIENT-ARGS...]
run() {
	local mode=$1 sockopt=$2 proto=$3 trace=$4 checks=$5 port pid
	shift 5
	port=$(web_free_port)
	web_start_uwsgi "$mode" "$sockopt" "127.0.0.1:$port" --processes 2 \
		--wsgi-file flaskapp.py --callable app
	if ! web_wait_port "$port" 15; then
		fail "${PC_TEST}[$mode]" "uWSGI does not accept on $port: $(tail -n 2 "$PC_TMP/$mode.log" | tr '\n' '|')"
		return
	fi
	# an already-running, warmed-up service: then forget the app's warm-up truth
	"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --proto "$proto" --plan "$WARMUP" "$@" \
		--concurrency 2 -o "$PC_TMP/$mode.warmup.json" >/dev/null
	rm -f "$PC_TMP/truth-$mode"/truth.*
	pid=$WEB_SERVER_PID
	[ "$trace" = worker ] && pid=$(web_children "$WEB_SERVER_PID" | head -n 1)
	web_record "$mode" "$DURATION" --uwsgi "$pid"
	"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --proto "$proto" --plan "$PLAN" \
		--concurrency 2 --seed 7 "$@" -o "$PC_TMP/$mode.sent.json" | sed 's/^/  /'
	web_record_wait "$mode" || return
	web_reports "$mode" || return
	web_check "$mode" service --endpoints "$PC_TMP/$mode.endpoints.json" \
		--requests "$PC_TMP/$mode.requests.jsonl" --sent "$PC_TMP/$mode.sent.json" \
		--truth "$PC_TMP/truth-$mode" --checks "$checks" --views "$VIEWS"
	[ "$mode" = http ] && web_html "$mode" 'GET /heavy'
	web_kill_tree "$WEB_SERVER_PID" INT
}

# router MODE BACKEND: --http on a free port, workers on BACKEND (--socket)
router() {
	local mode=$1 backend=$2 port
	port=$(web_free_port)
	[ "$backend" = tcp ] && backend=127.0.0.1:$(web_free_port "$port")
	[ "$backend" = unix ] && backend=$PC_TMP/$mode.sock
	web_start_uwsgi "$mode" --plugin http --http "127.0.0.1:$port" --socket "$backend" \
		--processes 2 --wsgi-file flaskapp.py --callable app
	if ! web_wait_port "$port" 15; then
		fail "${PC_TEST}[$mode]" "uWSGI's router does not accept on $port: $(tail -n 2 "$PC_TMP/$mode.log" | tr '\n' '|')"
		return
	fi
	"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --proto http --plan "$WARMUP" \
		--concurrency 2 -o "$PC_TMP/$mode.warmup.json" >/dev/null
	rm -f "$PC_TMP/truth-$mode"/truth.*
	web_record "$mode" "$DURATION" --uwsgi "$WEB_SERVER_PID"
	"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --proto http --plan "$PLAN" \
		--concurrency 2 --seed 7 -o "$PC_TMP/$mode.sent.json" | sed 's/^/  /'
	web_record_wait "$mode" || return
	web_reports "$mode" || return
	web_check "$mode" service --endpoints "$PC_TMP/$mode.endpoints.json" \
		--requests "$PC_TMP/$mode.requests.jsonl" --sent "$PC_TMP/$mode.sent.json" \
		--truth "$PC_TMP/truth-$mode" --checks window,counts,statuses,worker_ids --views "$VIEWS"
	web_kill_tree "$WEB_SERVER_PID" INT
}

run http --http-socket http master \
	window,counts,statuses,cost,cpu_ns,ratio,backend,views,request_views,worker_ids
run http11 --http11-socket http master window,counts,statuses,cost,backend --keepalive 5
run uwsgi --socket uwsgi worker window,counts,statuses,worker_ids
if [ -f /usr/lib/uwsgi/plugins/http_plugin.so ]; then
	router router_tcp tcp
	router router_unix unix
else
	skip "${PC_TEST}[router]" "uWSGI's http plugin is not installed (uwsgi-core ships it)"
fi

pc_end
