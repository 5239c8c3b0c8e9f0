/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Report writers on a hand-built profile with known numbers: `work` has 3 ms
 * of self cost and `main` 1 ms (a 3:1 split), spread over two processes and
 * three threads.  Text formats are checked byte for byte where the format
 * fixes them; pprof is gunzip'd and decoded field by field; pstats is
 * compared with the marshal bytes CPython would read.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "profile.h"
#include "report.h"
#include "report_util.h"

#define START_NS 1767225600000000000LL

static struct profile *prof;

/* main (app.py:10) -> work (app.py:20): 3 samples, 3 ms; main alone: 1 sample, 1 ms */
static void build_profile(void)
{
	struct pc_frame a[2], b[1];
	int fmain, fwork, sa, sb;

	prof = profile__new();
	cr_assert_not_null(prof);
	fmain = profile__intern_func(prof, "main", "app.py", 10);
	fwork = profile__intern_func(prof, "work", "app.py", 20);
	cr_assert(fmain == 0 && fwork == 1);
	a[0] = (struct pc_frame){fmain, 12};
	a[1] = (struct pc_frame){fwork, 22};
	b[0] = (struct pc_frame){fmain, 13};
	sa = profile__intern_stack(prof, a, 2);
	sb = profile__intern_stack(prof, b, 1);
	cr_assert(sa == 0 && sb == 1);
	cr_assert(!profile__add(prof, sa, 100, 100, 2, 2000000));
	cr_assert(!profile__add(prof, sa, 200, 200, 1, 1000000));
	cr_assert(!profile__add(prof, sb, 100, 101, 1, 1000000));
	cr_assert(!profile__set_process(prof, 100, "python3 app.py", "3.11.2", "table 3.11",
					"/usr/bin/python3.11"));
	cr_assert(!profile__set_process(prof, 200, "python3 app.py", "3.12.1", "table 3.12",
					"/usr/bin/python3.12"));
	cr_assert(!profile__set_str(&prof->meta.metric, "cpu"));
	cr_assert(!profile__set_str(&prof->meta.unit, "nanoseconds"));
	cr_assert(!profile__set_str(&prof->meta.host, "box"));
	cr_assert(!profile__set_str(&prof->meta.kernel, "6.1.0"));
	cr_assert(!profile__set_str(&prof->meta.pycost_version, "0.1.0"));
	cr_assert(!profile__set_str(&prof->meta.sampler, "perf-event"));
	prof->meta.period = 1000000;
	prof->meta.start_ns = START_NS;
	prof->meta.duration_ns = 1000000000;
	prof->meta.samples = 4;
	prof->meta.drops = 7;
}

/* A profile of one stack [name@2] in file, with one sample row. */
static void build_single(const char *name, const char *file, const char *unit, uint64_t count,
			 uint64_t weight)
{
	struct pc_frame f;
	int fn, st;

	prof = profile__new();
	cr_assert_not_null(prof);
	fn = profile__intern_func(prof, name, file, 1);
	cr_assert(fn >= 0);
	f = (struct pc_frame){fn, 2};
	st = profile__intern_stack(prof, &f, 1);
	cr_assert(st >= 0);
	cr_assert(!profile__add(prof, st, 1, 1, count, weight));
	cr_assert(!profile__set_str(&prof->meta.unit, unit));
}

static void free_profile(void)
{
	profile__free(prof);
	prof = NULL;
}

/* Runs one writer through report__write; the caller frees the result. */
static char *render(enum report_format format, enum report_by by, int top, size_t *len)
{
	struct report_opts o = {.format = format, .by = by, .top = top};
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int err;

	cr_assert_not_null(f);
	err = report__write(prof, &o, f);
	cr_assert(!fclose(f));
	cr_assert_eq(err, 0);
	if (len)
		*len = n;
	return buf;
}

static void expect_contains(const char *hay, const char *needle)
{
	cr_expect(strstr(hay, needle), "missing \"%s\" in:\n%s", needle, hay);
}

