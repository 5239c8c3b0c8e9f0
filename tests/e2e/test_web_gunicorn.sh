#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# The Flask app under Debian's gunicorn (2 sync workers), traced with
# pycost record -p <master pid>, which must expand to the workers: exact
# per-endpoint counts and statuses, requests served by both workers, and the
# Flask views.
set -u
. "$(dirname "$0")/lib.sh"
. "$PC_E2E/web/weblib.sh"
web_begin web_gunicorn
web_need_cmd gunicorn gunicorn
web_need_py flask python3-flask
web_need_py gunicorn gunicorn

PLAN=light=40,heavy=10,users=30,missing=10,boom=10
WARMUP=light=6,users=4,missing=2,boom=2
VIEWS='GET /light=view_light,GET /heavy=view_heavy,GET /users/{n}=view_user'
DURATION=8
name=gunicorn

port=$(web_free_port)
web_start_gunicorn "$name" -w 2 -k sync -b "127.0.0.1:$port" --graceful-timeout 2 flaskapp:app
if ! web_wait_port "$port" 20 || ! web_wait_children "$WEB_SERVER_PID" 2 20; then
	fail "$PC_TEST" "gunicorn did not start 2 workers on $port: $(tail -n 2 "$PC_TMP/$name.log" | tr '\n' '|')"
	pc_end
fi
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan "$WARMUP" --concurrency 2 \
	-o "$PC_TMP/$name.warmup.json" >/dev/null
rm -f "$PC_TMP/truth-$name"/truth.*
web_record "$name" "$DURATION" -p "$WEB_SERVER_PID"
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan "$PLAN" --concurrency 2 --seed 13 \
	-o "$PC_TMP/$name.sent.json" | sed 's/^/  /'
if web_record_wait "$name" && web_reports "$name"; then
	web_check "" service --endpoints "$PC_TMP/$name.endpoints.json" \
		--requests "$PC_TMP/$name.requests.jsonl" --sent "$PC_TMP/$name.sent.json" \
		--truth "$PC_TMP/truth-$name" --checks window,counts,statuses,workers,views \
		--min-workers 2 --views "$VIEWS"
fi
pc_end
