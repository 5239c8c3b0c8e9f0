# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
# Helpers of the web-service end-to-end tests (tests/e2e/test_web_*.sh), on
# top of tests/e2e/lib.sh, which must be sourced first.  Safe under `set -u`.
#
#   web_begin NAME          pc_begin NAME --no-python, plus the exit trap that
#                           runs the web_at_exit commands (last first)
#   web_at_exit CMD         eval CMD at exit (stops a service)
#   web_need_cmd CMD PKG    SKIP the test (exit 0) unless CMD is installed
#   web_need_file F PKG     ... unless file F exists
#   web_need_py MOD PKG     ... unless Debian's python3 imports MOD
#   web_need_port PORT WHY  ... unless nothing listens on 127.0.0.1:PORT
#   web_free_port           prints a free TCP port
#   web_wait_port PORT S    waits until 127.0.0.1:PORT accepts connections
#   web_start_uwsgi NAME ARGS...   uWSGI (python3 plugin, master, die-on-term)
#   web_start_gunicorn NAME ARGS...
#   web_record NAME DURATION ARGS...  pycost record in the background, waits
#                           until it traces requests
#   web_record_wait NAME    waits for it; FAILs on a non-zero exit
#   web_reports NAME        writes NAME.endpoints.json and NAME.requests.jsonl
#   web_check SUFFIX ARGS   runs web/webcheck.py; one PASS/FAIL/SKIP per check

WEB_DIR=$PC_E2E/web
WEB_PY=/usr/bin/python3
WEB_CLEANUPS=()
WEB_REC_PID=
WEB_SERVER_PID=
WEB_ATTACH_TIMEOUT=${WEB_ATTACH_TIMEOUT:-20}

