# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Ground truth of the web test apps, measured by the app itself.

TruthMiddleware wraps a WSGI callable.  When the environment variable
WEB_TRUTH_DIR names a directory, every request appends one line

    pid path status thread_time_ns start_time_ns gap_cpu_ns worker_id

to WEB_TRUTH_DIR/truth.<pid>, where thread_time_ns is time.thread_time_ns()
measured around the whole WSGI call, including iterating the response body
and closing it, and start_time_ns is time.time_ns() when the call began.
The line is written after the measurement, so the write is not counted.

gap_cpu_ns is the thread's CPU time from the end of its previous request's
measurement to the start of this call (-1 for a thread's first request):
what the server and this wrapper spent in between (writing the previous
line, closing the previous connection, accepting, reading and parsing this
head, building the environ).  A profiler that cuts requests from the socket
syscalls legitimately counts the part of it after this request's first
read, and of the next request's gap the part before the thread turns to
waiting, so the two gaps bound how much more than thread_time_ns such a
profiler may see.

worker_id is uWSGI's own id of the worker (uwsgi.worker_id()), "-" outside
uWSGI.
"""
import os
import threading
import time

try:
    import uwsgi  # only importable inside uWSGI
except ImportError:
    uwsgi = None

# thread ident -> thread_time_ns when its previous request's line was written
_last_end = {}


class _Body:
    """The app's response iterable, timed until the server closes it."""

    def __init__(self, owner, body, path, start_ns, cpu0, status, gap_ns):
        self._owner = owner
        self._body = body
        self._path = path
        self._start_ns = start_ns
        self._cpu0 = cpu0
        self._status = status
        self._gap_ns = gap_ns
        self._done = False

    def __iter__(self):
        return iter(self._body)

    def close(self):
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if not self._done:
                self._done = True
                end = time.thread_time_ns()
                # the next gap starts here: writing the line is the wrapper's, not the app's
                _last_end[threading.get_ident()] = end
                self._owner.record(self._path, self._status, end - self._cpu0, self._start_ns,
                                   self._gap_ns)


class TruthMiddleware:
    def __init__(self, app, directory=None):
        self.app = app
        self.dir = directory if directory is not None else os.environ.get("WEB_TRUTH_DIR", "")

    def record(self, path, status, cpu_ns, start_ns, gap_ns):
        pid = os.getpid()
        status = status[0] if status else "none"
        # no spaces in the path field
        path = path.replace(" ", "%20") or "/"
        with open(os.path.join(self.dir, "truth.%d" % pid), "a") as f:
            f.write("%d %s %s %d %d %d %s\n" % (pid, path, status, cpu_ns, start_ns, gap_ns,
                                                  uwsgi.worker_id() if uwsgi else "-"))

    def __call__(self, environ, start_response):
        if not self.dir:
            return self.app(environ, start_response)
        start_ns = time.time_ns()
        cpu0 = time.thread_time_ns()
        last = _last_end.get(threading.get_ident())
        gap_ns = cpu0 - last if last is not None else -1
        status = []

        def sr(st, headers, exc_info=None):
            status[:] = [st.split(" ", 1)[0]]
            return start_response(st, headers, exc_info)

        path = environ.get("PATH_INFO", "")
        try:
            body = self.app(environ, sr)
        except BaseException:
            self.record(path, ["exception"], time.thread_time_ns() - cpu0, start_ns, gap_ns)
            raise
        return _Body(self, body, path, start_ns, cpu0, status, gap_ns)
