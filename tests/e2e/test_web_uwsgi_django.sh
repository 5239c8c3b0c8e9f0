#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# The Django app (web/djangoapp, raw SQL through django.db on PostgreSQL)
# under uWSGI (2 workers + master), traced with pycost record --uwsgi:
# exact per-endpoint counts and statuses (404 from the URL resolver, 500 from
# a raising view), db time on /db and cache time on /cache only, and the
# views Django's BaseHandler._get_response called.
set -u
. "$(dirname "$0")/lib.sh"
. "$PC_E2E/web/weblib.sh"
. "$PC_E2E/web/services.sh"
web_begin web_uwsgi_django
web_need_cmd uwsgi uwsgi-core
web_need_file /usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3
web_need_py django python3-django
web_backends_start

PLAN=light=40,heavy=15,users=30,db=15,cache=15,missing=10,boom=10
WARMUP=light=6,heavy=2,users=4,db=4,cache=4,missing=2,boom=2
VIEWS='GET /light=view_light,GET /heavy=view_heavy,GET /users/{n}=view_user,GET /db=view_db,GET /cache=view_cache'
DURATION=8
name=django

port=$(web_free_port)
web_serve_uwsgi "$name" "$port" --http-socket "127.0.0.1:$port" --processes 2 \
	--module djangoapp.wsgi:application --env DJANGO_SETTINGS_MODULE=djangoapp.settings
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan "$WARMUP" --concurrency 2 \
	-o "$PC_TMP/$name.warmup.json" >/dev/null
rm -f "$PC_TMP/truth-$name"/truth.*
web_record "$name" "$DURATION" --uwsgi "$WEB_SERVER_PID"
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan "$PLAN" --concurrency 2 --seed 11 \
	-o "$PC_TMP/$name.sent.json" | sed 's/^/  /'
if web_record_wait "$name" && web_reports "$name"; then
	web_check "" service --endpoints "$PC_TMP/$name.endpoints.json" \
		--requests "$PC_TMP/$name.requests.jsonl" --sent "$PC_TMP/$name.sent.json" \
		--truth "$PC_TMP/truth-$name" --checks window,counts,statuses,backend,views \
		--views "$VIEWS"
fi
pc_end
