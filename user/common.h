/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Definitions every user-space module shares: logging and small helpers.
 * Kernel typedefs stay out of user code; the ABI header uses __u32 & co.
 */
#ifndef PYCOST_COMMON_H
#define PYCOST_COMMON_H

#include <stdio.h>

#pragma GCC poison u8 u16 u32 u64 s8 s16 s32 s64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 0: errors only, 1: -v, 2: -vv (libbpf debug too) */
extern int pycost_verbose;

#define elog(fmt, ...) fprintf(stderr, "pycost: " fmt "\n", ##__VA_ARGS__)
#define vlog(fmt, ...)                                                                             \
	do {                                                                                       \
		if (pycost_verbose >= 1)                                                           \
			fprintf(stderr, "pycost: " fmt "\n", ##__VA_ARGS__);                       \
	} while (0)

/* Exit status for bad input and refused targets. */
#define PYCOST_EXIT_USAGE 2

#endif /* PYCOST_COMMON_H */
