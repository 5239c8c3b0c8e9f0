/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * `pycost top`: the terminal side of the live view.  The recorder calls
 * top__draw once a second with its live profile; top__quit_requested polls
 * the keyboard for q.  The profile's sample rows only grow, summed since
 * the start: struct top's snapshots of them let the function table show
 * the last window seconds, as the endpoint table does.
 */
#ifndef PYCOST_TOP_H
#define PYCOST_TOP_H

#include <stdio.h>

#include "profile.h"

struct top;

/*
 * Puts the terminal in no-echo, non-canonical mode (restored by top__end)
 * and returns the view's state for a window of window_s seconds, or NULL
 * with errno set.
 */
struct top *top__begin(double window_s);
/* Restores the terminal and frees t (NULL is fine). */
void top__end(struct top *t);

/*
 * Redraws at now_ns (a monotonic clock): endpoints by cost over the
 * profile's requests (the recorder keeps the last window seconds of them),
 * then the costliest functions over the same window.  0 or -ENOMEM.
 */
int top__draw(struct top *t, const struct profile *p, uint64_t now_ns, double elapsed, FILE *out);

/* Whether q was pressed. */
int top__quit_requested(const struct top *t);

#endif /* PYCOST_TOP_H */
