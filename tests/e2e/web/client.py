#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Load generator and hostile client of the web end-to-end tests.

Raw sockets to 127.0.0.1 only, one connection per request (Connection:
close) unless --keepalive asks for several on one connection.  It writes
what it sent and what came back as JSON:

  {"proto": "http"|"uwsgi", "started_ns": ..., "ended_ns": ...,
   "sent": [{"method", "path", "endpoint", "status", "start_ns", "end_ns",
             "error"}...],
   "counts": {"GET /light": n, ...},          # per expected endpoint
   "statuses": {"GET /light": {"200": n}, ...}}

status is the status code the server answered (0 when no status line came
back; error then says why).

  client.py load --port P [--proto http|uwsgi] --plan light=40,heavy=20,...
                 [--concurrency N] [--seed S] [--duration SECONDS]
                 [--keepalive N] [--pause SECONDS] -o FILE
      --plan NAME=COUNT: light, heavy, users (random /users/<id>), db, cache,
      missing, boom, or any /literal/path.  Sent in a shuffled order.  With
      --duration the plan is a weighted mix repeated until the time is up
      (counts then say what was really sent).  --keepalive N sends N requests
      on each HTTP/1.1 keep-alive connection (the last says Connection: close).

  client.py hostile --port P --case garbage|bighead|slow|reset|pipeline -o FILE
      garbage   256 random bytes, then waits for the server to close
      bighead   GET /hostile/bighead with a 64 KiB header
      slow      GET /hostile/slow written 2 bytes at a time, 15 ms apart
      reset     half a head of GET /hostile/reset, then RST (SO_LINGER 0)
      pipeline  GET /hostile/pipe_a and GET /hostile/pipe_b in one write

