#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# pycost keeps up with a saturated server: a hello-world uWSGI (keep-alive,
# 2 workers) and pycost record share one CPU, which wrk on the other keeps
# busy after an idle start.  pycost's reader yields to the service while it
# keeps up, and must not yield so much that its ring overflows: no record
# dropped, and every request wrk completed is counted (up to one more per
# connection, answered as wrk stopped).
set -u
. "$(dirname "$0")/lib.sh"
. "$PC_E2E/web/weblib.sh"
web_begin web_saturated
web_need_cmd uwsgi uwsgi-core
web_need_cmd wrk wrk
web_need_file /usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3

mapfile -t cpus < <("$WEB_PY" -c 'import os; print(*sorted(os.sched_getaffinity(0)), sep="\n")')
if [ "${#cpus[@]}" -lt 2 ]; then
	web_skip "needs two CPUs (one for the server and pycost, one for wrk)"
fi
SERVER_CPU=${cpus[0]}
CLIENT_CPU=${cpus[1]}
CONNS=4
name=saturated

cpu_busy() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

port=$(web_free_port)
web_serve_uwsgi "$name" "$port" --http11-socket "127.0.0.1:$port" --processes 2 \
	--wsgi-file "$PC_ROOT/scripts/bench_app.py"
for pid in "$WEB_SERVER_PID" $(web_children "$WEB_SERVER_PID"); do
	taskset -a -p -c "$SERVER_CPU" "$pid" >/dev/null
done
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/hello" >/dev/null

pc_bg "$PC_TMP/$name.record.err" timeout -k 10 "$PC_CMD_TIMEOUT" taskset -c "$SERVER_CPU" \
	"$PYCOST" -v record -d 8 -o "$PC_TMP/$name.pycost" --uwsgi "$WEB_SERVER_PID"
rec=$PC_LAST_PID
for ((i = 0; i < WEB_ATTACH_TIMEOUT * 10; i++)); do
	grep -q "requests on" "$PC_TMP/$name.record.err" 2>/dev/null && break
	sleep 0.1
done
# idle first: the reader backs off, then the load comes all at once
sleep 2
b0=$(cpu_busy "$SERVER_CPU")
t0=$(date +%s%N)
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d4s "http://127.0.0.1:$port/hello" >"$PC_TMP/wrk.out"
busy=$((($(cpu_busy "$SERVER_CPU") - b0) * 1000000000 / $(getconf CLK_TCK) * 100 / ($(date +%s%N) - t0)))
sent=$(awk '/requests in/ { print $1 }' "$PC_TMP/wrk.out")
echo "  wrk: $sent requests in 4 s; CPU $SERVER_CPU (uWSGI and pycost) ${busy}% busy"
st=0
pc_reap "$rec" || st=$?
if [ "$st" -ne 0 ]; then
	fail "${PC_TEST}[record]" "pycost record exited $st: $(tail -n 2 "$PC_TMP/$name.record.err" | tr '\n' '|')"
	pc_end
fi
if ! pc_run "$PC_TMP/rep.err" "$PYCOST" report "$PC_TMP/$name.pycost" --by endpoint \
	--format json >"$PC_TMP/$name.json"; then
	fail "${PC_TEST}[report]" "$(pc_first_line "$PC_TMP/rep.err")"
	pc_end
fi
read -r drops seen < <("$WEB_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["meta"]["drops"], sum(e["requests"] for e in d["endpoints"] if e["endpoint"] == "GET /hello"))
' "$PC_TMP/$name.json")
if [ "$drops" -eq 0 ]; then
	pass "${PC_TEST}[drops]" "no record dropped at $((sent / 4)) requests/s"
else
	fail "${PC_TEST}[drops]" "$drops records dropped at $((sent / 4)) requests/s"
fi
if [ "$seen" -ge "$sent" ] && [ "$seen" -le $((sent + CONNS)) ]; then
	pass "${PC_TEST}[counts]" "$seen requests counted, wrk completed $sent"
else
	fail "${PC_TEST}[counts]" "$seen requests counted, wrk completed $sent"
fi
pc_end
