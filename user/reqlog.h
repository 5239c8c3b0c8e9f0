/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * An append-only log of fixed-size rows in an unlinked temporary file: the
 * requests of a recording, whose number grows with its length.  Rows go
 * through one reused buffer, so a busy service costs pycost a copy per
 * request and a write() per buffer, not fresh pages (page faults are
 * expensive on virtual machines) nor memory that grows for hours.
 */
#ifndef PYCOST_REQLOG_H
#define PYCOST_REQLOG_H

#include <stddef.h>

struct reqlog;

/* A log of rows of row_size bytes, in a file in dir.  NULL with errno set. */
struct reqlog *reqlog__new(const char *dir, size_t row_size);
void reqlog__free(struct reqlog *l);

/* Appends one row.  0 or -errno (the file could not be written). */
int reqlog__append(struct reqlog *l, const void *row);

/* Rows appended so far. */
size_t reqlog__count(const struct reqlog *l);

/*
 * Calls fn on each row in order, with a copy it may change; stops at the
 * first non-zero return and returns it.  0, fn's value, or -errno.
 */
int reqlog__each(struct reqlog *l, int (*fn)(void *row, void *ctx), void *ctx);

#endif /* PYCOST_REQLOG_H */
