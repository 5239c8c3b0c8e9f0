/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * pprof writer: a perftools.profiles Profile encoded by hand (protobuf
 * varints and length-delimited fields, no protobuf library) and gzip'd with
 * zlib, which is how `go tool pprof` expects it on disk.  Top-level fields
 * need no length prefix, so they stream through deflate as they are built;
 * only one nested message at a time is held in memory.  Samples carry both
 * values (samples, metric) and numeric pid and tid labels; locations are
 * one per distinct (function, current line), functions one per pc_function.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common.h"
#include "report.h"
#include "report_util.h"

/* perftools.profiles field numbers (see reference/formats.md) */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,
	LABEL_KEY = 1,
	LABEL_STR = 2,
	LABEL_NUM = 3,
	LOCATION_ID = 1,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	LINE_LINE = 2,
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
	FUNCTION_START_LINE = 5,
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* Deflate input is handed over whenever this much top-level data is ready. */
#define FLUSH_AT (64 * 1024)

/* A growable byte buffer; a failed allocation sticks so callers check once. */
struct pb {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};

/* Where one (function, line) pair ended up: location id = index + 1. */
struct loc {
	uint32_t func;
	int32_t line;
};

struct pprof {
	const struct profile *p;
	const char **strs; /* sorted, unique; strs[0] is "" */
	size_t nstrs;
	struct loc *locs; /* sorted, unique */
	size_t nlocs;
	struct pb top, msg, sub;
	z_stream zs;
	FILE *out;
};

static void pb_raw(struct pb *b, const void *data, size_t n)
{
	/* an empty nested message may come from a buffer never allocated */
	if (b->err || !n)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d) {
			b->err = -ENOMEM;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	pb_raw(b, tmp, n);
}

