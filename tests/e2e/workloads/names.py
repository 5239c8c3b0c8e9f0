# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Functions whose names need each CPython string kind: café (UCS1, Latin-1),
計算 (UCS2) and 𝔣𝔲𝔫𝔠 (UCS4).  Python NFKC-normalizes identifiers, so a
`def 𝔣𝔲𝔫𝔠` would be named "func": that one is a copy of _ucs4_template
whose code object is renamed (co_name, and co_qualname on 3.11+).  The test
copies this file into a directory with a non-ASCII name.

    python names.py SECONDS TRUTH.json

Each function spins for a third of SECONDS.  TRUTH.json gets the names and
first lines of the three functions and the module's co_filename.
"""
import json
import sys
import time
import types

UCS4_NAME = "\U0001d523\U0001d532\U0001d52b\U0001d520"  # 𝔣𝔲𝔫𝔠, not an NFKC identifier


def café(seconds):
    deadline = time.monotonic() + seconds
    acc = 0
    while time.monotonic() < deadline:
        for i in range(1000):
            acc = (acc * 31 + i) % 1000003
    return acc


def 計算(seconds):
    deadline = time.monotonic() + seconds
    acc = 0
    while time.monotonic() < deadline:
        for i in range(1000):
            acc = (acc * 31 + i) % 1000003
    return acc


def _ucs4_template(seconds):
    deadline = time.monotonic() + seconds
    acc = 0
    while time.monotonic() < deadline:
        for i in range(1000):
            acc = (acc * 31 + i) % 1000003
    return acc


def renamed(func, name):
    changes = {"co_name": name}
    if sys.version_info >= (3, 11):
        changes["co_qualname"] = name
    code = func.__code__.replace(**changes)
    return types.FunctionType(code, func.__globals__, name, func.__defaults__, func.__closure__)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    truth_path = sys.argv[2] if len(sys.argv) > 2 else "names-truth.json"
    funcs = [café, 計算, renamed(_ucs4_template, UCS4_NAME)]
    for f in funcs:
        f(seconds / len(funcs))
    code = [f.__code__ for f in funcs]
    with open(truth_path, "w", encoding="utf-8") as out:
        json.dump({"file": code[0].co_filename,
                   "functions": [{"qualname": getattr(c, "co_qualname", c.co_name),
                                  "firstlineno": c.co_firstlineno} for c in code],
                   "absent": [_ucs4_template.__code__.co_name]}, out, ensure_ascii=False)
    print("names: done")


if __name__ == "__main__":
    main()
