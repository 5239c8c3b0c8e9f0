# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""The demo service: a small Flask app with endpoints of different cost and
a Redis backend, served by uWSGI in `make demo`."""
import hashlib
import json

import redis
from flask import Flask, abort

app = Flask(__name__)
cache = redis.Redis(host="127.0.0.1", port=6379)

PRODUCTS = [{"id": i, "name": "product %d" % i, "price": i * 1.5} for i in range(200)]


def render_json(obj):
    return json.dumps(obj, sort_keys=True)


def score(product, query):
    h = hashlib.sha256((product["name"] + query).encode()).digest()
    return sum(h) / (1 + product["price"])


@app.route("/health")
def health():
    return "ok"


@app.route("/products/<int:pid>")
def product(pid):
    if pid >= len(PRODUCTS):
        abort(404)
    key = "product:%d" % pid
    hit = cache.get(key)
    if hit is None:
        hit = render_json(PRODUCTS[pid])
        cache.set(key, hit)
    return hit


@app.route("/search")
def search():
    ranked = sorted(PRODUCTS, key=lambda p: score(p, "demo"), reverse=True)
    return render_json(ranked[:10])


@app.route("/report")
def report():
    total = 0
    for _ in range(20):
        for p in PRODUCTS:
            total += score(p, "report")
    return render_json({"total": total})
