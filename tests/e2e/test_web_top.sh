#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# pycost top against uWSGI serving the Flask app, on a terminal that
# script(1) provides.  Without a terminal it refuses in one line (exit 2).
# With one it draws a frame a second, and its endpoint table covers the
# last --window seconds: while the client calls /light, /light is in it;
# once the client has called only /heavy for longer than the window, the
# last frame shows /heavy and no /light, and its function table counts only
# the window's samples: about window/elapsed of those received (samples of
# requests in flight are held back, a few), and its top function no more
# than the frame's own total.  q quits with status 0.
set -u
. "$(dirname "$0")/lib.sh"
. "$PC_E2E/web/weblib.sh"
web_begin web_top
web_need_cmd uwsgi uwsgi-core
web_need_cmd script bsdutils
web_need_file /usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3
web_need_py flask python3-flask

WINDOW=3
name=top

st=0
"$PYCOST" top -p $$ </dev/null >"$PC_TMP/notty.out" 2>&1 || st=$?
if [ "$st" -eq 2 ] && [ "$(wc -l <"$PC_TMP/notty.out")" -eq 1 ] &&
	grep -q "needs a terminal" "$PC_TMP/notty.out"; then
	pass "${PC_TEST}[no_terminal]" "exit 2: $(cat "$PC_TMP/notty.out")"
else
	fail "${PC_TEST}[no_terminal]" "exit $st: $(head -c 200 "$PC_TMP/notty.out" | tr '\n' '|')"
fi

port=$(web_free_port)
web_serve_uwsgi "$name" "$port" --http-socket "127.0.0.1:$port" --processes 2 \
	--wsgi-file flaskapp.py --callable app

# top's keyboard is a fifo, held open on fd 3 until q is written to it
mkfifo "$PC_TMP/top.in"
exec 3<>"$PC_TMP/top.in"
# not pc_bg: a background job's input would be /dev/null unless redirected on the job itself
timeout -k 5 "$PC_CMD_TIMEOUT" script -qfec \
	"$PYCOST top --uwsgi $WEB_SERVER_PID --window $WINDOW" /dev/null <&3 >"$PC_TMP/top.out" 2>&1 &
top_pid=$!
PC_BG_PIDS+=("$top_pid")
for ((i = 0; i < WEB_ATTACH_TIMEOUT * 10; i++)); do
	grep -q "pycost top" "$PC_TMP/top.out" 2>/dev/null && break
	sleep 0.1
done
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan light=1 --duration 2.5 \
	-o "$PC_TMP/$name.light.json" | sed 's/^/  light: /'
"$WEB_PY" "$WEB_DIR/client.py" load --port "$port" --plan heavy=1 --duration $((WINDOW + 3)) \
	-o "$PC_TMP/$name.heavy.json" | sed 's/^/  heavy: /'
printf q >&3
st=0
pc_reap "$top_pid" || st=$?
exec 3>&-
if [ "$st" -ne 0 ]; then
	fail "${PC_TEST}[quit]" "top (under script) exited $st after q: $(tail -c 300 "$PC_TMP/top.out" | tr '\r\n' '||')"
	pc_end
fi
pass "${PC_TEST}[quit]" "q ended top with status 0"

# frames start with the terminal's home-and-clear sequence
st=0
"$WEB_PY" - "$PC_TMP/top.out" "$WINDOW" >"$PC_TMP/top.checks" 2>&1 <<'EOF' || st=$?
import re
import sys

text = open(sys.argv[1], errors="replace").read().replace("\r", "")
window = sys.argv[2]
frames = [f for f in text.split("\x1b[H\x1b[J") if f.startswith("pycost top")]


def rows(frame, endpoint):
    return [l for l in frame.splitlines() if l.startswith(endpoint + " ")]


def say(ok, check, detail):
    print("%s %s %s" % ("ok" if ok else "bad", check, detail))


say(len(frames) >= 8, "frames", "%d frames drawn" % len(frames))
light = [i for i, f in enumerate(frames) if rows(f, "GET /light")]
say(bool(light), "window_has_light",
    "/light in %d frames" % len(light) if light else "no frame showed GET /light")
last = frames[-1] if frames else ""
say(bool(rows(last, "GET /heavy")) and not rows(last, "GET /light"), "window_moves",
    "last frame: %s" % " | ".join(l.split("  ")[0].strip() + " " + l.split()[2]
                                  for l in last.splitlines() if l.startswith("GET ")))
say("endpoints: last %ss, functions: last %ss" % (window, window) in last, "window_header",
    ([l for l in last.splitlines() if l.startswith("pycost top")] or ["no header"])[0])
m = re.search(r"samples +(\d+) in this report \((\d+) received\)", last)
e = re.search(r"pycost top +(\d+)s", last)
top_fn = re.search(r"^ *[\d.]+ +[\d.]+ +[\d.]+ \S+ +[\d.]+ \S+ +(\d+)  ", last.split(" self%", 1)[-1], re.M)
if m and e and top_fn:
    n, got, elapsed, first = int(m.group(1)), int(m.group(2)), int(e.group(1)), int(top_fn.group(1))
    say(0 < n <= got * (int(window) + 2) / elapsed and first <= n, "window_functions",
        "%d of %d samples received in %ds, top function %d" % (n, got, elapsed, first))
else:
    say(False, "window_functions", "no samples line, header or function row in the last frame")
EOF
if [ "$st" -ne 0 ] || [ "$(grep -c '^\(ok\|bad\) ' "$PC_TMP/top.checks")" -ne 5 ]; then
	fail "${PC_TEST}[frames]" "cannot check top's frames (exit $st): $(tail -n 1 "$PC_TMP/top.checks")"
	pc_end
fi
while read -r kind check detail; do
	case $kind in
	ok) pass "${PC_TEST}[$check]" "$detail" ;;
	*) fail "${PC_TEST}[$check]" "$detail" ;;
	esac
done <"$PC_TMP/top.checks"
pc_end
