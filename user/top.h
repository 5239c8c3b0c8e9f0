/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * `pycost top`: the terminal side of the live view.  The recorder calls
 * top__draw once a second with its live profile; top__quit_requested polls
 * the keyboard for q.
 */
#ifndef PYCOST_TOP_H
#define PYCOST_TOP_H

#include <stdio.h>

#include "profile.h"

/* Puts the terminal in no-echo, non-canonical mode (restored by top__end). */
void top__begin(void);
void top__end(void);

/*
 * Redraws: endpoints by cost over the profile's requests (the recorder
 * keeps the last window seconds of them), then the costliest functions.
 */
void top__draw(const struct profile *p, double elapsed, double window, FILE *out);

/* Whether q was pressed. */
int top__quit_requested(void);

#endif /* PYCOST_TOP_H */
