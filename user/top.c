// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Live view rendering.  It reuses the report writers on the recorder's
 * in-memory profile, so `top` shows exactly what `report` would show of a
 * capture taken now, over the last window seconds.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "report.h"
#include "top.h"

/* Snapshots kept of the sample rows: one per second, fewer for windows over a minute. */
#define MAX_SNAPS 61
/*
 * Frames come a second apart, give or take the loop's jitter: a snapshot
 * half a second early still counts as a step or a window old, or the one
 * taken a window ago would miss by a millisecond and leave a window and a
 * second.
 */
#define JITTER_NS 500000000ULL

struct snap {
	uint64_t ns;		  /* when it was taken */
	size_t n;		  /* sample rows then */
	uint64_t *count, *weight; /* their totals then */
};

struct top {
	struct termios saved;
	int saved_ok;
	uint64_t window_ns, step_ns;
	struct snap snaps[MAX_SNAPS]; /* a ring, oldest at first */
	size_t first, nsnaps;
	struct pc_sample *rows; /* the window's rows, rebuilt at each draw */
	size_t rows_cap;
};

struct top *top__begin(double window_s)
{
	struct top *t = calloc(1, sizeof(*t));
	struct termios raw;

	if (!t)
		return NULL;
	t->window_ns = window_s * 1e9;
	/* whole seconds, as frames come, enough for the ring to span a window */
	t->step_ns = (t->window_ns + (MAX_SNAPS - 1) * 1000000000ULL - 1) /
		     ((MAX_SNAPS - 1) * 1000000000ULL) * 1000000000ULL;
	if (!t->step_ns)
		t->step_ns = 1000000000ULL;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved))
		return t;
	t->saved_ok = 1;
	raw = t->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	return t;
}

static void snap_free(struct snap *s)
{
	free(s->count);
	free(s->weight);
	memset(s, 0, sizeof(*s));
}

void top__end(struct top *t)
{
	if (!t)
		return;
	if (t->saved_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	for (size_t i = 0; i < MAX_SNAPS; i++)
		snap_free(&t->snaps[i]);
	free(t->rows);
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

static struct snap *nth(struct top *t, size_t i)
{
	return &t->snaps[(t->first + i) % MAX_SNAPS];
}

static int window_old(const struct top *t, const struct snap *s, uint64_t now_ns)
{
	return now_ns - s->ns + JITTER_NS >= t->window_ns;
}

/*
 * Takes a snapshot when the last is a step old, and drops those no longer
 * needed: only the newest one at least a window old is kept of the old.
 */
static int take_snap(struct top *t, const struct profile *p, uint64_t now_ns)
{
	struct snap *s;

	if (t->nsnaps && now_ns - nth(t, t->nsnaps - 1)->ns + JITTER_NS < t->step_ns)
		return 0;
	while (t->nsnaps > 1 && window_old(t, nth(t, 1), now_ns)) {
		snap_free(nth(t, 0));
		t->first = (t->first + 1) % MAX_SNAPS;
		t->nsnaps--;
	}
	if (t->nsnaps == MAX_SNAPS) {
		snap_free(nth(t, 0));
		t->first = (t->first + 1) % MAX_SNAPS;
		t->nsnaps--;
	}
	s = nth(t, t->nsnaps);
	s->count = malloc((p->nsamples + 1) * sizeof(*s->count));
	s->weight = malloc((p->nsamples + 1) * sizeof(*s->weight));
	if (!s->count || !s->weight) {
		snap_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		s->count[i] = p->samples[i].count;
		s->weight[i] = p->samples[i].weight;
	}
	s->n = p->nsamples;
	s->ns = now_ns;
	t->nsnaps++;
	return 0;
}

int top__draw(struct top *t, const struct profile *p, uint64_t now_ns, double elapsed, FILE *out)
{
	struct report_opts ep = {REPORT_TABLE, REPORT_BY_ENDPOINT, 10};
	struct report_opts fn = {REPORT_TABLE, REPORT_BY_FUNCTION, 15};
	const struct snap *base = NULL;
	struct profile view = *p;
	double shown = elapsed;
	size_t n = 0;
	int err;

	err = take_snap(t, p, now_ns);
	if (err)
		return err;
	/* the newest snapshot at least a window old: the function table starts there */
	for (size_t i = 0; i < t->nsnaps && window_old(t, nth(t, i), now_ns); i++)
		base = nth(t, i);
	if (base)
		shown = (now_ns - base->ns) / 1e9;
	if (p->nsamples > t->rows_cap) {
		struct pc_sample *rows = realloc(t->rows, p->nsamples * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		t->rows = rows;
		t->rows_cap = p->nsamples;
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		struct pc_sample row = p->samples[i];

		if (base && i < base->n) {
			row.count -= base->count[i];
			row.weight -= base->weight[i];
		}
		if (row.count)
			t->rows[n++] = row;
	}
	view.samples = t->rows;
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
