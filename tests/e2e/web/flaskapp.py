# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Flask test app of the web end-to-end tests (uWSGI and gunicorn).

  /light          LIGHT_N iterations of pure Python
  /heavy          exactly 4x the work of /light
  /users/<int>    a little work, an id in the path
  /db             SELECT pg_sleep(0.005), 1 on PostgreSQL (127.0.0.1:5432)
  /cache          set/get round trips on memcached (11211) and Redis (6379)
  /boom           raises: 500
  /hostile/<name> 200, used by the hostile-input cases
  anything else   404

`app` is wrapped in TruthMiddleware (see truth.py).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from flask import Flask  # noqa: E402

import workload  # noqa: E402
from truth import TruthMiddleware  # noqa: E402

flask_app = Flask(__name__)


@flask_app.route("/light")
def view_light():
    return "light %d\n" % workload.light_work()


@flask_app.route("/heavy")
def view_heavy():
    return "heavy %d\n" % workload.heavy_work()


@flask_app.route("/users/<int:uid>")
def view_user(uid):
    return "user %d %d\n" % (uid, workload.spin(5000))


@flask_app.route("/db")
def view_db():
    return "db %d\n" % workload.db_query_psycopg2()


@flask_app.route("/cache")
def view_cache():
    return "cache %d\n" % workload.cache_roundtrips("flask-%d" % os.getpid())


@flask_app.route("/boom")
def view_boom():
    raise RuntimeError("boom, as asked")


@flask_app.route("/hostile/<name>")
def view_hostile(name):
    return "hostile %s\n" % name


flask_app.wsgi_app = TruthMiddleware(flask_app.wsgi_app)
app = flask_app
application = flask_app
