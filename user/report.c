/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Report front end: parses --format and --by, dispatches to the writer of
 * each format and checks the stream once afterwards, so writers can use
 * stdio freely.  Also holds the helpers every writer shares (report_util.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "report.h"
#include "report_util.h"

static const char *const format_names[] = {
    [REPORT_TABLE] = "table",	[REPORT_FOLDED] = "folded",	    [REPORT_PPROF] = "pprof",
    [REPORT_PSTATS] = "pstats", [REPORT_SPEEDSCOPE] = "speedscope", [REPORT_JSON] = "json",
    [REPORT_HTML] = "html",
};

static const char *const by_names[] = {
    [REPORT_BY_FUNCTION] = "function",
    [REPORT_BY_STACK] = "stack",
    [REPORT_BY_ENDPOINT] = "endpoint",
    [REPORT_BY_REQUEST] = "request",
};

static int lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

int report__parse_format(const char *s, enum report_format *out)
{
	int i = lookup(s, format_names, ARRAY_SIZE(format_names));

	if (i < 0)
		return i;
	*out = i;
	return 0;
}

int report__parse_by(const char *s, enum report_by *out)
{
	int i = lookup(s, by_names, ARRAY_SIZE(by_names));

	if (i < 0)
		return i;
	*out = i;
	return 0;
}

int report__write(const struct profile *p, const struct report_opts *o, FILE *out)
{
	int err;

	if (o->by == REPORT_BY_ENDPOINT || o->by == REPORT_BY_REQUEST) {
		/* per-endpoint and per-request views are tables or JSON only */
		if (o->format != REPORT_TABLE && o->format != REPORT_JSON)
			return -EINVAL;
		err = o->by == REPORT_BY_ENDPOINT ? report_endpoints(p, o, out)
						  : report_requests(p, o, out);
		goto done;
	}
	switch (o->format) {
	case REPORT_TABLE:
		err = report_table(p, o, out);
		break;
	case REPORT_FOLDED:
		err = report_folded(p, o, out);
		break;
	case REPORT_PPROF:
		err = report_pprof(p, o, out);
		break;
	case REPORT_PSTATS:
		err = report_pstats(p, o, out);
		break;
	case REPORT_SPEEDSCOPE:
		err = report_speedscope(p, o, out);
		break;
	case REPORT_JSON:
		err = report_json(p, o, out);
		break;
	case REPORT_HTML:
		err = report_html(p, o, out);
		break;
	default:
		return -EINVAL;
	}
done:
	if (err)
		return err;
	/* writers ignore stdio results; a full disk shows up here, once */
	if (fflush(out))
		return -errno;
	return ferror(out) ? -EIO : 0;
}

static int cmp_stack_weight(const void *a, const void *b)
{
	const struct report_stack *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	return (x->stack > y->stack) - (x->stack < y->stack);
}

int report__stack_totals(const struct profile *p, struct report_stack **out)
{
	struct report_stack *t;
	size_t n = 0;

	t = calloc(p->nstacks ? p->nstacks : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsamples; i++) {
		t[p->samples[i].stack].count += p->samples[i].count;
		t[p->samples[i].stack].weight += p->samples[i].weight;
	}
	for (size_t i = 0; i < p->nstacks; i++) {
		if (!t[i].count && !t[i].weight)
			continue;
		t[n] = t[i];
		t[n++].stack = i;
	}
	qsort(t, n, sizeof(*t), cmp_stack_weight);
	*out = t;
	return n;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct report_pid *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int report__pid_totals(const struct profile *p, struct report_pid **out)
{
	struct report_pid *t;
	size_t n = 0;

	t = calloc(p->nsamples ? p->nsamples : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsamples; i++)
		t[i] = (struct report_pid){p->samples[i].pid, p->samples[i].count,
					   p->samples[i].weight};
	qsort(t, p->nsamples, sizeof(*t), cmp_pid);
	for (size_t i = 0; i < p->nsamples; i++) {
		if (n && t[n - 1].pid == t[i].pid) {
			t[n - 1].count += t[i].count;
			t[n - 1].weight += t[i].weight;
		} else {
			t[n++] = t[i];
		}
	}
	*out = t;
	return n;
}

const struct report_pid *report__find_pid(const struct report_pid *t, int n, uint32_t pid)
{
	struct report_pid key = {.pid = pid};

	return bsearch(&key, t, n, sizeof(*t), cmp_pid);
}

bool report__is_ns(const struct profile *p)
{
	return p->meta.unit && !strcmp(p->meta.unit, "nanoseconds");
}

double report__pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

void report__fmt_cost(char *buf, size_t size, uint64_t v, const char *unit)
{
	static const char *const time_units[] = {"ns", "us", "ms", "s"};
	static const char *const count_units[] = {"", "K", "M", "G", "T", "P", "E"};
	bool ns = unit && !strcmp(unit, "nanoseconds");
	const char *const *units = ns ? time_units : count_units;
	size_t nunits = ns ? 4 : 7, i = 0;
	double x = v;

	if (v < 1000) {
		snprintf(buf, size, "%" PRIu64 "%s%s", v, ns ? " " : "", units[0]);
		return;
	}
	while (x >= 1000 && i + 1 < nunits) {
		x /= 1000;
		i++;
	}
	/* three significant digits, like perf and pprof print */
	snprintf(buf, size, "%.*f %s", x < 10 ? 2 : x < 100 ? 1 : 0, x, units[i]);
}

static void put_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == ';' || (unsigned char)*s < 0x20 || *s == 0x7f ? '_' : *s, out);
}

void report__put_frame(FILE *out, const struct pc_function *fn, int line)
{
	put_clean(out, fn->qualname);
	if (!fn->filename[0])
		return;
	fputs(" (", out);
	put_clean(out, fn->filename);
	if (line)
		fprintf(out, ":%d", line);
	fputc(')', out);
}

int report__utf8_seq(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	int n;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		cp = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		cp = u[0] & 0x07;
	} else {
		return 0;
	}
	/* a NUL fails the continuation test, so this never reads past the string */
	for (int i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void report__json_str(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*s) {
		unsigned char c = *s;
		int n = 1;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
		} else {
			n = report__utf8_seq(s);
			if (n)
				fwrite(s, 1, n, out);
			else
				fputs("\\ufffd", out);
		}
		s += n ? n : 1;
	}
	fputc('"', out);
}