Test(report, parse)
{
	static const char *const names[] = {"table",	  "folded", "pprof", "pstats",
					    "speedscope", "json",   "html"};
	enum report_format f;
	enum report_by by;

	for (int i = 0; i < 7; i++) {
		cr_assert_eq(report__parse_format(names[i], &f), 0);
		cr_expect_eq(f, i);
	}
	cr_expect_eq(report__parse_format("svg", &f), -EINVAL);
	cr_expect_eq(report__parse_format("", &f), -EINVAL);
	cr_assert_eq(report__parse_by("function", &by), 0);
	cr_expect_eq(by, REPORT_BY_FUNCTION);
	cr_assert_eq(report__parse_by("stack", &by), 0);
	cr_expect_eq(by, REPORT_BY_STACK);
	cr_expect_eq(report__parse_by("line", &by), -EINVAL);
}

Test(report, bad_format_is_einval, .init = build_profile, .fini = free_profile)
{
	struct report_opts o = {.format = (enum report_format)42};

	cr_expect_eq(report__write(prof, &o, stdout), -EINVAL);
}

Test(report, fmt_cost)
{
	char buf[32];

	report__fmt_cost(buf, sizeof(buf), 750, "nanoseconds");
	cr_expect_str_eq(buf, "750 ns");
	report__fmt_cost(buf, sizeof(buf), 3000000, "nanoseconds");
	cr_expect_str_eq(buf, "3.00 ms");
	report__fmt_cost(buf, sizeof(buf), 1500000000, "nanoseconds");
	cr_expect_str_eq(buf, "1.50 s");
	report__fmt_cost(buf, sizeof(buf), 250000, "nanoseconds");
	cr_expect_str_eq(buf, "250 us");
	report__fmt_cost(buf, sizeof(buf), 999, "instructions");
	cr_expect_str_eq(buf, "999");
	report__fmt_cost(buf, sizeof(buf), 12345678901ULL, "instructions");
	cr_expect_str_eq(buf, "12.3 G");
	report__fmt_cost(buf, sizeof(buf), 4500000, "cycles");
	cr_expect_str_eq(buf, "4.50 M");
}

Test(report, folded, .init = build_profile, .fini = free_profile)
{
	char *s = render(REPORT_FOLDED, REPORT_BY_FUNCTION, 0, NULL);

	/* aggregated over pids and tids, heaviest first, current lines */
	cr_expect_str_eq(s,
			 "main (app.py:12);work (app.py:22) 3000000\nmain (app.py:13) 1000000\n");
	free(s);
}

Test(report, folded_sanitizes_names, .fini = free_profile)
{
	struct pc_frame fr[2];
	char *s;

	prof = profile__new();
	cr_assert_not_null(prof);
	fr[0] = (struct pc_frame){profile__intern_func(prof, "[native]", "", 0), 0};
	fr[1] = (struct pc_frame){profile__intern_func(prof, "a;b\nc", "x;y\r.py", 5), 0};
	cr_assert(!profile__add(prof, profile__intern_stack(prof, fr, 2), 1, 1, 1, 7));
	s = render(REPORT_FOLDED, REPORT_BY_FUNCTION, 0, NULL);
	cr_expect_str_eq(s, "[native];a_b_c (x_y_.py) 7\n");
	free(s);
}

Test(report, table_functions, .init = build_profile, .fini = free_profile)
{
	char *s = render(REPORT_TABLE, REPORT_BY_FUNCTION, 0, NULL);

	expect_contains(s,
			"metric      cpu (nanoseconds), one sample every 1.00 ms (perf-event)\n");
	expect_contains(s, "duration    1.00 s, started 2026-01-01T00:00:00Z\n");
	expect_contains(s, "samples     4 in this report (4 received), 4.00 ms\n");
	expect_contains(s, "  pid 100     python 3.11.2          3 samples  python3 app.py\n");
	expect_contains(s, "  pid 200     python 3.12.1          1 samples  python3 app.py\n");
	expect_contains(s, "drops       7 records lost in the kernel\n");
	expect_contains(s, "truncated   0 stacks cut at the maximum depth\n");
	expect_contains(s, "overhead    not recorded\n");
	expect_contains(s, " 75.00   75.00    3.00 ms    3.00 ms         3  work (app.py:20)\n"
			   " 25.00  100.00    1.00 ms    4.00 ms         4  main (app.py:10)\n");
	free(s);
}

