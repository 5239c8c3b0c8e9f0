// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * The profile model (interning, per-function costs with recursion counted
 * once) and the capture round trip, including refusal of corrupt files.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "profile.h"

static struct profile *sample_profile(void)
{
	struct profile *p = profile__new();
	int outer = profile__intern_func(p, "outer", "a.py", 1);
	int heavy = profile__intern_func(p, "heavy", "a.py", 10);
	int light = profile__intern_func(p, "light", "ü/b.py", 20);
	struct pc_frame s1[] = {{outer, 2}, {heavy, 11}};
	struct pc_frame s2[] = {{outer, 3}, {light, 21}};
	struct pc_frame s3[] = {{outer, 2}, {outer, 2}, {heavy, 12}};

	cr_assert_eq(profile__intern_func(p, "heavy", "a.py", 10), heavy);
	cr_assert_neq(profile__intern_func(p, "heavy", "a.py", 11), heavy);
	profile__add(p, profile__intern_stack(p, s1, 2), 10, 11, 3, 300);
	profile__add(p, profile__intern_stack(p, s1, 2), 10, 11, 3, 300);
	profile__add(p, profile__intern_stack(p, s2, 2), 10, 12, 2, 200);
	profile__add(p, profile__intern_stack(p, s3, 3), 20, 21, 1, 100);
	profile__set_process(p, 10, "python3 a.py", "3.11.2", "table", "/usr/bin/python3.11");
	profile__set_process(p, 20, "python3 b.py", "3.8.18", "table", "/x");
	profile__set_str(&p->meta.metric, "cpu");
	profile__set_str(&p->meta.unit, "nanoseconds");
	profile__set_str(&p->meta.host, "h");
	profile__set_str(&p->meta.sampler, "timer-tick");
	p->meta.freq = 99;
	p->meta.samples = 9;
	p->meta.start_ns = 1700000000123456789LL;
	p->meta.self_cpu_ns = 43000000;
	p->meta.bpf_ns = 182000000;
	p->meta.bpf_runs = 504101;
	return p;
}

Test(profile, interning_and_costs)
{
	struct profile *p = sample_profile();
	struct pc_func_cost *c;
	int n;

	cr_expect_eq(p->nstacks, 3);
	cr_expect_eq(p->nsamples, 3);
	cr_expect_eq(profile__total_weight(p), 900);
	cr_expect_eq(profile__total_count(p), 9);
	n = profile__function_costs(p, &c);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(p->funcs[c[0].func].qualname, "heavy");
	cr_expect_eq(c[0].self, 700);
	cr_expect_eq(c[0].samples, 7);
	/* outer appears twice in one stack: counted once */
	cr_expect_str_eq(p->funcs[c[2].func].qualname, "outer");
	cr_expect_eq(c[2].self, 0);
	cr_expect_eq(c[2].total, 900);
	cr_expect_eq(c[2].samples, 9);
	free(c);
	profile__keep_pid(p, 20);
	cr_expect_eq(profile__total_weight(p), 100);
	/* interning still works after the tables were dropped */
	cr_expect_eq(profile__intern_func(p, "light", "ü/b.py", 20), 2);
	profile__free(p);
}

/* Requests share one copy of each string, which outlives keep_endpoint's filtering. */
Test(profile, request_strings_interned)
{
	struct profile *p = profile__new();
	int a = profile__intern_endpoint(p, "GET /a"), b = profile__intern_endpoint(p, "GET /b");
	char path[] = "/a";
	struct pc_request r = {.endpoint = a, .method = "GET", .path = path, .view = NULL};

	cr_assert_eq(profile__add_request(p, &r), 0);
	path[1] = 'b';
	r.endpoint = b;
	cr_assert_eq(profile__add_request(p, &r), 0);
	path[1] = 'a';
	r.endpoint = a;
	cr_assert_eq(profile__add_request(p, &r), 0);
	cr_assert_eq(p->nrequests, 3);
	cr_expect_str_eq(p->requests[0].path, "/a");
	cr_expect_str_eq(p->requests[1].path, "/b");
	cr_expect_str_eq(p->requests[0].view, "");
	cr_expect_eq(p->requests[0].path, p->requests[2].path);
	cr_expect_eq(p->requests[0].method, p->requests[1].method);
	cr_expect_neq(p->requests[0].path, p->requests[1].path);
	cr_assert_eq(profile__keep_endpoint(p, "GET /b"), 0);
	cr_assert_eq(p->nrequests, 1);
	cr_expect_str_eq(p->requests[0].path, "/b");
	profile__free(p);
}

