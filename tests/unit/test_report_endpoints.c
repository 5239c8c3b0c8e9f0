// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * The endpoint and request reports on hand-built requests: counts, exact
 * status mix, nearest-rank percentiles, backend means, the peak-minute
 * active users, and one JSON object per request.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static char *render(const struct profile *p, enum report_format f, enum report_by by)
{
	struct report_opts o = {f, by, 0};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_eq(report__write(p, &o, out), 0);
	fclose(out);
	return buf;
}

static struct profile *web_profile(void)
{
	struct profile *p = profile__new();
	int a = profile__intern_endpoint(p, "GET /users/{n}");
	int b = profile__intern_endpoint(p, "POST /login");

	profile__set_str(&p->meta.metric, "cpu");
	profile__set_str(&p->meta.unit, "nanoseconds");
	p->meta.duration_ns = 10000000000ULL;
	/* 10 requests of /users: cost 100..1000 us, latency = 2 x cost, db 50 us each */
	for (int i = 1; i <= 10; i++) {
		struct pc_request r = {
		    .pid = 7,
		    .tid = 7,
		    .endpoint = a,
		    .status = i == 10 ? 500 : 200,
		    .start_ns = 60000000000LL * 100 + i,
		    .latency_ns = 200000ULL * i,
		    .cost = 100000ULL * i,
		    .cpu_ns = 100000ULL * i,
		    .offcpu_ns = 100000ULL * i,
		    .db_ns = 50000,
		    .user = 1 + i % 3,
		    .method = "GET",
		    .path = "/users/1",
		    .view = "user (app.py)",
		};

		profile__add_request(p, &r);
	}
	{
		struct pc_request r = {.pid = 7,
				       .tid = 8,
				       .endpoint = b,
				       .status = 302,
				       .latency_ns = 1000,
				       .cost = 1000,
				       .cpu_ns = 1000,
				       .method = "POST",
				       .path = "/login",
				       .view = ""};

		profile__add_request(p, &r);
	}
	profile__set_label(p, 7, "worker", "1");
	return p;
}

Test(report_endpoints, json)
{
	struct profile *p = web_profile();
	char *s = render(p, REPORT_JSON, REPORT_BY_ENDPOINT);

	cr_expect(strstr(s, "{\"endpoint\": \"GET /users/{n}\", \"view\": \"\", \"requests\": 10, "
			    "\"status\": {\"200\": 9, \"500\": 1}"),
		  "%s", s);
	/* nearest rank: p50 of 200..2000 us is the 5th, p90 the 9th, p99 the 10th */
	cr_expect(strstr(s, "\"latency_us\": {\"p50\": 1000.0, \"p90\": 1800.0, \"p99\": 2000.0}"),
		  "%s", s);
	cr_expect(strstr(s, "\"cost\": {\"mean\": 550000, \"p50\": 500000, \"p99\": 1000000, "
			    "\"total\": 5500000}"),
		  "%s", s);
	cr_expect(strstr(s, "\"on_cpu_share\": 0.5000"), "%s", s);
	cr_expect(strstr(s, "\"backend_us\": {\"db\": 50.0, \"cache\": 0.0, \"other\": 0.0}"), "%s",
		  s);
	/* users 1..3 within one minute: cost of that minute / 3 */
	cr_expect(strstr(s, "\"active_users\": 3, \"cost_per_active_user\": 1833333"), "%s", s);
	cr_expect(strstr(s, "{\"endpoint\": \"POST /login\""), "%s", s);
	free(s);
	profile__free(p);
}

