// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Recording-side requests: samples parked until their request ends and then
 * tagged with its endpoint and status, router hops dropped, and views read
 * off Flask, Django, gunicorn and plain-WSGI stacks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "requests.h"

static struct http_opts opts;

static uint32_t stack_of(struct profile *p, const char *const *names, const char *const *files,
			 int n)
{
	struct pc_frame fr[16];

	for (int i = 0; i < n; i++)
		fr[i] = (struct pc_frame){profile__intern_func(p, names[i], files[i], 1), 1};
	return profile__intern_stack(p, fr, n);
}

Test(requests, views_of_framework_stacks)
{
	struct profile *p = profile__new();
	const char *flask_n[] = {
	    "Flask.__call__",	      "Flask.wsgi_app", "Flask.full_dispatch_request",
	    "Flask.dispatch_request", "users",		"work"};
	const char *flask_f[] = {"/usr/lib/python3/dist-packages/flask/app.py",
				 "/usr/lib/python3/dist-packages/flask/app.py",
				 "/usr/lib/python3/dist-packages/flask/app.py",
				 "/usr/lib/python3/dist-packages/flask/app.py",
				 "/srv/app.py",
				 "/srv/app.py"};
	const char *dj_n[] = {"WSGIHandler.__call__", "BaseHandler._get_response", "_view_wrapper",
			      "home"};
	const char *dj_f[] = {"/usr/lib/python3/dist-packages/django/core/handlers/wsgi.py",
			      "/usr/lib/python3/dist-packages/django/core/handlers/base.py",
			      "/usr/lib/python3/dist-packages/django/views/decorators/csrf.py",
			      "/srv/views.py"};
	const char *wsgi_n[] = {"application", "render"};
	const char *wsgi_f[] = {"/srv/wsgi.py", "/srv/wsgi.py"};
	const char *std_n[] = {"Flask.dispatch_request", "Flask.ensure_sync",
			       "iscoroutinefunction"};
	const char *std_f[] = {"/usr/lib/python3/dist-packages/flask/app.py",
			       "/usr/lib/python3/dist-packages/flask/app.py",
			       "/usr/lib/python3.11/inspect.py"};
	int v, d;

	v = reqtrack__view_of(p, stack_of(p, flask_n, flask_f, 6), &d);
	cr_assert_geq(v, 0);
	cr_expect_str_eq(p->funcs[v].qualname, "users");
	cr_expect_eq(d, 1);
	v = reqtrack__view_of(p, stack_of(p, dj_n, dj_f, 4), &d);
	cr_assert_geq(v, 0);
	cr_expect_str_eq(p->funcs[v].qualname, "home");
	v = reqtrack__view_of(p, stack_of(p, wsgi_n, wsgi_f, 2), &d);
	cr_assert_geq(v, 0);
	cr_expect_str_eq(p->funcs[v].qualname, "application");
	cr_expect_eq(d, 0);
	/* framework and stdlib code between the dispatcher and the leaf: no view */
	cr_expect_eq(reqtrack__view_of(p, stack_of(p, std_n, std_f, 3), &d), -1);
	cr_expect_eq(reqtrack__view_of(p, stack_of(p, flask_n, flask_f, 3), &d), -1);
	profile__free(p);
}

static void request(struct pycost_request *r, uint32_t tid, uint64_t id, const char *head,
		    const char *status, uint64_t cost)
{
	memset(r, 0, sizeof(*r));
	r->kind = PYCOST_REC_REQUEST;
	r->pid = 10;
	r->tid = tid;
	r->id = id;
	r->start_ns = 1000;
	r->end_ns = 3000;
	r->cost = cost;
	r->oncpu_ns = 1500;
	r->head_len = strlen(head);
	memcpy(r->head, head, r->head_len);
	r->status_len = strlen(status);
	memcpy(r->status, status, r->status_len);
}

