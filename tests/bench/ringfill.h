/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/* Shared by ringfill.bpf.c and ringfill.c. */
#ifndef __RINGFILL_H
#define __RINGFILL_H

/* frames per sample record: a web view's stack under its framework */
#define RINGFILL_DEPTH 24
/* distinct stacks */
#define RINGFILL_SHAPES 2048
/* frames per call level: a level's code objects are shared by 2^level shapes */
#define RINGFILL_LEVEL	   4
#define RINGFILL_LEVELS	   (RINGFILL_DEPTH / RINGFILL_LEVEL)
#define RINGFILL_CODE_BASE 0x7f0000000000ULL
/* a sample record's bytes (pycost.h first) */
#define RINGFILL_SAMPLE_BYTES                                                                      \
	(offsetof(struct pycost_sample, frames) + RINGFILL_DEPTH * sizeof(struct pycost_frame))

struct ringfill_args {
	__u32 count; /* records to write in this run */
	__u32 pad;
	__u64 seq; /* where in the shapes (or codes) this run starts */
};

#endif /* __RINGFILL_H */