web_cleanup() {
	local i
	for ((i = ${#WEB_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${WEB_CLEANUPS[$i]}" >/dev/null 2>&1
	done
	WEB_CLEANUPS=()
}

web_at_exit() { WEB_CLEANUPS+=("$1"); }

web_begin() {
	pc_begin "$1" --no-python
	# services that drop privileges (postgres, memcached) live under PC_TMP
	chmod 711 "$PC_TMP"
	trap 'web_cleanup; pc_cleanup' EXIT
}

web_skip() {
	skip "$PC_TEST" "$1"
	exit 0
}

web_need_cmd() {
	command -v "$1" >/dev/null 2>&1 || web_skip "$1 not installed (Debian package $2)"
}

web_need_file() {
	[ -e "$1" ] || web_skip "$1 not found (Debian package $2)"
}

web_need_py() {
	"$WEB_PY" -c "import $1" >/dev/null 2>&1 ||
		web_skip "$WEB_PY cannot import $1 (Debian package $2)"
}

# Anything listening on PORT, on any address?
web_port_taken() {
	ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
	# without ss: try to bind it
	! "$WEB_PY" -c "import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1])))" "$1" 2>/dev/null
}

web_need_port() {
	if web_port_taken "$1"; then
		web_skip "port $1 is taken ($2 must listen there: pycost classifies backends by port)"
	fi
}

# web_free_port [ABOVE]: a free loopback port (above ABOVE, for a second one)
web_free_port() {
	"$WEB_PY" -c "import socket, sys
for p in range(max(20000 + __import__('os').getpid() % 5000, int(sys.argv[1]) + 1), 30000):
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break" "${1:-0}"
}

web_wait_port() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		"$WEB_PY" -c "import socket,sys
socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=1).close()" "$1" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Children of PID, one a line.
web_children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }

# web_wait_children PID N SECONDS: until PID has at least N children.
web_wait_children() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(web_children "$1" | grep -c .)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# web_kill_tree PID SIGNAL: signals PID, waits up to 10 s for it and its
# children to go, then SIGKILLs what is left.  Only pids of this test.
web_kill_tree() {
	local pid=$1 sig=${2:-TERM} kids i
	kids=$(web_children "$pid")
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	# shellcheck disable=SC2086 # one pid a word
	kill -KILL "$pid" $kids 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# web_start_uwsgi NAME ARGS...: uWSGI with the python3 plugin under a master
# that exits on SIGTERM, logging to $PC_TMP/NAME.log; WEB_SERVER_PID is the
# master.  Waits for the workers (--processes N, 2 by default).
web_start_uwsgi() {
	local name=$1 nproc=2 a
	shift
	for a in "$@"; do
		case $a in --processes=*) nproc=${a#*=} ;; esac
	done
	pc_bg "$PC_TMP/$name.log" uwsgi --plugin python3 --master --die-on-term \
		--need-app --disable-logging --chdir "$WEB_DIR" --pythonpath "$WEB_DIR" \
		--env "WEB_TRUTH_DIR=$PC_TMP/truth-$name" "$@"
	WEB_SERVER_PID=$PC_LAST_PID
	mkdir -p "$PC_TMP/truth-$name"
	web_at_exit "web_kill_tree $WEB_SERVER_PID INT"
	if ! web_wait_children "$WEB_SERVER_PID" "$nproc" 20; then
		fail "$PC_TEST" "uWSGI did not start $nproc workers: $(tail -n 3 "$PC_TMP/$name.log" | tr '\n' '|')"
		exit 1
	fi
}

# web_serve_uwsgi NAME PORT ARGS...: web_start_uwsgi NAME ARGS, then waits
# until PORT accepts; FAILs and exits if it does not within 15 s.
web_serve_uwsgi() {
	local name=$1 port=$2
	shift 2
	web_start_uwsgi "$name" "$@"
	if ! web_wait_port "$port" 15; then
		fail "$PC_TEST" "uWSGI does not accept on $port: $(tail -n 2 "$PC_TMP/$name.log" | tr '\n' '|')"
		pc_end
	fi
}

# web_start_gunicorn NAME ARGS...: like web_start_uwsgi, for gunicorn.
web_start_gunicorn() {
	local name=$1
	shift
	mkdir -p "$PC_TMP/truth-$name"
	pc_bg "$PC_TMP/$name.log" env "WEB_TRUTH_DIR=$PC_TMP/truth-$name" \
		gunicorn --chdir "$WEB_DIR" "$@"
	WEB_SERVER_PID=$PC_LAST_PID
	web_at_exit "web_kill_tree $WEB_SERVER_PID TERM"
}

# web_record NAME DURATION ARGS...: `pycost -v record -d DURATION -o
# $PC_TMP/NAME.pycost ARGS` in the background (WEB_REC_PID); returns when
# its stderr says requests are traced.  FAILs and exits if it does not.
web_record() {
	local name=$1 dur=$2 i
	shift 2
	rm -f "$PC_TMP/$name.pycost"
	pc_bg "$PC_TMP/$name.record.err" timeout -k 10 "$PC_CMD_TIMEOUT" \
		"$PYCOST" -v record -d "$dur" -o "$PC_TMP/$name.pycost" "$@"
	WEB_REC_PID=$PC_LAST_PID
	for ((i = 0; i < WEB_ATTACH_TIMEOUT * 10; i++)); do
		grep -q "requests on" "$PC_TMP/$name.record.err" 2>/dev/null && return 0
		if ! kill -0 "$WEB_REC_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	fail "$PC_TEST" "pycost record did not say 'requests on': $(grep -v '^\[pycost\] cpu' "$PC_TMP/$name.record.err" | head -n 3 | tr '\n' '|')"
	exit 1
}

# web_record_wait NAME: waits for the web_record job; 0 if it exited 0 and
# wrote the capture, else prints a FAIL and returns 1.
web_record_wait() {
	local name=$1 st=0
	pc_reap "$WEB_REC_PID" || st=$?
	WEB_REC_PID=
	if [ "$st" -ne 0 ]; then
		fail "${PC_TEST}[$name:record]" "pycost record exited $st: $(grep -v '^\[pycost\] cpu' "$PC_TMP/$name.record.err" | tail -n 3 | tr '\n' '|')"
		return 1
	fi
	if [ ! -s "$PC_TMP/$name.pycost" ]; then
		fail "${PC_TEST}[$name:record]" "pycost record wrote no capture"
		return 1
	fi
	return 0
}

# web_reports NAME: the endpoint (JSON) and request reports of NAME.pycost.
web_reports() {
	local name=$1 cap=$PC_TMP/$1.pycost st=0
	pc_run "$PC_TMP/$name.rep-ep.err" "$PYCOST" report "$cap" --by endpoint --format json \
		>"$PC_TMP/$name.endpoints.json" || st=$?
	if [ "$st" -ne 0 ]; then
		fail "${PC_TEST}[$name:report]" "report --by endpoint --format json exited $st: $(pc_first_line "$PC_TMP/$name.rep-ep.err")"
		return 1
	fi
	pc_run "$PC_TMP/$name.rep-rq.err" "$PYCOST" report "$cap" --by request \
		>"$PC_TMP/$name.requests.jsonl" || st=$?
	if [ "$st" -ne 0 ]; then
		fail "${PC_TEST}[$name:report]" "report --by request exited $st: $(pc_first_line "$PC_TMP/$name.rep-rq.err")"
		return 1
	fi
	return 0
}

# web_html NAME ENDPOINT: the HTML report of NAME's capture, drawn by headless
# Chromium with ENDPOINT selected, agrees with the JSON reports (check_html.sh).
web_html() {
	local out
	if ! command -v "${PC_CHROMIUM:-chromium}" >/dev/null; then
		skip "${PC_TEST}[$1:html]" "chromium is not installed (scripts/setup-deps.sh installs it)"
	elif out=$("$PC_E2E/check_html.sh" "$PYCOST" "$PC_TMP/$1.pycost" "$2" 2>&1); then
		pass "${PC_TEST}[$1:html]" "$out"
	else
		fail "${PC_TEST}[$1:html]" "$(tail -n 1 <<<"$out")"
	fi
}

# web_check PREFIX ARGS...: runs web/webcheck.py ARGS; each of its lines
#   ok CHECK: detail | bad CHECK: reason | skip CHECK: reason
# becomes PASS/FAIL/SKIP "${PC_TEST}[PREFIX:CHECK]" (or "${PC_TEST}[CHECK]").
web_check() {
	local prefix=$1 out st=0 line kind rest check detail label seen=0
	shift
	out=$("$WEB_PY" "$WEB_DIR/webcheck.py" "$@" 2>&1) || st=$?
	while IFS= read -r line; do
		kind=${line%% *}
		case $kind in ok | bad | skip) ;; *) continue ;; esac
		rest=${line#* }
		check=${rest%%: *}
		detail=${rest#*: }
		label="${PC_TEST}[${prefix:+$prefix:}$check]"
		seen=1
		case $kind in
		ok) pass "$label" "$detail" ;;
		bad) fail "$label" "$detail" ;;
		skip) skip "$label" "$detail" ;;
		esac
	done <<<"$out"
	if [ "$seen" -eq 0 ] || { [ "$st" -ne 0 ] && ! grep -q '^bad ' <<<"$out"; }; then
		fail "${PC_TEST}[${prefix:+$prefix:}webcheck]" "webcheck.py exited $st: $(tail -n 2 <<<"$out" | tr '\n' '|')"
	fi
}
