#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Worker churn: uWSGI with --max-requests 20 and 2 workers recycles a worker
# every 20 requests while the client drives load for ~10 s (concurrency 2).
# pycost record --uwsgi must follow every respawned worker: its request count
# equals the client's exactly (none missed across a respawn, none counted
# twice), per endpoint, more than 2 distinct worker pids served requests, and
# each request carries uWSGI's own id of its worker (a respawn keeps the id).
set -u
. "$(dirname "$0")/lib.sh"
. "$PC_E2E/web/weblib.sh"
web_begin web_churn
web_need_cmd uwsgi uwsgi-core
web_need_file /usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3
web_need_py flask python3-flask

LOAD_SECONDS=10
DURATION=15
name=churn

port=$(web_free_port)
web_serve_uwsgi "$name" "$port" --http-socket "127.0.0.1:$port" --processes 2 --max-requests 20 \
	--min-worker-lifetime 0 \
	--wsgi-file flaskapp.py --callable app
before=$(web_children "$WEB_SERVER_PID" | sort -n | tr '\n' ' ')
web_record "$name" "$DURATION" --uwsgi "$WEB_SERVER_PID"
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan light=3,users=2,missing=1 \
	--duration "$LOAD_SECONDS" --concurrency 2 --seed 3 -o "$PC_TMP/$name.sent.json" |
	sed 's/^/  /'
respawns=$(grep -c 'Respawned uWSGI worker' "$PC_TMP/$name.log")
echo "  workers at start: $before; uWSGI logged $respawns respawns"
if web_record_wait "$name" && web_reports "$name"; then
	web_check "" service --endpoints "$PC_TMP/$name.endpoints.json" \
		--requests "$PC_TMP/$name.requests.jsonl" --sent "$PC_TMP/$name.sent.json" \
		--truth "$PC_TMP/truth-$name" --checks window,counts,statuses,workers,worker_ids \
		--min-workers 3
fi
pc_end
