/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * `pycost top`: the terminal side of the live view.  The recorder calls
 * top__draw once a second with its live profile; top__quit_requested polls
 * the keyboard for q.  struct top keeps what the function table needs to
 * show the last window seconds, as the endpoint table does.
 */
#ifndef PYCOST_TOP_H
#define PYCOST_TOP_H

#include <stdio.h>

#include "profile.h"

struct top;

/* The view's state for a window of window_s seconds, or NULL with errno set. */
struct top *top__new(double window_s);
/* Puts the terminal in no-echo, non-canonical mode for q (restored by top__free). */
void top__raw_terminal(struct top *t);
void top__free(struct top *t);

/*
 * Redraws at now_ns (a monotonic clock): endpoints by cost over the
 * profile's requests (the recorder keeps the last window seconds of them),
 * then the costliest functions over the same window, give or take a step.
 * 0 or -ENOMEM.
 */
int top__draw(struct top *t, const struct profile *p, uint64_t now_ns, double elapsed, FILE *out);

/* Whether q was pressed. */
int top__quit_requested(const struct top *t);

#endif /* PYCOST_TOP_H */
