// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * top's function table over the last window seconds, on a hand-built
 * profile: stack "a" gains 10 samples after every frame, "c" gains 5 after
 * each of the first three frames only, "b" gains 7 after the next-to-last
 * frame only.  Every frame's table must cover between the window and a
 * window and a step, never fall back to everything since the start, and
 * count exactly the samples added in the span it names.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "top.h"

struct frame {
	unsigned int shown; /* the functions' span, in seconds */
	unsigned long a, b, c;
};

static int stack_of(struct profile *p, const char *name)
{
	struct pc_frame f = {profile__intern_func(p, name, "app.py", 1), 2};
	int s = profile__intern_stack(p, &f, 1);

	cr_assert(s >= 0);
	return s;
}

/* The samples column of function name in the table, 0 when it is not listed. */
static unsigned long samples_of(const char *buf, const char *name)
{
	char want[32];
	const char *line;

	snprintf(want, sizeof(want), "  %s (app.py:1)", name);
	line = strstr(buf, want);
	if (!line)
		return 0;
	while (line > buf && line[-1] != '\n')
		line--;
	{
		double self_pct, total_pct;
		char self[16], self_u[8], total[16], total_u[8];
		unsigned long n = 0;

		cr_assert(sscanf(line, "%lf %lf %15s %7s %15s %7s %lu", &self_pct, &total_pct, self,
				 self_u, total, total_u, &n) == 7,
			  "%s", line);
		return n;
	}
}

static struct frame draw(struct top *t, struct profile *p, uint64_t now_ns)
{
	struct frame f = {0};
	char *buf = NULL, *s;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_not_null(out);
	cr_assert_eq(top__draw(t, p, now_ns, now_ns / 1e9, out), 0);
	fclose(out);
	s = strstr(buf, "functions: last ");
	cr_assert(s && sscanf(s, "functions: last %us", &f.shown) == 1, "%s", buf);
	f.a = samples_of(buf, "a");
	f.b = samples_of(buf, "b");
	f.c = samples_of(buf, "c");
	free(buf);
	return f;
}

/* frames period_ms apart (up to 300 ms of jitter when 1000) for seconds; step in seconds */
static void run(unsigned int window, unsigned int frames, unsigned int period_ms, unsigned int step)
{
	struct profile *p = profile__new();
	struct top *t = top__new(window);
	int a, b, c;
	struct frame f = {0};

	cr_assert(p && t);
	cr_assert(!profile__set_str(&p->meta.metric, "cpu"));
	cr_assert(!profile__set_str(&p->meta.unit, "nanoseconds"));
	a = stack_of(p, "a");
	b = stack_of(p, "b");
	c = stack_of(p, "c");
	for (unsigned int i = 0; i <= frames; i++) {
		uint64_t now = i * period_ms * 1000000ULL;
		double elapsed;

		if (period_ms == 1000)
			now += (i % 3) * 150000000ULL;
		elapsed = now / 1e9;
		f = draw(t, p, now);
		/* never since the start once a window has passed */
		if (elapsed >= window + 1)
			cr_assert(f.shown >= window && f.shown <= window + step,
				  "window %u, frame %u at %.2fs: functions over %us", window, i,
				  elapsed, f.shown);
		cr_assert(!profile__add(p, a, 1, 1, 10, 10000000));
		if (i < 3)
			cr_assert(!profile__add(p, c, 1, 1, 5, 5000000));
		if (i + 1 == frames)
			cr_assert(!profile__add(p, b, 1, 1, 7, 7000000));
	}
	/* the last frame: a's samples of the frames in its span, b's, and c's if it reaches back */
	{
		unsigned long lo = 10UL * (unsigned long)((f.shown - 0.5) * 1000 / period_ms),
			      hi = 10UL * (unsigned long)((f.shown + 0.5) * 1000 / period_ms + 1);

		cr_expect(f.a >= lo && f.a <= hi, "window %u: a %lu, want %lu..%lu over %us",
			  window, f.a, lo, hi, f.shown);
		cr_expect_eq(f.b, 7, "window %u: b %lu", window, f.b);
		if ((frames - 2) * period_ms / 1000.0 > f.shown + 0.5)
			cr_expect_eq(f.c, 0, "window %u: c %lu from before the window", window,
				     f.c);
		else
			cr_expect_eq(f.c, 15, "window %u: c %lu", window, f.c);
	}
	top__free(t);
	profile__free(p);
}

Test(top, window_short)
{
	run(3, 10, 1000, 1);
}

Test(top, view_younger_than_window)
{
	run(30, 10, 1000, 1);
}

/* steps of 2 s; 61 is not a multiple of it */
Test(top, window_over_a_minute)
{
	run(120, 300, 1000, 2);
	run(61, 200, 1000, 2);
}

/* an hour in steps of 60 s, frames a little late: the window's start must never be lost */
Test(top, window_of_an_hour)
{
	run(3600, 8000, 1010, 60);
}
