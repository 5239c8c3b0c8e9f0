# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""CPU work inside a generator and inside a coroutine.

    python gens.py SECONDS

First half: consumer() iterates gen_worker(), which computes between yields
(stack: consumer -> gen_worker).  Second half: asyncio runs coro_driver(),
which awaits coro_worker(), which computes between `await asyncio.sleep(0)`
(stack: ... -> coro_driver -> coro_worker).
"""
import asyncio
import sys
import time


def gen_worker(chunks, chunk):
    for _ in range(chunks):
        acc = 0
        for i in range(chunk):
            acc = (acc * 31 + i) % 1000003
        yield acc


def consumer(seconds):
    deadline = time.monotonic() + seconds
    total = 0
    while time.monotonic() < deadline:
        for v in gen_worker(20, 20000):
            total ^= v
    return total


async def coro_worker(chunks, chunk):
    acc = 0
    for _ in range(chunks):
        for i in range(chunk):
            acc = (acc * 31 + i) % 1000003
        await asyncio.sleep(0)
    return acc


async def coro_driver(seconds):
    deadline = time.monotonic() + seconds
    total = 0
    while time.monotonic() < deadline:
        total ^= await coro_worker(20, 20000)
    return total


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    consumer(seconds / 2)
    asyncio.run(coro_driver(seconds / 2))
    print("gens: done")


if __name__ == "__main__":
    main()