Test(report, table_overhead_counted, .init = build_profile, .fini = free_profile)
{
	char *s;

	prof->meta.self_cpu_ns = 43260000;
	s = render(REPORT_TABLE, REPORT_BY_FUNCTION, 0, NULL);
	expect_contains(s, "overhead    43.3 ms of pycost's CPU; its BPF programs' time not "
			   "counted (kernel.bpf_stats_enabled=1 counts it)\n");
	free(s);
	prof->meta.bpf_ns = 182240000;
	prof->meta.bpf_runs = 504101;
	s = render(REPORT_TABLE, REPORT_BY_FUNCTION, 0, NULL);
	expect_contains(s, "overhead    43.3 ms of pycost's CPU; 182.2 ms in its BPF programs "
			   "(504101 runs)\n");
	free(s);
	s = render(REPORT_JSON, REPORT_BY_FUNCTION, 0, NULL);
	expect_contains(s, "\"self_cpu_ns\": 43260000, \"bpf_ns\": 182240000, "
			   "\"bpf_runs\": 504101,");
	free(s);
}

Test(report, table_top, .init = build_profile, .fini = free_profile)
{
	char *s = render(REPORT_TABLE, REPORT_BY_FUNCTION, 1, NULL);

	expect_contains(s, "work (app.py:20)\n");
	cr_expect(!strstr(s, "main (app.py:10)"));
	free(s);
}

Test(report, table_stacks, .init = build_profile, .fini = free_profile)
{
	char *s = render(REPORT_TABLE, REPORT_BY_STACK, 0, NULL);

	expect_contains(s, "#1  3.00 ms  75.00%  3 samples  (root first)\n"
			   "    main (app.py:12)\n"
			   "    work (app.py:22)\n\n"
			   "#2  1.00 ms  25.00%  1 samples  (root first)\n"
			   "    main (app.py:13)\n");
	free(s);
}

Test(report, json_functions, .init = build_profile, .fini = free_profile)
{
	char *s = render(REPORT_JSON, REPORT_BY_FUNCTION, 0, NULL);

	cr_expect(!strncmp(s,
			   "{\"meta\": {\"host\": \"box\", \"kernel\": \"6.1.0\", "
			   "\"pycost_version\": \"0.1.0\", \"metric\": \"cpu\", "
			   "\"unit\": \"nanoseconds\", \"sampler\": \"perf-event\", "
			   "\"period\": 1000000, \"freq\": 0, "
			   "\"start_ns\": 1767225600000000000, \"duration_ns\": 1000000000, "
			   "\"samples\": 4, \"drops\": 7, \"truncated\": 0, \"unknown_code\": 0,",
			   strlen("{\"meta\": {\"host\": \"box\", \"kernel\": \"6.1.0\", "
				  "\"pycost_version\": \"0.1.0\", \"metric\": \"cpu\", "
				  "\"unit\": \"nanoseconds\", \"period\": 1000000, \"freq\": 0, "
				  "\"start_ns\": 1767225600000000000, \"duration_ns\": 1000000000, "
				  "\"samples\": 4, \"drops\": 7, \"truncated\": 0, "
				  "\"unknown_code\": 0,")),
		  "%s", s);
	expect_contains(s, "{\"pid\": 100, \"cmdline\": \"python3 app.py\", "
			   "\"python_version\": \"3.11.2\", \"layout_source\": \"table 3.11\", "
			   "\"exe\": \"/usr/bin/python3.11\", \"labels\": {}}");
	expect_contains(s, "\"total_weight\": 4000000, \"total_count\": 4");
	expect_contains(
	    s, "\"functions\": [\n"
	       " {\"qualname\": \"work\", \"filename\": \"app.py\", \"firstlineno\": 20, "
	       "\"self\": 3000000, \"total\": 3000000, \"self_pct\": 75, \"total_pct\": 75, "
	       "\"samples\": 3, \"self_samples\": 3},\n"
	       " {\"qualname\": \"main\", \"filename\": \"app.py\", \"firstlineno\": 10, "
	       "\"self\": 1000000, \"total\": 4000000, \"self_pct\": 25, "
	       "\"total_pct\": 100, \"samples\": 4, \"self_samples\": 1}]}\n");
	cr_expect(!strstr(s, "\"stacks\""));
	free(s);
}

