# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""The work and the backend calls shared by the Flask and Django test apps.

/heavy does exactly HEAVY_TIMES times the pure-Python work of /light.
Backend connections are opened per request (like Django's default
CONN_MAX_AGE = 0), so that each one's connect() happens while pycost traces.
"""
import os

LIGHT_N = int(os.environ.get("WEB_LIGHT_N", "80000"))
HEAVY_TIMES = 4
PG_SLEEP_S = 0.005
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
CACHE_ROUNDS = 3


def spin(n):
    s = 0
    for i in range(n):
        s += i * i % 7
    return s


def light_work():
    return spin(LIGHT_N)


def heavy_work():
    s = 0
    for _ in range(HEAVY_TIMES):
        s += spin(LIGHT_N)
    return s


def db_query_psycopg2():
    import psycopg2

    conn = psycopg2.connect(PG_DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_sleep(%s), 1", (PG_SLEEP_S,))
            return cur.fetchone()[1]
    finally:
        conn.close()


def cache_roundtrips(key):
    """CACHE_ROUNDS set/get round trips each on memcached and on Redis."""
    from pymemcache.client.base import Client
    import redis

    mc = Client(("127.0.0.1", 11211), connect_timeout=5, timeout=5, no_delay=True)
    rd = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=5)
    try:
        n = 0
        for i in range(CACHE_ROUNDS):
            mc.set(key, b"v%d" % i)
            n += mc.get(key) is not None
            rd.set(key, b"v%d" % i)
            n += rd.get(key) is not None
        return n
    finally:
        mc.close()
        rd.close()
        rd.connection_pool.disconnect()