/* int64 fields take the two's complement as a uint64, as protobuf specifies. */
static void pb_uint(struct pb *b, int field, uint64_t v)
{
	pb_varint(b, (uint64_t)field << 3 | WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, int field, const void *data, size_t n)
{
	pb_varint(b, (uint64_t)field << 3 | WIRE_LEN);
	pb_varint(b, n);
	pb_raw(b, data, n);
}

/* Appends src to dst as a nested message and empties src. */
static void pb_nest(struct pb *dst, int field, struct pb *src)
{
	if (src->err)
		dst->err = src->err;
	pb_bytes(dst, field, src->data, src->len);
	src->len = 0;
}

static int deflate_out(struct pprof *w, int flush)
{
	uint8_t chunk[16384];
	int ret;

	w->zs.next_in = w->top.data;
	w->zs.avail_in = w->top.len;
	do {
		size_t have;

		w->zs.next_out = chunk;
		w->zs.avail_out = sizeof(chunk);
		ret = deflate(&w->zs, flush);
		if (ret == Z_STREAM_ERROR)
			return -EIO;
		have = sizeof(chunk) - w->zs.avail_out;
		if (fwrite(chunk, 1, have, w->out) != have)
			return -EIO;
	} while (w->zs.avail_out == 0);
	w->top.len = 0;
	return 0;
}

/* Hands buffered top-level fields to deflate once enough have piled up. */
static int top_done(struct pprof *w)
{
	if (w->top.err || w->msg.err || w->sub.err)
		return -ENOMEM;
	return w->top.len >= FLUSH_AT ? deflate_out(w, Z_NO_FLUSH) : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_loc(const void *a, const void *b)
{
	const struct loc *x = a, *y = b;

	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static uint64_t str_id(const struct pprof *w, const char *s)
{
	const char **hit = bsearch(&s, w->strs, w->nstrs, sizeof(*w->strs), cmp_str);

	return hit - w->strs;
}

static uint64_t loc_id(const struct pprof *w, const struct pc_frame *f)
{
	struct loc key = {f->func, f->line};
	const struct loc *hit = bsearch(&key, w->locs, w->nlocs, sizeof(*w->locs), cmp_loc);

	return hit - w->locs + 1;
}

/*
 * The string table: every string the profile refers to, sorted and unique.
 * "" sorts first, which is the index 0 the decoder insists on.
 */
static int build_strings(struct pprof *w)
{
	const struct profile *p = w->p;
	const char *fixed[] = {"",
			       "samples",
			       "count",
			       "pid",
			       "tid",
			       "endpoint",
			       "status",
			       report__str(p->meta.metric),
			       report__str(p->meta.unit)};
	size_t nfixed = ARRAY_SIZE(fixed), n = 0;

	w->strs = malloc((nfixed + 2 * p->nfuncs + p->nendpoints) * sizeof(*w->strs));
	if (!w->strs)
		return -ENOMEM;
	for (size_t i = 0; i < nfixed; i++)
		w->strs[n++] = fixed[i];
	for (size_t i = 0; i < p->nendpoints; i++)
		w->strs[n++] = p->endpoints[i].name;
	for (size_t i = 0; i < p->nfuncs; i++) {
		w->strs[n++] = p->funcs[i].qualname;
		w->strs[n++] = p->funcs[i].filename;
	}
	qsort(w->strs, n, sizeof(*w->strs), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (!w->nstrs || strcmp(w->strs[w->nstrs - 1], w->strs[i]))
			w->strs[w->nstrs++] = w->strs[i];
	return 0;
}

static int build_locations(struct pprof *w)
{
	const struct profile *p = w->p;
	size_t n = 0;

	for (size_t i = 0; i < p->nstacks; i++)
		n += p->stacks[i].depth;
	w->locs = malloc((n ? n : 1) * sizeof(*w->locs));
	if (!w->locs)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < p->nstacks; i++)
		for (uint32_t d = 0; d < p->stacks[i].depth; d++)
			w->locs[n++] =
			    (struct loc){p->stacks[i].frames[d].func, p->stacks[i].frames[d].line};
	qsort(w->locs, n, sizeof(*w->locs), cmp_loc);
	for (size_t i = 0; i < n; i++)
		if (!w->nlocs || cmp_loc(&w->locs[w->nlocs - 1], &w->locs[i]))
			w->locs[w->nlocs++] = w->locs[i];
	return 0;
}

static void put_value_type(struct pprof *w, int field, const char *type, const char *unit)
{
	pb_uint(&w->msg, VALUE_TYPE_TYPE, str_id(w, type));
	pb_uint(&w->msg, VALUE_TYPE_UNIT, str_id(w, unit));
	pb_nest(&w->top, field, &w->msg);
}

static void put_label(struct pprof *w, const char *key, uint64_t num)
{
	pb_uint(&w->sub, LABEL_KEY, str_id(w, key));
	pb_uint(&w->sub, LABEL_NUM, num);
	pb_nest(&w->msg, SAMPLE_LABEL, &w->sub);
}

static void put_str_label(struct pprof *w, const char *key, const char *str)
{
	pb_uint(&w->sub, LABEL_KEY, str_id(w, key));
	pb_uint(&w->sub, LABEL_STR, str_id(w, str));
	pb_nest(&w->msg, SAMPLE_LABEL, &w->sub);
}

static int put_samples(struct pprof *w)
{
	const struct profile *p = w->p;
	int err;

	for (size_t i = 0; i < p->nsamples; i++) {
		const struct pc_sample *s = &p->samples[i];
		const struct pc_stack *st = &p->stacks[s->stack];

		/* pprof lists locations leaf first, the reverse of pc_stack */
		for (uint32_t d = st->depth; d-- > 0;)
			pb_varint(&w->sub, loc_id(w, &st->frames[d]));
		pb_nest(&w->msg, SAMPLE_LOCATION_ID, &w->sub);
		pb_varint(&w->sub, s->count);
		pb_varint(&w->sub, s->weight);
		pb_nest(&w->msg, SAMPLE_VALUE, &w->sub);
		put_label(w, "pid", s->pid);
		put_label(w, "tid", s->tid);
		/* samples inside requests: go tool pprof -tagfocus endpoint=... */
		if (s->endpoint >= 0) {
			put_str_label(w, "endpoint", p->endpoints[s->endpoint].name);
			put_label(w, "status", s->status);
		}
		pb_nest(&w->top, PROFILE_SAMPLE, &w->msg);
		err = top_done(w);
		if (err)
			return err;
	}
	return 0;
}

static int put_locations(struct pprof *w)
{
	int err;

	for (size_t i = 0; i < w->nlocs; i++) {
		pb_uint(&w->msg, LOCATION_ID, i + 1);
		pb_uint(&w->sub, LINE_FUNCTION_ID, w->locs[i].func + 1);
		pb_uint(&w->sub, LINE_LINE, (uint64_t)(int64_t)w->locs[i].line);
		pb_nest(&w->msg, LOCATION_LINE, &w->sub);
		pb_nest(&w->top, PROFILE_LOCATION, &w->msg);
		err = top_done(w);
		if (err)
			return err;
	}
	return 0;
}

static int put_functions(struct pprof *w)
{
	const struct profile *p = w->p;
	int err;

	for (size_t i = 0; i < p->nfuncs; i++) {
		const struct pc_function *fn = &p->funcs[i];

		pb_uint(&w->msg, FUNCTION_ID, i + 1);
		pb_uint(&w->msg, FUNCTION_NAME, str_id(w, fn->qualname));
		pb_uint(&w->msg, FUNCTION_SYSTEM_NAME, str_id(w, fn->qualname));
		pb_uint(&w->msg, FUNCTION_FILENAME, str_id(w, fn->filename));
		pb_uint(&w->msg, FUNCTION_START_LINE, (uint64_t)(int64_t)fn->firstlineno);
		pb_nest(&w->top, PROFILE_FUNCTION, &w->msg);
		err = top_done(w);
		if (err)
			return err;
	}
	return 0;
}

static int put_header(struct pprof *w)
{
	const struct pc_meta *m = &w->p->meta;
	uint64_t period = m->period;
	int err;

	/* frequency-based cpu sampling: the period is implied by the frequency */
	if (!period && m->freq && report__is_ns(w->p))
		period = 1000000000 / m->freq;
	put_value_type(w, PROFILE_SAMPLE_TYPE, "samples", "count");
	put_value_type(w, PROFILE_SAMPLE_TYPE, report__str(m->metric), report__str(m->unit));
	put_value_type(w, PROFILE_PERIOD_TYPE, report__str(m->metric), report__str(m->unit));
	pb_uint(&w->top, PROFILE_PERIOD, period);
	pb_uint(&w->top, PROFILE_TIME_NANOS, (uint64_t)m->start_ns);
	pb_uint(&w->top, PROFILE_DURATION_NANOS, m->duration_ns);
	for (size_t i = 0; i < w->nstrs; i++) {
		pb_bytes(&w->top, PROFILE_STRING_TABLE, w->strs[i], strlen(w->strs[i]));
		err = top_done(w);
		if (err)
			return err;
	}
	return top_done(w);
}

int report_pprof(const struct profile *p, const struct report_opts *o, FILE *out)
{
	struct pprof w = {.p = p, .out = out};
	bool zinit = false;
	int err;

	(void)o;
	err = build_strings(&w);
	if (err)
		goto cleanup;
	err = build_locations(&w);
	if (err)
		goto cleanup;
	/* windowBits 15 + 16 selects the gzip wrapper rather than zlib's */
	if (deflateInit2(&w.zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		err = -ENOMEM;
		goto cleanup;
	}
	zinit = true;
	err = put_header(&w);
	if (!err)
		err = put_functions(&w);
	if (!err)
		err = put_locations(&w);
	if (!err)
		err = put_samples(&w);
	if (!err)
		err = deflate_out(&w, Z_FINISH);
cleanup:
	if (zinit)
		deflateEnd(&w.zs);
	free(w.strs);
	free(w.locs);
	free(w.top.data);
	free(w.msg.data);
	free(w.sub.data);
	return err;
}