Test(report, json_stacks, .init = build_profile, .fini = free_profile)
{
	char *s = render(REPORT_JSON, REPORT_BY_STACK, 0, NULL);

	expect_contains(s, "\"stacks\": [\n"
			   " {\"frames\": [{\"qualname\": \"main\", \"filename\": \"app.py\", "
			   "\"line\": 12}, {\"qualname\": \"work\", \"filename\": \"app.py\", "
			   "\"line\": 22}], \"weight\": 3000000, \"count\": 3},\n"
			   " {\"frames\": [{\"qualname\": \"main\", \"filename\": \"app.py\", "
			   "\"line\": 13}], \"weight\": 1000000, \"count\": 1}]}\n");
	free(s);
}

Test(report, json_escaping, .fini = free_profile)
{
	char *s;

	build_single("q\"b\\s\x01\t\n\x7f é\xff", "caf\xc3\xa9.py", "nanoseconds", 1, 1);
	s = render(REPORT_JSON, REPORT_BY_FUNCTION, 0, NULL);
	/* control chars escaped, UTF-8 kept, a stray byte replaced */
	expect_contains(s, "{\"qualname\": \"q\\\"b\\\\s\\u0001\\t\\n\x7f é\\ufffd\", "
			   "\"filename\": \"caf\xc3\xa9.py\"");
	/* meta strings never set are null, not "" */
	expect_contains(s, "{\"meta\": {\"host\": null,");
	free(s);
}

Test(report, utf8_seq)
{
	cr_expect_eq(report__utf8_seq("a"), 1);
	cr_expect_eq(report__utf8_seq("\xc3\xa9"), 2);
	cr_expect_eq(report__utf8_seq("\xe2\x82\xac"), 3);
	cr_expect_eq(report__utf8_seq("\xf0\x9f\x90\x8d"), 4);
	cr_expect_eq(report__utf8_seq("\xc3"), 0);	       /* truncated */
	cr_expect_eq(report__utf8_seq("\xc0\xaf"), 0);	       /* overlong */
	cr_expect_eq(report__utf8_seq("\xed\xa0\x80"), 0);     /* surrogate */
	cr_expect_eq(report__utf8_seq("\xf4\x90\x80\x80"), 0); /* > U+10FFFF */
}

Test(report, speedscope, .init = build_profile, .fini = free_profile)
{
	char *s = render(REPORT_SPEEDSCOPE, REPORT_BY_FUNCTION, 0, NULL);

	cr_expect(!strncmp(
	    s, "{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\"", 64));
	expect_contains(s, "\"shared\": {\"frames\": [\n"
			   " {\"name\": \"main\", \"file\": \"app.py\", \"line\": 10},\n"
			   " {\"name\": \"work\", \"file\": \"app.py\", \"line\": 20}]},\n");
	expect_contains(s, "{\"type\": \"sampled\", \"name\": \"pid 100 (python 3.11.2): "
			   "python3 app.py\", \"unit\": \"nanoseconds\", \"startValue\": 0, "
			   "\"endValue\": 3000000,\n"
			   "  \"samples\": [[0,1], [0]],\n"
			   "  \"weights\": [2000000, 1000000]}");
	expect_contains(s, "\"endValue\": 1000000,\n"
			   "  \"samples\": [[0,1]],\n"
			   "  \"weights\": [1000000]}");
	free(s);
}

