// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * top's function table over the last window seconds, on a hand-built
 * profile that gains 10 samples a second: frames a second apart (with
 * jitter) must count exactly the samples of the span they name: the window
 * for a short one; for one over a minute, whose snapshots are two seconds
 * apart, the window or a second more; for a view younger than its window,
 * everything.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "top.h"

static struct profile *one_stack(int *stack)
{
	struct profile *p = profile__new();
	struct pc_frame f;

	cr_assert_not_null(p);
	f = (struct pc_frame){profile__intern_func(p, "work", "app.py", 1), 2};
	*stack = profile__intern_stack(p, &f, 1);
	cr_assert(*stack >= 0);
	cr_assert(!profile__set_str(&p->meta.metric, "cpu"));
	cr_assert(!profile__set_str(&p->meta.unit, "nanoseconds"));
	return p;
}

/* Draws at now_ns; returns the "samples N in this report" and the functions' window. */
static void frame(struct top *t, struct profile *p, uint64_t now_ns, unsigned long *samples,
		  unsigned int *shown)
{
	char *buf = NULL, *s;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_not_null(out);
	cr_assert_eq(top__draw(t, p, now_ns, now_ns / 1e9, out), 0);
	fclose(out);
	s = strstr(buf, "functions: last ");
	cr_assert(s && sscanf(s, "functions: last %us", shown) == 1, "%s", buf);
	s = strstr(buf, "samples ");
	cr_assert(s && sscanf(s, "samples %lu in this report", samples) == 1, "%s", buf);
	free(buf);
}

/* step: seconds between snapshots; the table covers the window, or up to a step more */
static void run(unsigned int window, unsigned int seconds, unsigned int step)
{
	struct top *t = top__begin(window);
	unsigned long samples = 0;
	unsigned int shown = 0;
	int stack;
	struct profile *p = one_stack(&stack);

	cr_assert_not_null(t);
	for (unsigned int s = 0; s <= seconds; s++) {
		/* frames up to 300 ms late or early */
		uint64_t now = s * 1000000000ULL + (s % 3) * 150000000ULL;

		frame(t, p, now, &samples, &shown);
		cr_assert(!profile__add(p, stack, 1, 1, 10, 10000000));
	}
	/* a view younger than its window covers everything since the start */
	if (window > seconds)
		window = seconds;
	cr_expect(shown >= window && shown < window + step, "window %u: functions over %us",
		  window, shown);
	cr_expect_eq(samples, 10UL * shown, "window %u: %lu samples over %us", window, samples,
		     shown);
	top__end(t);
	profile__free(p);
}

Test(top, window_short)
{
	run(3, 10, 1);
}

Test(top, window_over_a_minute)
{
	run(120, 300, 2);
	/* not a multiple of the step: the ring must still span it */
	run(61, 200, 2);
}

Test(top, before_a_window)
{
	run(30, 10, 1);
}
