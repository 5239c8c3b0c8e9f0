# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""WSGI app for the uWSGI benchmark: /hello returns at once; /work runs
about 2 ms of Python (template-like string building and arithmetic)."""


def work():
    rows = []
    total = 0
    for i in range(9000):
        total += (i * i) % 97
        if i % 10 == 0:
            rows.append("<tr><td>%d</td><td>%d</td></tr>" % (i, total))
    return "".join(rows)


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/work":
        body = work().encode()
    else:
        body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