Test(report, speedscope_unit_none, .fini = free_profile)
{
	char *s;

	build_single("f", "a.py", "instructions", 1, 5);
	s = render(REPORT_SPEEDSCOPE, REPORT_BY_FUNCTION, 0, NULL);
	expect_contains(s, "\"unit\": \"none\"");
	free(s);
}

/* A gzip'd Profile, gunzip'd and decoded into the fields the writer sets. */
#define MAXN 16

struct dec_sample {
	uint64_t locs[MAXN], nlocs;
	int64_t values[MAXN];
	uint64_t nvalues;
	uint64_t label_key[MAXN], label_num[MAXN], nlabels;
};

struct dec_profile {
	char *strs[64];
	size_t nstrs;
	uint64_t sample_type[MAXN][2], nsample_types;
	uint64_t period_type[2];
	struct dec_sample samples[MAXN];
	size_t nsamples;
	uint64_t loc_id[MAXN], loc_func[MAXN], loc_line[MAXN], nlocs;
	uint64_t fn_id[MAXN], fn_name[MAXN], fn_system_name[MAXN], fn_file[MAXN], fn_start[MAXN];
	uint64_t nfuncs;
	uint64_t period, time_nanos, duration_nanos;
};

struct rd {
	const uint8_t *p, *end;
};

static uint64_t rd_varint(struct rd *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		cr_assert(r->p < r->end, "varint runs past the message");
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
	}
	cr_assert_fail("varint longer than 10 bytes");
	return 0;
}

/* Reads one field: a varint in *v, or a length-delimited body in *sub. */
static bool rd_field(struct rd *r, int *field, uint64_t *v, struct rd *sub)
{
	uint64_t key, len;

	if (r->p == r->end)
		return false;
	key = rd_varint(r);
	*field = key >> 3;
	if ((key & 7) == 0) {
		*v = rd_varint(r);
		return true;
	}
	cr_assert_eq(key & 7, 2, "only varint and length-delimited fields are written");
	len = rd_varint(r);
	cr_assert(len <= (uint64_t)(r->end - r->p));
	*sub = (struct rd){r->p, r->p + len};
	r->p += len;
	return true;
}

static void rd_value_type(struct rd r, uint64_t out[2])
{
	struct rd sub;
	uint64_t v;
	int f;

	while (rd_field(&r, &f, &v, &sub))
		out[f - 1] = v;
}

static void rd_sample(struct rd r, struct dec_sample *s)
{
	struct rd sub, dummy;
	uint64_t v;
	int f, lf;

	while (rd_field(&r, &f, &v, &sub)) {
		if (f == 1)
			while (sub.p < sub.end)
				s->locs[s->nlocs++] = rd_varint(&sub);
		if (f == 2)
			while (sub.p < sub.end)
				s->values[s->nvalues++] = rd_varint(&sub);
		if (f == 3) {
			while (rd_field(&sub, &lf, &v, &dummy)) {
				if (lf == 1)
					s->label_key[s->nlabels] = v;
				if (lf == 3)
					s->label_num[s->nlabels] = v;
			}
			s->nlabels++;
		}
	}
}

static void rd_location(struct rd r, struct dec_profile *d)
{
	struct rd sub, dummy;
	uint64_t v;
	int f, lf;

	while (rd_field(&r, &f, &v, &sub)) {
		if (f == 1)
			d->loc_id[d->nlocs] = v;
		cr_assert(f == 1 || f == 4, "location field %d", f);
		while (f == 4 && rd_field(&sub, &lf, &v, &dummy)) {
			if (lf == 1)
				d->loc_func[d->nlocs] = v;
			if (lf == 2)
				d->loc_line[d->nlocs] = v;
		}
	}
	d->nlocs++;
}