Test(capture, round_trip)
{
	struct profile *p = sample_profile(), *q;
	char path[] = "/tmp/pycost-test-XXXXXX", why[256] = "";
	int fd = mkstemp(path);

	close(fd);
	cr_assert_eq(capture__save(p, path, why, sizeof(why)), 0, "%s", why);
	q = capture__load(path, why, sizeof(why));
	cr_assert(q, "%s", why);
	cr_expect_str_eq(q->meta.metric, "cpu");
	cr_expect_eq(q->meta.freq, 99);
	cr_expect_str_eq(q->meta.sampler, "timer-tick");
	cr_expect_eq(q->meta.start_ns, 1700000000123456789LL);
	cr_expect_eq(q->meta.self_cpu_ns, 43000000);
	cr_expect_eq(q->meta.bpf_ns, 182000000);
	cr_expect_eq(q->meta.bpf_runs, 504101);
	cr_expect_eq(q->nfuncs, p->nfuncs);
	cr_expect_eq(q->nstacks, p->nstacks);
	cr_expect_eq(q->nprocs, 2);
	cr_expect_str_eq(q->funcs[2].filename, "ü/b.py");
	cr_expect_eq(q->stacks[2].depth, 3);
	cr_expect_eq(q->stacks[2].frames[2].line, 12);
	cr_expect_eq(profile__total_weight(q), 900);
	cr_expect_eq(profile__total_count(q), 9);
	profile__free(q);
	profile__free(p);
	unlink(path);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	fwrite(data, 1, len, f);
	fclose(f);
}

Test(capture, refuses_bad_files)
{
	char why[256];
	const char *path = "/tmp/pycost-test-bad";
	struct profile *p = sample_profile();

	cr_expect_null(capture__load("/nonexistent/x.pycost", why, sizeof(why)));
	cr_expect(strstr(why, "cannot open"));
	write_file(path, "", 0);
	cr_expect_null(capture__load(path, why, sizeof(why)));
	cr_expect(strstr(why, "not a pycost capture"));
	write_file(path, "garbage garbage garbage garbage", 31);
	cr_expect_null(capture__load(path, why, sizeof(why)));
	/* a real capture with its middle overwritten */
	cr_assert_eq(capture__save(p, path, why, sizeof(why)), 0);
	{
		FILE *f = fopen(path, "r+");
		char junk[4096];

		memset(junk, 0x5a, sizeof(junk));
		fseek(f, 4096, SEEK_SET);
		fwrite(junk, 1, sizeof(junk), f);
		fclose(f);
	}
	cr_expect_null(capture__load(path, why, sizeof(why)));
	unlink(path);
	profile__free(p);
}

Test(capture, save_is_atomic_on_failure)
{
	struct profile *p = sample_profile();
	char why[256];

	cr_expect_neq(capture__save(p, "/nonexistent-dir/x.pycost", why, sizeof(why)), 0);
	cr_expect_neq(access("/nonexistent-dir", F_OK), 0);
	profile__free(p);
}

/*
 * A recording's requests spilled to disk come back in order, with enough
 * rows to cross several write buffers, and views resolved: a request whose
 * stacks never reached the dispatcher takes its endpoint's shared view.
 */
Test(capture, spilled_requests_round_trip)
{
	struct profile *p = sample_profile(), *q;
	char dir[] = "/tmp/pycost-test-XXXXXX", path[64], why[256] = "";
	int a, b;
	const size_t n = 5000;

	cr_assert(mkdtemp(dir));
	cr_assert_eq(profile__spill_requests(p, dir), 0);
	a = profile__intern_endpoint(p, "GET /a");
	b = profile__intern_endpoint(p, "GET /b");
	profile__set_str(&p->endpoints[a].view, "view_a (app.py)");
	p->endpoints[a].view_shared = 1;
	profile__set_str(&p->endpoints[b].view, "outer (app.py)");
	for (size_t i = 0; i < n; i++) {
		struct pc_request r = {.pid = 10,
				       .tid = 11,
				       .endpoint = i % 3 ? a : b,
				       .status = 200 + i % 2,
				       .cost = i,
				       .method = "GET",
				       .path = i % 3 ? "/a" : "/b",
				       .view = "middleware (app.py)"};

		if (i % 7 == 0) {
			r.flags = PC_REQ_DISPATCHED;
			r.view = "other_view (app.py)";
		}
		cr_assert_eq(profile__add_request(p, &r), 0);
	}
	cr_expect_eq(p->nrequests, 0, "spilled requests stay out of memory");
	cr_expect_eq(profile__request_count(p), n);
	snprintf(path, sizeof(path), "%s/x.pycost", dir);
	cr_assert_eq(capture__save(p, path, why, sizeof(why)), 0, "%s", why);
	q = capture__load(path, why, sizeof(why));
	cr_assert(q, "%s", why);
	cr_assert_eq(q->nrequests, n);
	for (size_t i = 0; i < n; i++) {
		const struct pc_request *r = &q->requests[i];
		const char *want = i % 7 == 0 ? "other_view (app.py)"
				   : i % 3    ? "view_a (app.py)"
					      : "middleware (app.py)";

		cr_assert_eq(r->cost, i);
		cr_assert_eq(r->status, 200 + i % 2);
		cr_assert_str_eq(r->path, i % 3 ? "/a" : "/b");
		cr_assert_str_eq(r->view, want, "request %zu", i);
	}
	profile__free(q);
	profile__free(p);
	unlink(path);
	cr_expect_eq(rmdir(dir), 0, "the request log leaves nothing behind");
}
