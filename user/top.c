// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Live view rendering.  It reuses the report writers on the recorder's
 * in-memory profile, so `top` shows exactly what `report` would show of a
 * capture taken now, over the last window seconds.
 *
 * The profile's sample rows only grow, summed since the start.  Each step
 * (a second, more for windows over a minute) keeps what changed since the
 * step before, row by row; the function table is the rows' change since
 * the last step at least a window old.  Memory then follows what the
 * service ran in the window, not every row it ever ran times the steps.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "report.h"
#include "top.h"

/*
 * Steps kept.  Frames come at least a second apart, and a step is taken
 * once it is due less JITTER_NS: steps of k seconds are at least
 * max(1, k - 0.5) s apart, and 60 of them span a window of 60 k s.
 */
#define MAX_STEPS 84
/*
 * Frames come a second apart, give or take the loop's jitter: a step half
 * a second early still counts as a step or a window old, or the one taken
 * a window ago would miss by a millisecond and leave a window and a step.
 */
#define JITTER_NS 500000000ULL

struct delta {
	uint32_t row;
	uint64_t count, weight;
};

struct step {
	uint64_t ns;	 /* when it was taken */
	struct delta *d; /* rows changed since the step before */
	size_t n;
};

struct top {
	struct termios saved;
	int saved_ok;
	uint64_t window_ns, step_ns;
	struct step steps[MAX_STEPS]; /* a ring, oldest at first */
	size_t first, nsteps;
	struct total {
		uint64_t count, weight;
	} * tot; /* the rows' totals at the last step */
	size_t nrows, rows_cap;
	struct pc_sample *view; /* the window's rows, rebuilt at each draw */
	size_t view_cap;
};

struct top *top__new(double window_s)
{
	struct top *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->window_ns = window_s * 1e9;
	/* whole seconds, as frames come, so that 60 steps span the window */
	t->step_ns = (t->window_ns + 60 * 1000000000ULL - 1) / (60 * 1000000000ULL) * 1000000000ULL;
	if (!t->step_ns)
		t->step_ns = 1000000000ULL;
	return t;
}

void top__raw_terminal(struct top *t)
{
	struct termios raw;

	if (t->saved_ok || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved))
		return;
	t->saved_ok = 1;
	raw = t->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static struct step *nth(struct top *t, size_t i)
{
	return &t->steps[(t->first + i) % MAX_STEPS];
}

static void drop_oldest(struct top *t)
{
	free(nth(t, 0)->d);
	memset(nth(t, 0), 0, sizeof(struct step));
	t->first = (t->first + 1) % MAX_STEPS;
	t->nsteps--;
}

void top__free(struct top *t)
{
	if (!t)
		return;
	if (t->saved_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	while (t->nsteps)
		drop_oldest(t);
	free(t->tot);
	free(t->view);
	free(t);
}

int top__quit_requested(const struct top *t)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	char c;

	while (t->saved_ok && poll(&pfd, 1, 0) == 1 && read(STDIN_FILENO, &c, 1) == 1)
		if (c == 'q' || c == 'Q')
			return 1;
	return 0;
}

static int window_old(const struct top *t, const struct step *s, uint64_t now_ns)
{
	return now_ns - s->ns + JITTER_NS >= t->window_ns;
}

/* Makes room for want elements of size elem in *a (capacity *cap), doubling. */
static int grow(void **a, size_t elem, size_t *cap, size_t want)
{
	void *n;

	if (want <= *cap)
		return 0;
	if (want < 2 * *cap)
		want = 2 * *cap;
	n = realloc(*a, want * elem);
	if (!n)
		return -ENOMEM;
	*a = n;
	*cap = want;
	return 0;
}

/*
 * Takes a step when one is due: the rows that changed since the last, and
 * the new totals.  Drops the steps no longer needed: of those a window old,
 * only the newest is kept, where the window starts.
 */
static int take_step(struct top *t, const struct profile *p, uint64_t now_ns)
{
	size_t n = 0, changed = 0;
	struct step *s;

	if (t->nsteps && now_ns - nth(t, t->nsteps - 1)->ns + JITTER_NS < t->step_ns)
		return 0;
	while (t->nsteps > 1 && window_old(t, nth(t, 1), now_ns))
		drop_oldest(t);
	/* never reached with MAX_STEPS as sized; the header would show a shorter span */
	if (t->nsteps == MAX_STEPS)
		drop_oldest(t);
	if (grow((void **)&t->tot, sizeof(*t->tot), &t->rows_cap, p->nsamples))
		return -ENOMEM;
	for (size_t i = t->nrows; i < p->nsamples; i++)
		t->tot[i] = (struct total){0, 0};
	t->nrows = p->nsamples;
	for (size_t i = 0; i < p->nsamples; i++)
		changed += p->samples[i].count != t->tot[i].count;
	s = nth(t, t->nsteps);
	s->d = malloc((changed ? changed : 1) * sizeof(*s->d));
	if (!s->d)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsamples; i++) {
		/* a row's weight changes only with its count: each sample adds one */
		if (p->samples[i].count == t->tot[i].count)
			continue;
		s->d[n++] = (struct delta){i, p->samples[i].count - t->tot[i].count,
					   p->samples[i].weight - t->tot[i].weight};
		t->tot[i] = (struct total){p->samples[i].count, p->samples[i].weight};
	}
	s->n = n;
	s->ns = now_ns;
	t->nsteps++;
	return 0;
}

int top__draw(struct top *t, const struct profile *p, uint64_t now_ns, double elapsed, FILE *out)
{
	struct report_opts ep = {REPORT_TABLE, REPORT_BY_ENDPOINT, 10};
	struct report_opts fn = {REPORT_TABLE, REPORT_BY_FUNCTION, 15};
	struct profile view = *p;
	double shown = elapsed;
	size_t from = 0, n = 0;
	int err;

	err = take_step(t, p, now_ns);
	if (err)
		return err;
	if (grow((void **)&t->view, sizeof(*t->view), &t->view_cap, p->nsamples))
		return -ENOMEM;
	/* the newest step a window old starts the window: the changes after it count */
	for (size_t i = 0; i < t->nsteps && window_old(t, nth(t, i), now_ns); i++) {
		from = i + 1;
		shown = (now_ns - nth(t, i)->ns) / 1e9;
	}
	/* rows new since the last step had nothing then */
	for (size_t i = 0; i < p->nsamples; i++) {
		t->view[i] = p->samples[i];
		if (i < t->nrows) {
			t->view[i].count -= t->tot[i].count;
			t->view[i].weight -= t->tot[i].weight;
		}
	}
	for (size_t k = from; k < t->nsteps; k++) {
		const struct step *s = nth(t, k);

		for (size_t j = 0; j < s->n; j++) {
			t->view[s->d[j].row].count += s->d[j].count;
			t->view[s->d[j].row].weight += s->d[j].weight;
		}
	}
	for (size_t i = 0; i < p->nsamples; i++)
		if (t->view[i].count)
			t->view[n++] = t->view[i];
	view.samples = t->view;
	view.nsamples = n;

	/* home and clear: one frame per second, no scrolling */
	fputs("\033[H\033[J", out);
	fprintf(out,
		"pycost top  %.0fs  endpoints: last %.0fs, functions: last %.0fs  (q quits)\n\n",
		elapsed, elapsed < t->window_ns / 1e9 ? elapsed : t->window_ns / 1e9, shown);
	if (p->nrequests)
		report__write(&view, &ep, out);
	else
		report__write(&view, &fn, out);
	if (p->nrequests) {
		fputc('\n', out);
		report_functions_table(&view, &fn, out);
	}
	fflush(out);
	return 0;
}