static void rd_function(struct rd r, struct dec_profile *d)
{
	uint64_t *const dst[] = {NULL,	     d->fn_id,	 d->fn_name, d->fn_system_name,
				 d->fn_file, d->fn_start};
	struct rd sub;
	uint64_t v;
	int f;

	while (rd_field(&r, &f, &v, &sub)) {
		cr_assert(f >= 1 && f <= 5);
		dst[f][d->nfuncs] = v;
	}
	d->nfuncs++;
}

static void decode_pprof(const char *gz, size_t len, struct dec_profile *d)
{
	static uint8_t raw[1 << 16];
	z_stream zs = {0};
	struct rd r, sub;
	uint64_t v;
	int f;

	cr_assert(len > 2 && (uint8_t)gz[0] == 0x1f && (uint8_t)gz[1] == 0x8b, "not gzip");
	cr_assert_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)gz;
	zs.avail_in = len;
	zs.next_out = raw;
	zs.avail_out = sizeof(raw);
	cr_assert_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
	cr_assert_eq(zs.avail_in, 0, "bytes after the gzip member");
	r = (struct rd){raw, raw + zs.total_out};
	inflateEnd(&zs);
	memset(d, 0, sizeof(*d));
	while (rd_field(&r, &f, &v, &sub)) {
		switch (f) {
		case 1:
			rd_value_type(sub, d->sample_type[d->nsample_types++]);
			break;
		case 2:
			rd_sample(sub, &d->samples[d->nsamples++]);
			break;
		case 4:
			rd_location(sub, d);
			break;
		case 5:
			rd_function(sub, d);
			break;
		case 6:
			d->strs[d->nstrs++] = strndup((const char *)sub.p, sub.end - sub.p);
			break;
		case 9:
			d->time_nanos = v;
			break;
		case 10:
			d->duration_nanos = v;
			break;
		case 11:
			rd_value_type(sub, d->period_type);
			break;
		case 12:
			d->period = v;
			break;
		default:
			cr_assert_fail("unexpected Profile field %d", f);
		}
	}
}

static void free_decoded(struct dec_profile *d)
{
	for (size_t i = 0; i < d->nstrs; i++)
		free(d->strs[i]);
}

/* The "qualname:line" a location id stands for. */
static void loc_name(const struct dec_profile *d, uint64_t id, char *buf, size_t size)
{
	for (uint64_t i = 0; i < d->nlocs; i++) {
		if (d->loc_id[i] != id)
			continue;
		for (uint64_t j = 0; j < d->nfuncs; j++)
			if (d->fn_id[j] == d->loc_func[i])
				snprintf(buf, size, "%s:%" PRIu64, d->strs[d->fn_name[j]],
					 d->loc_line[i]);
		return;
	}
	cr_assert_fail("no location %" PRIu64, id);
}