Test(report_endpoints, table_and_requests)
{
	struct profile *p = web_profile();
	char *s = render(p, REPORT_TABLE, REPORT_BY_ENDPOINT);
	int lines = 0;

	cr_expect(strstr(s, "requests    11 in 2 endpoints"), "%s", s);
	cr_expect(strstr(s, "GET /users/{n}"), "%s", s);
	free(s);
	s = render(p, REPORT_JSON, REPORT_BY_REQUEST);
	for (char *c = s; *c; c++)
		lines += *c == '\n';
	cr_expect_eq(lines, 11);
	cr_expect(strstr(s, "\"status\": 500"), "%s", s);
	cr_expect(strstr(s, "\"worker\": \"1\"}"), "%s", s);
	free(s);
	{
		struct report_opts o = {REPORT_PPROF, REPORT_BY_ENDPOINT, 0};

		cr_expect_eq(report__write(p, &o, stdout), -EINVAL);
	}
	profile__free(p);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *s = hay; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

/*
 * The HTML page carries the endpoint JSON, the stacks and a time series;
 * names from the wire cannot close its script element or open a comment.
 */
Test(report_endpoints, html)
{
	struct profile *p = web_profile();
	int hostile = profile__intern_endpoint(p, "GET /</script><script>alert(1)</script>");
	int fn = profile__intern_func(p, "<!--f", "</script>.py", 3);
	struct pc_frame fr = {fn, 4};
	struct pc_sample smp = {.stack = profile__intern_stack(p, &fr, 1),
				.pid = 7,
				.tid = 7,
				.endpoint = hostile,
				.status = 200,
				.count = 2,
				.weight = 5000};
	char *s;

	cr_assert(hostile >= 0 && fn >= 0);
	cr_assert_eq(profile__add_sample(p, &smp), 0);
	/* another thread's row: the page sums rows per (stack, endpoint) */
	smp.tid = 8;
	cr_assert_eq(profile__add_sample(p, &smp), 0);
	s = render(p, REPORT_HTML, REPORT_BY_FUNCTION);
	cr_expect_eq(strncmp(s, "<!DOCTYPE html>", 15), 0);
	/* the data's and the script's own closing tags, nothing from the names */
	cr_expect_eq(count_of(s, "</script>"), 2, "%s", s);
	cr_expect_eq(count_of(s, "<!--"), 0);
	cr_expect(strstr(s, "\"GET /\\u003c/script>\\u003cscript>alert(1)\\u003c/script>\""));
	cr_expect(strstr(s, "[\"\\u003c!--f\",\"\\u003c/script>.py\",3]"));
	/* the two sample rows of one (stack, endpoint) are summed */
	cr_expect(strstr(s, "\"samples\": [[0,2,10000,4]]"), "%s", strstr(s, "\"samples\""));
	/*
	 * 10 s in 1 s buckets; web_profile's requests start 100 minutes after
	 * the capture's start (0), past its end: they land in the last bucket.
	 */
	cr_expect(strstr(s, "\"series\": {\"step_s\": 1, \"n\": 10, \"last_s\": 1, \"eps\": "
			    "[[[0,0,0,0,0,0,0,0,0,10],[0,0,0,0,0,0,0,0,0,5500000]]"),
		  "%s", strstr(s, "\"series\""));
	/*
	 * Latency p50 and p99 (nearest rank, us) per endpoint and bucket, then
	 * over all: /users' 200..2000 us in the last bucket, /login's 1 us in
	 * the first (it starts at 0), none for the hostile endpoint.
	 */
	cr_expect(strstr(s, "\"lat\": [[[null,null,null,null,null,null,null,null,null,1000.0],"
			    "[null,null,null,null,null,null,null,null,null,2000.0]],\n"
			    "[[1.0,null,null,null,null,null,null,null,null,null],"
			    "[1.0,null,null,null,null,null,null,null,null,null]],\n"
			    "[[null,null,null,null,null,null,null,null,null,null],"
			    "[null,null,null,null,null,null,null,null,null,null]],\n"
			    "[[1.0,null,null,null,null,null,null,null,null,1000.0],"
			    "[1.0,null,null,null,null,null,null,null,null,2000.0]]]}"),
		  "%s", strstr(s, "\"lat\""));
	cr_expect(strstr(s, "document.body.dataset.rendered = \"ok\""));
	free(s);
	/* 10.2 s: the last 0.2 s join the tenth bucket, not make an eleventh */
	p->meta.duration_ns = 10200000000ULL;
	s = render(p, REPORT_HTML, REPORT_BY_FUNCTION);
	cr_expect(strstr(s, "\"series\": {\"step_s\": 1, \"n\": 10, \"last_s\": 1.2, "), "%s",
		  strstr(s, "\"series\""));
	free(s);
	profile__free(p);
}
