/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Report writers: turn a loaded profile into the formats users already read.
 * Each writer returns 0 or a negative errno and writes nothing to stderr;
 * the caller reports errors once.
 */
#ifndef PYCOST_REPORT_H
#define PYCOST_REPORT_H

#include <stdio.h>

#include "profile.h"

enum report_format {
	REPORT_TABLE,
	REPORT_FOLDED,
	REPORT_PPROF,
	REPORT_PSTATS,
	REPORT_SPEEDSCOPE,
	REPORT_JSON,
	REPORT_HTML,
};

enum report_by {
	REPORT_BY_FUNCTION,
	REPORT_BY_STACK,
	REPORT_BY_ENDPOINT,
	REPORT_BY_REQUEST,
};

struct report_opts {
	enum report_format format;
	enum report_by by;
	int top; /* rows in tables, 0 = all */
};

/* Parses a --format / --by value. 0 or -EINVAL. */
int report__parse_format(const char *s, enum report_format *out);
int report__parse_by(const char *s, enum report_by *out);

/* Writes p in o->format to out. 0 or -errno. */
int report__write(const struct profile *p, const struct report_opts *o, FILE *out);

/* Per-format writers, dispatched by report__write. */
int report_table(const struct profile *p, const struct report_opts *o, FILE *out);
int report_folded(const struct profile *p, const struct report_opts *o, FILE *out);
int report_json(const struct profile *p, const struct report_opts *o, FILE *out);
int report_pprof(const struct profile *p, const struct report_opts *o, FILE *out);
int report_pstats(const struct profile *p, const struct report_opts *o, FILE *out);
int report_speedscope(const struct profile *p, const struct report_opts *o, FILE *out);
/* A self-contained page: endpoint table, flame graphs, time series (report_html.c). */
int report_html(const struct profile *p, const struct report_opts *o, FILE *out);
/* The function rows of the table report, without its header. */
int report_functions_table(const struct profile *p, const struct report_opts *o, FILE *out);
/* --by endpoint (table or json) and --by request (JSON lines). */
int report_endpoints(const struct profile *p, const struct report_opts *o, FILE *out);
int report_requests(const struct profile *p, const struct report_opts *o, FILE *out);

#endif /* PYCOST_REPORT_H */
