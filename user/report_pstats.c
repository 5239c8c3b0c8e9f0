/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * pstats writer: the marshal'd dict cProfile's dump_stats writes, so
 * `python3 -m pstats`, snakeviz and gprof2dot open pycost profiles.  A
 * sampling profile has no call counts, so the mapping is:
 *   key     (filename, firstlineno, qualname); pseudo frames (no filename)
 *           use "~" like cProfile's builtins, which pstats prints bare
 *   cc, nc  samples in which the function appears (at least 1)
 *   tt      self weight, ct total weight (once per stack), in seconds when
 *           the unit is nanoseconds and as raw counts otherwise (pstats
 *           still labels them "seconds")
 *   callers per caller: (samples, samples, weight of the stacks where this
 *           callee is the leaf under that caller, weight of the stacks
 *           where the caller calls it), each stack counted once per edge
 * Only the marshal codes pstats needs are written: { ) i l g u 0.  A
 * profile without samples fails with -ENODATA: pstats cannot load one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "report.h"
#include "report_util.h"

/* One caller -> callee edge: per stack while collecting, then summed. */
struct edge {
	uint32_t callee;
	uint32_t caller;
	uint32_t stack; /* index into the report_stack array; once summed, the last one */
	bool leaf;	/* the callee is the stack's leaf */
	uint64_t count;
	uint64_t self;
	uint64_t total;
};

static void m_u32(FILE *out, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		fputc(v >> (8 * i) & 0xff, out);
}

static void m_i32(FILE *out, int32_t v)
{
	fputc('i', out);
	m_u32(out, (uint32_t)v);
}

/* 'l' holds 15-bit digits, least significant first; ints past 2^31-1 need it. */
static void m_uint(FILE *out, uint64_t v)
{
	int ndigits = 0;

	if (v <= INT32_MAX) {
		m_i32(out, v);
		return;
	}
	for (uint64_t t = v; t; t >>= 15)
		ndigits++;
	fputc('l', out);
	m_u32(out, ndigits);
	for (; v; v >>= 15) {
		fputc(v & 0xff, out);
		fputc(v >> 8 & 0x7f, out);
	}
}

static void m_float(FILE *out, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	fputc('g', out);
	for (int i = 0; i < 8; i++)
		fputc(bits >> (8 * i) & 0xff, out);
}

/* marshal.load decodes 'u' strictly, so invalid UTF-8 becomes U+FFFD (EF BF BD). */
static void m_str(FILE *out, const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd";
	uint32_t len = 0;

	for (const char *c = s; *c;) {
		int n = report__utf8_seq(c);

		len += n ? n : 3;
		c += n ? n : 1;
	}
	fputc('u', out);
	m_u32(out, len);
	for (const char *c = s; *c;) {
		int n = report__utf8_seq(c);

		if (n)
			fwrite(c, 1, n, out);
		else
			fputs(replacement, out);
		c += n ? n : 1;
	}
}

static void m_key(FILE *out, const struct pc_function *fn)
{
	fputs(")\x03", out);
	m_str(out, fn->filename[0] ? fn->filename : "~");
	m_i32(out, fn->firstlineno);
	m_str(out, fn->qualname);
}

static double seconds(const struct profile *p, uint64_t v)
{
	return report__is_ns(p) ? v / 1e9 : (double)v;
}

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->callee != y->callee)
		return x->callee < y->callee ? -1 : 1;
	if (x->caller != y->caller)
		return x->caller < y->caller ? -1 : 1;
	return (x->stack > y->stack) - (x->stack < y->stack);
}

/*
 * Fills *out with the caller -> callee edges of every sampled stack, summed
 * and sorted by (callee, caller).  Recursion repeats an edge within a stack;
 * sorting by stack as well lets it count once there.  Returns the number of
 * edges or -ENOMEM.
 */
static int collect_edges(const struct profile *p, const struct report_stack *st, int nst,
			 struct edge **out)
{
	struct edge *e;
	size_t n = 0, m = 0;

	for (int i = 0; i < nst; i++)
		n += p->stacks[st[i].stack].depth;
	e = calloc(n ? n : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	n = 0;
	for (int i = 0; i < nst; i++) {
		const struct pc_stack *s = &p->stacks[st[i].stack];

		for (uint32_t d = 1; d < s->depth; d++)
			e[n++] = (struct edge){.callee = s->frames[d].func,
					       .caller = s->frames[d - 1].func,
					       .stack = i,
					       .leaf = d == s->depth - 1};
	}
	qsort(e, n, sizeof(*e), cmp_edge);
	for (size_t i = 0; i < n; i++) {
		bool same_edge =
		    m && e[m - 1].callee == e[i].callee && e[m - 1].caller == e[i].caller;
		const struct report_stack *s = &st[e[i].stack];

		if (!same_edge) {
			e[m] = e[i];
			e[m].count = e[m].self = e[m].total = 0;
			m++;
		} else if (e[m - 1].stack == e[i].stack) {
			/* the stack is already counted; only its leaf edge adds self */
			if (e[i].leaf)
				e[m - 1].self += s->weight;
			continue;
		}
		e[m - 1].stack = e[i].stack;
		e[m - 1].count += s->count;
		e[m - 1].total += s->weight;
		if (e[i].leaf)
			e[m - 1].self += s->weight;
	}
	*out = e;
	return m;
}

static void m_callers(FILE *out, const struct profile *p, const struct edge *e, int ne,
		      uint32_t callee)
{
	int lo = 0, hi = ne;

	/* lower bound of callee in e, which is sorted by callee first */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (e[mid].callee < callee)
			lo = mid + 1;
		else
			hi = mid;
	}
	fputc('{', out);
	for (int i = lo; i < ne && e[i].callee == callee; i++) {
		uint64_t calls = e[i].count ? e[i].count : 1;

		m_key(out, &p->funcs[e[i].caller]);
		/* note the order: nc before cc, unlike the function's own entry */
		fputs(")\x04", out);
		m_uint(out, calls);
		m_uint(out, calls);
		m_float(out, seconds(p, e[i].self));
		m_float(out, seconds(p, e[i].total));
	}
	fputc('0', out);
}

int report_pstats(const struct profile *p, const struct report_opts *o, FILE *out)
{
	struct report_stack *st = NULL;
	struct pc_func_cost *c = NULL;
	struct edge *e = NULL;
	int nst, nc, ne, err = 0;

	(void)o;
	nc = profile__function_costs(p, &c);
	if (nc < 0) {
		err = nc;
		goto cleanup;
	}
	/* pstats.Stats refuses an empty dict, so there is no valid file to write */
	if (!nc) {
		err = -ENODATA;
		goto cleanup;
	}
	nst = report__stack_totals(p, &st);
	if (nst < 0) {
		err = nst;
		goto cleanup;
	}
	ne = collect_edges(p, st, nst, &e);
	if (ne < 0) {
		err = ne;
		goto cleanup;
	}
	fputc('{', out);
	for (int i = 0; i < nc; i++) {
		uint64_t calls = c[i].samples ? c[i].samples : 1;

		m_key(out, &p->funcs[c[i].func]);
		fputs(")\x05", out);
		m_uint(out, calls);
		m_uint(out, calls);
		m_float(out, seconds(p, c[i].self));
		m_float(out, seconds(p, c[i].total));
		m_callers(out, p, e, ne, c[i].func);
	}
	fputc('0', out);
cleanup:
	free(c);
	free(st);
	free(e);
	return err;
}
