#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Hostile clients against uWSGI (--http-socket, 2 workers) while good
# requests flow: binary garbage, a 64 KiB header, a head written 2 bytes at
# a time (slow client), a reset (RST) in the middle of a head, and two
# requests pipelined in one write.  pycost record --uwsgi must exit 0, the
# workers must still be alive, the good requests must be counted exactly,
# and each hostile case must show up as it should: garbage as [malformed],
# the 64 KiB head and the reset as aborted (or malformed) requests of their
# endpoints, the slow head as one complete request, the pipelined pair as
# the request(s) the server answered.
set -u
. "$(dirname "$0")/lib.sh"
. "$PC_E2E/web/weblib.sh"
web_begin web_badinput
web_need_cmd uwsgi uwsgi-core
web_need_file /usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3
web_need_py flask python3-flask

DURATION=15
name=bad
CASES=garbage,bighead,slow,reset,pipeline

port=$(web_free_port)
web_serve_uwsgi "$name" "$port" --http-socket "127.0.0.1:$port" --processes 2 \
	--wsgi-file flaskapp.py --callable app
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan light=4,users=4 --concurrency 2 \
	-o "$PC_TMP/$name.warmup.json" >/dev/null
workers=$(web_children "$WEB_SERVER_PID" | sort -n | tr '\n' ' ')
web_record "$name" "$DURATION" --uwsgi "$WEB_SERVER_PID"

# good traffic, paced so that it overlaps every hostile case
pc_bg "$PC_TMP/$name.good.out" "$WEB_PY" "$WEB_DIR/client.py" load --port "$port" \
	--plan light=40,users=40,missing=10 --pause 0.05 --seed 5 -o "$PC_TMP/$name.sent.json"
good=$PC_LAST_PID
sleep 0.3
"$WEB_PY" "$WEB_DIR/client.py" hostile --port "$port" --case "$CASES" --repeat 2 \
	-o "$PC_TMP/$name.hostile.json" | sed 's/^/  /'
pc_reap "$good" || fail "${PC_TEST}[good-client]" "good client failed: $(tail -n 2 "$PC_TMP/$name.good.out" | tr '\n' '|')"
sed 's/^/  /' "$PC_TMP/$name.good.out"

if web_record_wait "$name"; then
	pass "${PC_TEST}[record]" "pycost record exited 0"
	if web_reports "$name"; then
		web_check "" hostile --endpoints "$PC_TMP/$name.endpoints.json" \
			--requests "$PC_TMP/$name.requests.jsonl" --sent "$PC_TMP/$name.sent.json" \
			--hostile "$PC_TMP/$name.hostile.json"
	fi
fi

# the workers that served before are the ones alive now: none crashed
dead=
for w in $workers; do
	kill -0 "$w" 2>/dev/null || dead="$dead $w"
done
now=$(web_children "$WEB_SERVER_PID" | sort -n | tr '\n' ' ')
if ! kill -0 "$WEB_SERVER_PID" 2>/dev/null; then
	fail "${PC_TEST}[workers]" "the uWSGI master died"
elif [ -n "$dead" ]; then
	fail "${PC_TEST}[workers]" "workers$dead died (workers now: $now)"
else
	pass "${PC_TEST}[workers]" "workers $workers still alive"
fi
pc_end