Test(requests, samples_wait_for_their_request)
{
	struct profile *p = profile__new();
	struct reqtrack *rt = reqtrack__new(p, &opts, 5000);
	const char *n[] = {"application", "render"};
	const char *f[] = {"/srv/wsgi.py", "/srv/wsgi.py"};
	uint32_t st = stack_of(p, n, f, 2);
	struct pycost_request r;
	uint64_t total, malformed, aborted, proxied;

	cr_assert(rt);
	cr_assert_eq(reqtrack__sample(rt, 10, 11, 77, st, 400, 0), 0);
	cr_assert_eq(reqtrack__sample(rt, 10, 11, 77, st, 0, PYCOST_SF_WALK), 0);
	cr_assert_eq(reqtrack__sample(rt, 10, 12, 99, st, 300, 0), 0);
	cr_expect_eq(p->nsamples, 0);
	request(&r, 11, 77, "GET /users/5 HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", 1800);
	cr_assert_eq(reqtrack__request(rt, &r, sizeof(r)), 0);
	cr_assert_eq(p->nrequests, 1);
	cr_expect_str_eq(p->endpoints[p->requests[0].endpoint].name, "GET /users/{n}");
	cr_expect_eq(p->requests[0].status, 404);
	cr_expect_eq(p->requests[0].latency_ns, 2000);
	cr_expect_eq(p->requests[0].cpu_ns, 1500);
	cr_expect_eq(p->requests[0].start_ns, 6000);
	cr_expect_str_eq(p->requests[0].view, "application (wsgi.py)");
	/* the walk named the view but is not a sample */
	cr_assert_eq(p->nsamples, 1);
	cr_expect_eq(p->samples[0].weight, 400);
	cr_expect_eq(p->samples[0].status, 404);
	cr_expect_eq(p->samples[0].endpoint, p->requests[0].endpoint);
	/* a router's half is dropped; its samples stay outside any endpoint */
	request(&r, 12, 99, "GET /x HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", 100);
	r.flags = PYCOST_RF_PROXIED;
	cr_assert_eq(reqtrack__request(rt, &r, sizeof(r)), 0);
	cr_expect_eq(p->nrequests, 1);
	cr_expect_eq(p->samples[1].endpoint, -1);
	/* garbage and a connection closed before any response: held until the end */
	request(&r, 11, 78, "\x16\x03\x01garbage", "", 50);
	r.flags = PYCOST_RF_ABORTED;
	cr_assert_eq(reqtrack__request(rt, &r, sizeof(r)), 0);
	cr_expect_eq(p->nrequests, 1);
	cr_assert_eq(reqtrack__finish(rt), 0);
	cr_assert_eq(p->nrequests, 2);
	cr_expect_str_eq(p->endpoints[p->requests[1].endpoint].name, "[malformed]");
	reqtrack__counts(rt, &total, &malformed, &aborted, &proxied);
	cr_expect_eq(total, 2);
	cr_expect_eq(malformed, 1);
	cr_expect_eq(aborted, 1);
	cr_expect_eq(proxied, 1);
	cr_expect_str_eq(p->endpoints[p->requests[0].endpoint].view, "application (wsgi.py)");
	reqtrack__free(rt);
	profile__free(p);
}

/* Feeds a GET of path by thread tid, answered unless flags say aborted. */
static void feed(struct reqtrack *rt, uint32_t tid, uint64_t id, const char *path, uint32_t flags)
{
	struct pycost_request r;
	char head[64];

	snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\n\r\n", path);
	request(&r, tid, id, head, flags & PYCOST_RF_ABORTED ? "" : "HTTP/1.1 200 OK", 100);
	r.flags = flags;
	cr_assert_eq(reqtrack__request(rt, &r, sizeof(r)), 0);
}

/*
 * A router thread reads its next client before forwarding the previous
 * one, which then ends unanswered and unmarked: such requests wait for the
 * thread to show what it is.  A server thread's unanswered requests are
 * recorded, in order, once it answers one.
 */
Test(requests, unanswered_requests_wait_for_their_thread)
{
	struct profile *p = profile__new();
	struct reqtrack *rt = reqtrack__new(p, &opts, 0);
	uint64_t total, malformed, aborted, proxied;

	cr_assert(rt);
	/* thread 20 routes: two unanswered, then one forwarded */
	feed(rt, 20, 1, "/a", PYCOST_RF_ABORTED);
	feed(rt, 20, 2, "/b", PYCOST_RF_ABORTED);
	/* thread 30 serves: one reset before its answer, then an answered one */
	feed(rt, 30, 3, "/c", PYCOST_RF_ABORTED);
	feed(rt, 20, 4, "/a", PYCOST_RF_PROXIED);
	cr_expect_eq(p->nrequests, 0);
	feed(rt, 30, 5, "/d", 0);
	cr_assert_eq(p->nrequests, 2);
	cr_expect_str_eq(p->requests[0].path, "/c");
	cr_expect(p->requests[0].flags & PC_REQ_ABORTED);
	cr_expect_str_eq(p->requests[1].path, "/d");
	/* once known, a router's unanswered requests are dropped at once */
	feed(rt, 20, 6, "/e", PYCOST_RF_ABORTED);
	cr_assert_eq(reqtrack__finish(rt), 0);
	cr_expect_eq(p->nrequests, 2);
	reqtrack__counts(rt, &total, &malformed, &aborted, &proxied);
	cr_expect_eq(total, 2);
	cr_expect_eq(aborted, 1);
	cr_expect_eq(proxied, 4);
	reqtrack__free(rt);
	profile__free(p);
}

Test(requests, endpoint_scaling_conserves_cost)
{
	struct profile *p = profile__new();
	struct reqtrack *rt = reqtrack__new(p, &opts, 0);
	const char *n[] = {"a", "b"};
	const char *f[] = {"/srv/a.py", "/srv/a.py"};
	uint32_t s1 = stack_of(p, n, f, 1), s2 = stack_of(p, n, f, 2);
	struct pycost_request r;

	/* two requests of one endpoint; samples fell into only one of them */
	reqtrack__sample(rt, 10, 11, 1, s1, 300, 0);
	reqtrack__sample(rt, 10, 11, 1, s2, 100, 0);
	request(&r, 11, 1, "GET /a HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", 1000);
	reqtrack__request(rt, &r, sizeof(r));
	request(&r, 11, 2, "GET /a HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", 1001);
	reqtrack__request(rt, &r, sizeof(r));
	reqtrack__finish(rt);
	cr_assert_eq(profile__keep_endpoint(p, "GET /a"), 0);
	cr_expect_eq(profile__total_weight(p), 2001);
	cr_expect_eq(profile__keep_endpoint(p, "GET /none"), -ENOENT);
	reqtrack__free(rt);
	profile__free(p);
}