Test(report, pprof, .init = build_profile, .fini = free_profile)
{
	struct dec_profile d;
	char name[64];
	size_t len;
	char *s = render(REPORT_PPROF, REPORT_BY_FUNCTION, 0, &len);

	decode_pprof(s, len, &d);
	free(s);
	cr_assert(d.nstrs > 0);
	cr_expect_str_eq(d.strs[0], "");
	cr_assert_eq(d.nsample_types, 2);
	cr_expect_str_eq(d.strs[d.sample_type[0][0]], "samples");
	cr_expect_str_eq(d.strs[d.sample_type[0][1]], "count");
	cr_expect_str_eq(d.strs[d.sample_type[1][0]], "cpu");
	cr_expect_str_eq(d.strs[d.sample_type[1][1]], "nanoseconds");
	cr_expect_str_eq(d.strs[d.period_type[0]], "cpu");
	cr_expect_str_eq(d.strs[d.period_type[1]], "nanoseconds");
	cr_expect_eq(d.period, 1000000);
	cr_expect_eq(d.time_nanos, START_NS);
	cr_expect_eq(d.duration_nanos, 1000000000);

	/* one function per pc_function, ids from 1 */
	cr_assert_eq(d.nfuncs, 2);
	cr_expect_eq(d.fn_id[0], 1);
	cr_expect_str_eq(d.strs[d.fn_name[0]], "main");
	cr_expect_str_eq(d.strs[d.fn_system_name[0]], "main");
	cr_expect_str_eq(d.strs[d.fn_file[0]], "app.py");
	cr_expect_eq(d.fn_start[0], 10);
	cr_expect_eq(d.fn_id[1], 2);
	cr_expect_str_eq(d.strs[d.fn_name[1]], "work");
	cr_expect_eq(d.fn_start[1], 20);
	/* one location per distinct (function, line): main:12, main:13, work:22 */
	cr_expect_eq(d.nlocs, 3);

	cr_assert_eq(d.nsamples, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(d.samples[i].nvalues, 2);
		cr_assert_eq(d.samples[i].nlabels, 2);
		cr_expect_str_eq(d.strs[d.samples[i].label_key[0]], "pid");
		cr_expect_str_eq(d.strs[d.samples[i].label_key[1]], "tid");
	}
	/* leaf first */
	cr_assert_eq(d.samples[0].nlocs, 2);
	loc_name(&d, d.samples[0].locs[0], name, sizeof(name));
	cr_expect_str_eq(name, "work:22");
	loc_name(&d, d.samples[0].locs[1], name, sizeof(name));
	cr_expect_str_eq(name, "main:12");
	cr_expect_eq(d.samples[0].values[0], 2);
	cr_expect_eq(d.samples[0].values[1], 2000000);
	cr_expect_eq(d.samples[0].label_num[0], 100);
	cr_expect_eq(d.samples[0].label_num[1], 100);
	cr_expect_eq(d.samples[1].label_num[0], 200);
	cr_expect_eq(d.samples[1].values[1], 1000000);
	cr_assert_eq(d.samples[2].nlocs, 1);
	loc_name(&d, d.samples[2].locs[0], name, sizeof(name));
	cr_expect_str_eq(name, "main:13");
	cr_expect_eq(d.samples[2].label_num[1], 101);
	free_decoded(&d);
}

Test(report, pprof_frequency_period, .fini = free_profile)
{
	struct dec_profile d;
	size_t len;
	char *s;

	build_single("f", "a.py", "nanoseconds", 1, 5);
	prof->meta.freq = 100;
	s = render(REPORT_PPROF, REPORT_BY_FUNCTION, 0, &len);
	decode_pprof(s, len, &d);
	free(s);
	cr_expect_eq(d.period, 10000000);
	free_decoded(&d);
}

Test(report, pstats_bytes, .fini = free_profile)
{
	static const uint8_t want[] = {
	    '{',  ')',	3,   'u', 4, 0, 0, 0,	'a', '.',  'p',	 'y', 'i', 1,
	    0,	  0,	0,   'u', 1, 0, 0, 0,	'f', ')',  5,	 'i', 2,   0,
	    0,	  0,	'i', 2,	  0, 0, 0, 'g', 0,   0,	   0,	 0,   0,   0,
	    0xf8, 0x3f, 'g', 0,	  0, 0, 0, 0,	0,   0xf8, 0x3f, '{', '0', '0',
	};
	size_t len;
	char *s;

	/* {('a.py', 1, 'f'): (2, 2, 1.5, 1.5, {})}: 1.5 s of cpu in two samples */
	build_single("f", "a.py", "nanoseconds", 2, 1500000000);
	s = render(REPORT_PSTATS, REPORT_BY_FUNCTION, 0, &len);
	cr_assert_eq(len, sizeof(want));
	cr_expect(!memcmp(s, want, len));
	free(s);
}

