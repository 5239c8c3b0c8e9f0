/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Helpers shared by the report writers (report_*.c), defined in report.c:
 * sample rows summed per stack and per process, human-scaled costs, frame
 * names and JSON strings.  Internal to the report module; the public API is
 * report.h.  Writers trust the profile's invariants (indices in range),
 * which the capture loader checks.
 */
#ifndef PYCOST_REPORT_UTIL_H
#define PYCOST_REPORT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

/* The sample rows of one stack, summed over processes and threads. */
struct report_stack {
	uint32_t stack;	 /* index into profile.stacks */
	uint64_t count;	 /* samples */
	uint64_t weight; /* in meta.unit */
};

/* The sample rows of one process, summed over stacks and threads. */
struct report_pid {
	uint32_t pid;
	uint64_t count;
	uint64_t weight;
};

/* NULL-safe view of an optional string: meta strings stay NULL until set. */
static inline const char *report__str(const char *s)
{
	return s ? s : "";
}

/*
 * Fills *out with one entry per stack that has a non-empty sample row, sorted
 * by weight descending (ties: stack index).  Caller frees *out.  Returns the
 * number of entries or -ENOMEM.
 */
int report__stack_totals(const struct profile *p, struct report_stack **out);

/* Like report__stack_totals, per pid, sorted by pid ascending. */
int report__pid_totals(const struct profile *p, struct report_pid **out);

/* The entry of pid in a report__pid_totals array, or NULL. */
const struct report_pid *report__find_pid(const struct report_pid *t, int n, uint32_t pid);

/* True when the profile's unit is nanoseconds (the cpu metric). */
bool report__is_ns(const struct profile *p);

/* Index of the nearest-rank percentile q (0-100) among n sorted values (n > 0). */
static inline size_t report__rank(size_t n, unsigned int q)
{
	size_t rank = (n * q + 99) / 100;

	return rank ? rank - 1 : 0;
}

/* 100 * part / whole, or 0 when whole is 0 (keeps NaN out of every format). */
double report__pct(uint64_t part, uint64_t whole);

/* Formats v, in unit, human-scaled into buf: "750 ns", "3.00 ms", "1.50 s", "12.3 G". */
void report__fmt_cost(char *buf, size_t size, uint64_t v, const char *unit);

/*
 * Writes fn as `qualname (file:line)`; `qualname (file)` when line is 0 and
 * just `qualname` for pseudo frames (empty filename).  ';' and control
 * characters become '_', so one frame is always one folded field on one line.
 */
void report__put_frame(FILE *out, const struct pc_function *fn, int line);

/* Length (1-4) of the valid UTF-8 sequence starting at s, or 0 if s starts none. */
int report__utf8_seq(const char *s);

/*
 * Writes s as a JSON string literal, or null when s is NULL.  Valid UTF-8
 * passes through; bytes that start no valid sequence become U+FFFD, because
 * strict readers (Python's json) reject the whole file otherwise.
 */
void report__json_str(FILE *out, const char *s);

/* The table report's header block (metric, duration, samples, processes, requests, drops). */
int report__table_header(const struct profile *p, FILE *out);

/* The "meta" object of the JSON reports: capture metadata, processes and their labels. */
void report__json_meta(const struct profile *p, FILE *out);

#endif /* PYCOST_REPORT_UTIL_H */
