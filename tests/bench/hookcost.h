/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/* Shared by hookcost.bpf.c and hookcost.c. */
#ifndef __HOOKCOST_H
#define __HOOKCOST_H

/* What the program does for the target's calls, besides being run. */
enum hookcost_mode {
	HOOKCOST_NOOP,
	HOOKCOST_KTIME,
	HOOKCOST_HASH,
	HOOKCOST_READ_USER,
	HOOKCOST_RING,
};

/* pycost's request record without its head, and its thread entry, are about this size */
#define HOOKCOST_RECORD 256
/* a short request head ("GET /x HTTP/1.1", Host) */
#define HOOKCOST_READ 64
/*
 * pycost's ring size: a larger ring leaves the caches, and each record then
 * costs several times more.  Room for every record of one timed loop (its
 * 8-byte headers included): none may fail for want of space.
 */
#define HOOKCOST_RING_BYTES (2 << 20)
#define HOOKCOST_MAX_CALLS  (HOOKCOST_RING_BYTES / (HOOKCOST_RECORD + 8))

#endif /* __HOOKCOST_H */
