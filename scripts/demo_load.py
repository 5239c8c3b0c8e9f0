# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Load for the demo service: two client threads, a fixed mix of endpoints,
for the given number of seconds against 127.0.0.1:PORT.  Prints what it sent."""
import http.client
import sys
import threading
import time

PORT = int(sys.argv[1])
SECONDS = float(sys.argv[2])
MIX = ["/health", "/products/7", "/products/42", "/search", "/products/999",
       "/health", "/report", "/products/3"]
sent = {}
lock = threading.Lock()


def worker(offset):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    end = time.time() + SECONDS
    i = offset
    while time.time() < end:
        path = MIX[i % len(MIX)]
        i += 1
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            continue
        with lock:
            sent[path] = sent.get(path, 0) + 1


threads = [threading.Thread(target=worker, args=(k * 3,)) for k in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("demo load sent: " + ", ".join("%s x%d" % kv for kv in sorted(sent.items())))