Exit status 0 unless the client itself could not run (a refused connection is
recorded, not fatal).
"""
import argparse
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
TIMEOUT = 20.0

SHORT = {
    "light": "/light",
    "heavy": "/heavy",
    "db": "/db",
    "cache": "/cache",
    "missing": "/missing",
    "boom": "/boom",
}


def endpoint_of(method, path):
    """The endpoint pycost is expected to name: ids become {n}."""
    path = path.split("?", 1)[0]
    segs = ["{n}" if re.fullmatch(r"[0-9]+", s) else s for s in path.split("/")]
    return "%s %s" % (method, "/".join(segs))


def http_request(method, path, keepalive=False):
    return (
        "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pycost-e2e\r\n"
        "Accept: */*\r\nConnection: %s\r\n\r\n"
        % (method, path, HOST, "keep-alive" if keepalive else "close")
    ).encode()


def uwsgi_packet(method, path, port):
    """A uwsgi protocol request: modifier1 0, u16 LE size, modifier2 0, vars."""
    path_info, _, query = path.partition("?")
    env = [
        ("REQUEST_METHOD", method),
        ("PATH_INFO", path_info),
        ("REQUEST_URI", path),
        ("QUERY_STRING", query),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("SERVER_NAME", HOST),
        ("SERVER_PORT", str(port)),
        ("HTTP_HOST", HOST),
    ]
    body = b""
    for k, v in env:
        kb, vb = k.encode(), v.encode()
        body += struct.pack("<H", len(kb)) + kb + struct.pack("<H", len(vb)) + vb
    return struct.pack("<BHB", 0, len(body), 0) + body


def read_all(sock):
    chunks = []
    while True:
        try:
            b = sock.recv(65536)
        except (ConnectionResetError, socket.timeout, OSError):
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def read_response(sock, buf, eof_ok=False):
    """One HTTP/1.x response: (status, leftover bytes).  Its body is its
    Content-Length, or (eof_ok) whatever comes until the server closes.
    status 0 if no complete head came back."""
    while b"\r\n\r\n" not in buf:
        try:
            b = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            b = b""
        if not b:
            return 0, b""
        buf += b
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*([0-9]+)", head)
    if not m:
        if not eof_ok:
            raise OSError("keep-alive response without Content-Length")
        read_all(sock)
        return status_of(head), b""
    n = int(m.group(1))
    while len(rest) < n:
        b = sock.recv(65536)
        if not b:
            return 0, b""
        rest += b
    return status_of(head), rest[n:]


def keepalive_requests(port, paths):
    """Sends paths one after the other on one HTTP/1.1 keep-alive connection;
    the last one says Connection: close."""
    recs = []
    try:
        s = connect(port)
    except OSError as e:
        return [{"method": "GET", "path": p, "endpoint": endpoint_of("GET", p), "status": 0,
                 "error": "connect: %s" % e, "start_ns": time.time_ns(),
                 "end_ns": time.time_ns()} for p in paths]
    buf = b""
    try:
        for i, p in enumerate(paths):
            rec = {"method": "GET", "path": p, "endpoint": endpoint_of("GET", p),
                   "status": 0, "error": "", "start_ns": time.time_ns()}
            recs.append(rec)
            try:
                s.sendall(http_request("GET", p, keepalive=i < len(paths) - 1))
                rec["status"], buf = read_response(s, buf)
                if not rec["status"]:
                    rec["error"] = "connection closed before the response"
            except OSError as e:
                rec["error"] = "%s: %s" % (type(e).__name__, e)
            rec["end_ns"] = time.time_ns()
            if not rec["status"]:
                break
    finally:
        s.close()
    for p in paths[len(recs):]:
        recs.append({"method": "GET", "path": p, "endpoint": endpoint_of("GET", p),
                     "status": 0, "error": "not sent: the connection broke",
                     "start_ns": time.time_ns(), "end_ns": time.time_ns()})
    return recs


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] ([0-9]{3})", resp)
    return int(m.group(1)) if m else 0


def connect(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def one_request(port, proto, method, path):
    rec = {"method": method, "path": path, "endpoint": endpoint_of(method, path),
           "status": 0, "error": "", "start_ns": time.time_ns()}
    try:
        s = connect(port)
        try:
            if proto == "uwsgi":
                s.sendall(uwsgi_packet(method, path, port))
            else:
                s.sendall(http_request(method, path))
            # a response with a Content-Length is complete without waiting
            # for the server to close (uWSGI's --http11-socket keeps the
            # connection open despite Connection: close)
            rec["status"], _ = read_response(s, b"", eof_ok=True)
        finally:
            s.close()
        if not rec["status"]:
            rec["error"] = "no complete response head came back"
    except OSError as e:
        rec["error"] = "%s: %s" % (type(e).__name__, e)
    rec["end_ns"] = time.time_ns()
    return rec


def parse_plan(text):
    plan = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, count = item.partition("=")
        plan.append((name, int(count or "1")))
    return plan


def path_for(name, rng):
    if name == "users":
        return "/users/%d" % rng.randint(1, 99999)
    if name in SHORT:
        return SHORT[name]
    if name.startswith("/"):
        return name
    raise SystemExit("client.py: unknown plan item %r" % name)


def summarise(recs, proto, started, out):
    counts, statuses = {}, {}
    for r in recs:
        counts[r["endpoint"]] = counts.get(r["endpoint"], 0) + 1
        st = statuses.setdefault(r["endpoint"], {})
        st[str(r["status"])] = st.get(str(r["status"]), 0) + 1
    doc = {"proto": proto, "started_ns": started, "ended_ns": time.time_ns(),
           "sent": recs, "counts": counts, "statuses": statuses}
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, out)
    return doc


def cmd_load(a):
    rng = random.Random(a.seed)
    plan = parse_plan(a.plan)
    recs, lock = [], threading.Lock()
    started = time.time_ns()

    if a.duration:
        names = [n for n, c in plan for _ in range(c)]
        deadline = time.monotonic() + a.duration

        def next_path():
            with lock:
                if time.monotonic() >= deadline:
                    return None
                return path_for(rng.choice(names), rng)
    else:
        queue = [path_for(n, rng) for n, c in plan for _ in range(c)]
        rng.shuffle(queue)
        queue.reverse()

        def next_path():
            with lock:
                return queue.pop() if queue else None

    def worker():
        while True:
            if a.keepalive > 1:
                batch = []
                while len(batch) < a.keepalive:
                    p = next_path()
                    if p is None:
                        break
                    batch.append(p)
                if not batch:
                    return
                rs = keepalive_requests(a.port, batch)
                with lock:
                    recs.extend(rs)
                continue
            p = next_path()
            if p is None:
                return
            r = one_request(a.port, a.proto, "GET", p)
            with lock:
                recs.append(r)
            if a.pause:
                time.sleep(a.pause)

    threads = [threading.Thread(target=worker) for _ in range(max(1, a.concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recs.sort(key=lambda r: r["start_ns"])
    doc = summarise(recs, a.proto, started, a.output)
    bad = [r for r in recs if r["error"]]
    print("client: %d requests in %.1fs, %d without a status%s" % (
        len(recs), (doc["ended_ns"] - started) / 1e9, len(bad),
        (": " + bad[0]["path"] + " " + bad[0]["error"]) if bad else ""))
    return 0


def hostile_case(port, case):
    rec = {"case": case, "method": "", "path": "", "endpoint": "", "status": 0,
           "error": "", "start_ns": time.time_ns(), "bytes_back": 0}
    try:
        s = connect(port)
        try:
            if case == "garbage":
                rng = random.Random(1234)
                data = bytes(rng.randrange(256) for _ in range(256))
                # never a plausible uwsgi packet nor an HTTP method
                data = b"\xff\xfe\x00\x01" + data[4:]
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            elif case == "bighead":
                rec.update(method="GET", path="/hostile/bighead")
                head = (b"GET /hostile/bighead HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                        + b"a" * 65536 + b"\r\nConnection: close\r\n\r\n")
                try:
                    s.sendall(head)
                except OSError as e:  # the server may close before reading it all
                    rec["error"] = "send: %s" % e
            elif case == "slow":
                rec.update(method="GET", path="/hostile/slow")
                head = http_request("GET", "/hostile/slow")
                for i in range(0, len(head), 2):
                    s.sendall(head[i:i + 2])
                    time.sleep(0.015)
            elif case == "reset":
                rec.update(method="GET", path="/hostile/reset")
                head = http_request("GET", "/hostile/reset")
                s.sendall(head[: len(head) // 2])
                time.sleep(0.3)  # let the server read the half
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                rec["end_ns"] = time.time_ns()
                rec["error"] = "reset by the client"
                return rec
            elif case == "pipeline":
                rec.update(method="GET", path="/hostile/pipe_a")
                s.sendall(http_request("GET", "/hostile/pipe_a").replace(
                    b"Connection: close", b"Connection: keep-alive")
                    + http_request("GET", "/hostile/pipe_b"))
            else:
                raise SystemExit("client.py: unknown case %r" % case)
            resp = read_all(s)
        finally:
            s.close()
        rec["bytes_back"] = len(resp)
        rec["status"] = status_of(resp)
        rec["statuses_back"] = [int(x) for x in re.findall(rb"HTTP/1\.[01] ([0-9]{3})", resp)]
    except OSError as e:
        rec["error"] = "%s: %s" % (type(e).__name__, e)
    rec["end_ns"] = time.time_ns()
    if rec["path"]:
        rec["endpoint"] = endpoint_of(rec["method"], rec["path"])
    return rec


def cmd_hostile(a):
    recs = []
    for case in a.case.split(","):
        for _ in range(a.repeat):
            recs.append(hostile_case(a.port, case))
    tmp = a.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"hostile": recs}, f, indent=1, sort_keys=True)
    os.replace(tmp, a.output)
    for r in recs:
        print("hostile %s: status %s, %d bytes back%s" % (
            r["case"], r["status"], r["bytes_back"],
            ", " + r["error"] if r["error"] else ""))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("--port", type=int, required=True)
    lo.add_argument("--proto", choices=("http", "uwsgi"), default="http")
    lo.add_argument("--plan", required=True)
    lo.add_argument("--concurrency", type=int, default=1)
    lo.add_argument("--seed", type=int, default=1)
    lo.add_argument("--duration", type=float, default=0)
    lo.add_argument("--pause", type=float, default=0)
    lo.add_argument("--keepalive", type=int, default=1,
                    help="requests per HTTP/1.1 keep-alive connection (http only)")
    lo.add_argument("-o", "--output", required=True)
    ho = sub.add_parser("hostile")
    ho.add_argument("--port", type=int, required=True)
    ho.add_argument("--case", required=True)
    ho.add_argument("--repeat", type=int, default=1)
    ho.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    return cmd_load(a) if a.cmd == "load" else cmd_hostile(a)


if __name__ == "__main__":
    sys.exit(main())
