# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Views of the Django test app; the same endpoints as flaskapp.py."""
import os

from django.db import connection
from django.http import HttpResponse

import workload


def view_light(request):
    return HttpResponse("light %d\n" % workload.light_work())


def view_heavy(request):
    return HttpResponse("heavy %d\n" % workload.heavy_work())


def view_user(request, uid):
    return HttpResponse("user %d %d\n" % (uid, workload.spin(5000)))


def view_db(request):
    # raw SQL through django.db (psycopg2 underneath)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_sleep(%s), 1", [workload.PG_SLEEP_S])
        row = cur.fetchone()
    return HttpResponse("db %d\n" % row[1])


def view_cache(request):
    return HttpResponse("cache %d\n" % workload.cache_roundtrips("django-%d" % os.getpid()))


def view_boom(request):
    raise RuntimeError("boom, as asked")


def view_hostile(request, name):
    return HttpResponse("hostile %s\n" % name)
