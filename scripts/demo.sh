#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make demo: a uWSGI + Flask service with a Redis backend, under load;
# pycost attaches to it without touching it, then prints the endpoint table
# and the top functions of the costliest endpoint, and writes the HTML
# report (build/demo.html).
set -eu
cd "$(dirname "$0")/.."
PYCOST=${PYCOST:-build/pycost}
PORT=${DEMO_PORT:-18080}
dir=$(mktemp -d)
redis_pid=""
uwsgi_pid=""
cleanup() {
	[ -n "$uwsgi_pid" ] && kill -INT "$uwsgi_pid" 2>/dev/null || true
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
	sleep 0.5
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
	redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
		--daemonize no >"$dir/redis.log" 2>&1 &
	redis_pid=$!
fi
uwsgi --plugin python3 --http-socket "127.0.0.1:$PORT" --chdir "$PWD/scripts" \
	--wsgi-file demo_app.py --callable app --master --processes 2 \
	--disable-logging --die-on-term >"$dir/uwsgi.log" 2>&1 &
uwsgi_pid=$!
for _ in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" \
		2>/dev/null && break
	sleep 0.2
done
echo "demo: uWSGI master $uwsgi_pid serving scripts/demo_app.py on 127.0.0.1:$PORT"
python3 scripts/demo_load.py "$PORT" 9 &
load=$!
sleep 1
echo "demo: pycost record --uwsgi $uwsgi_pid -d 5"
"$PYCOST" record --uwsgi "$uwsgi_pid" -d 5 -o "$dir/demo.pycost"
wait "$load"
echo
"$PYCOST" report "$dir/demo.pycost" --by endpoint
top=$("$PYCOST" report "$dir/demo.pycost" --by endpoint --format json |
	python3 -c 'import json, sys; e = json.load(sys.stdin)["endpoints"]; print(e[0]["endpoint"] if e else "")')
if [ -n "$top" ]; then
	echo
	echo "== top functions of the costliest endpoint, $top (pycost report --endpoint '$top')"
	"$PYCOST" report "$dir/demo.pycost" --endpoint "$top" --top 12 | sed -n '/self%/,$p'
fi
"$PYCOST" report "$dir/demo.pycost" --format html -o build/demo.html
echo
echo "demo: the whole capture as one page: open build/demo.html in a browser"