Test(report, pstats_long_and_callers, .fini = free_profile)
{
	/* 3000000000 as marshal 'l': three 15-bit digits, least significant first */
	static const uint8_t big[] = {'l', 3, 0, 0, 0, 0x00, 0x5e, 0xa0, 0x65, 0x02, 0x00};
	/* callee b's callers: {('a.py', 1, 'a'): (3000000000, 3000000000, 6.0, 6.0)} */
	static const uint8_t callers[] = {'{', ')', 3, 'u', 4,	 0, 0, 0, 'a', '.', 'p', 'y', 'i',
					  1,   0,   0, 0,   'u', 1, 0, 0, 0,   'a', ')', 4};
	static const uint8_t six[] = {'g', 0, 0, 0, 0, 0, 0, 0x18, 0x40};
	struct pc_frame fr[2];
	size_t len;
	char *s;
	const char *at;

	prof = profile__new();
	cr_assert_not_null(prof);
	fr[0] = (struct pc_frame){profile__intern_func(prof, "a", "a.py", 1), 2};
	fr[1] = (struct pc_frame){profile__intern_func(prof, "b", "a.py", 5), 6};
	cr_assert(!profile__add(prof, profile__intern_stack(prof, fr, 2), 1, 1, 3000000000ULL, 6));
	cr_assert(!profile__set_str(&prof->meta.unit, "instructions"));
	s = render(REPORT_PSTATS, REPORT_BY_FUNCTION, 0, &len);
	cr_expect(memmem(s, len, big, sizeof(big)));
	at = memmem(s, len, callers, sizeof(callers));
	cr_assert(at, "callers dict of b not found");
	at += sizeof(callers);
	cr_expect(!memcmp(at, big, sizeof(big)));
	cr_expect(!memcmp(at + 2 * sizeof(big), six, sizeof(six)), "tt is the raw count");
	cr_expect(!memcmp(at + 2 * sizeof(big) + sizeof(six), six, sizeof(six)));
	free(s);
}

Test(report, empty_profile, .fini = free_profile)
{
	struct report_opts o = {0};
	struct dec_profile d;
	size_t len;
	char *s;

	prof = profile__new();
	cr_assert_not_null(prof);
	for (int f = REPORT_TABLE; f <= REPORT_JSON; f++)
		if (f != REPORT_PSTATS)
			free(render(f, REPORT_BY_STACK, 0, NULL));
	s = render(REPORT_FOLDED, REPORT_BY_FUNCTION, 0, &len);
	cr_expect_eq(len, 0);
	free(s);
	o.format = REPORT_PSTATS;
	cr_expect_eq(report__write(prof, &o, stdout), -ENODATA);
	s = render(REPORT_PPROF, REPORT_BY_FUNCTION, 0, &len);
	decode_pprof(s, len, &d);
	cr_expect_str_eq(d.strs[0], "");
	cr_expect_eq(d.nsamples, 0);
	free(s);
	free_decoded(&d);
}

Test(report, frameless_stack, .fini = free_profile)
{
	struct pc_frame none = {0};
	struct dec_profile d;
	size_t len;
	char *s;

	build_single("f", "a.py", "nanoseconds", 1, 5);
	cr_assert(!profile__add(prof, profile__intern_stack(prof, &none, 0), 1, 1, 1, 3));
	/* a folded line needs a frame; the other formats take the empty stack */
	s = render(REPORT_FOLDED, REPORT_BY_FUNCTION, 0, NULL);
	cr_expect_str_eq(s, "f (a.py:2) 5\n");
	free(s);
	s = render(REPORT_PPROF, REPORT_BY_FUNCTION, 0, &len);
	decode_pprof(s, len, &d);
	free(s);
	cr_assert_eq(d.nsamples, 2);
	cr_expect_eq(d.samples[1].nlocs, 0);
	cr_expect_eq(d.samples[1].values[1], 3);
	free_decoded(&d);
	s = render(REPORT_SPEEDSCOPE, REPORT_BY_FUNCTION, 0, NULL);
	expect_contains(s, "\"samples\": [[0], []],\n  \"weights\": [5, 3]}");
	free(s);
}

Test(report, write_error_is_reported, .init = build_profile, .fini = free_profile)
{
	struct report_opts o = {.format = REPORT_JSON};
	FILE *full = fopen("/dev/full", "w");

	if (!full)
		cr_skip_test("no /dev/full");
	cr_expect_eq(report__write(prof, &o, full), -ENOSPC);
	fclose(full);
}
