// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Recording-side request handling.  The kernel emits a request only when it
 * ends, after the samples taken inside it, so those samples are parked per
 * (tid, request id) and flushed into the profile with the request's
 * endpoint and status once its record arrives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "requests.h"

struct parked {
	uint32_t stack;
	uint16_t flags;
	uint64_t weight;
};

struct pending {
	uint32_t pid, tid;
	uint64_t req_id;
	struct parked *items;
	size_t n, cap;
	struct pending *next;
};

/* Views seen per endpoint, to name each endpoint by its most common one. */
struct view_count {
	int32_t endpoint;
	int32_t func;
	int dispatched; /* found below a framework dispatcher */
	uint64_t n;
};

/*
 * An unanswered request, held until its thread shows what it is: a router
 * (uWSGI's HTTP router, one thread reading several clients at once) reads
 * the next client before forwarding the previous one, which ends that one
 * unanswered and not yet marked as proxied.
 */
struct held {
	struct held *next;
	size_t size;
	struct pycost_request r; /* its first size bytes */
};

/* Unanswered requests held at most; past it the oldest is recorded as is. */
#define HELD_MAX 256

struct reqtrack {
	struct profile *p;
	const struct http_opts *o;
	int64_t mono_to_wall;
	struct pending *bucket[4096];
	size_t npending; /* requests with parked samples: most have none */
	struct view_count *views;
	size_t nviews, capviews;
	uint8_t *ep_framework; /* per endpoint: a stack of it went through a framework */
	size_t capfw;
	uint64_t total, malformed, aborted, proxied;
	struct held *held; /* newest first */
	size_t nheld;
	uint32_t *routers; /* threads seen forwarding requests */
	size_t nrouters, caprouters;
};

static size_t bucket_of(uint32_t tid, uint64_t req_id)
{
	uint64_t h = (req_id ^ ((uint64_t)tid << 32)) * 0x9e3779b97f4a7c15ULL;

	return (h >> 40) & 4095;
}

struct reqtrack *reqtrack__new(struct profile *p, const struct http_opts *o,
			       int64_t mono_to_wall_ns)
{
	struct reqtrack *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return NULL;
	rt->p = p;
	rt->o = o;
	rt->mono_to_wall = mono_to_wall_ns;
	return rt;
}

static void pending_free(struct pending *e)
{
	free(e->items);
	free(e);
}

void reqtrack__free(struct reqtrack *rt)
{
	if (!rt)
		return;
	for (size_t i = 0; i < 4096; i++) {
		struct pending *e = rt->bucket[i], *next;

		for (; e; e = next) {
			next = e->next;
			pending_free(e);
		}
	}
	while (rt->held) {
		struct held *h = rt->held;

		rt->held = h->next;
		free(h);
	}
	free(rt->routers);
	free(rt->views);
	free(rt->ep_framework);
	free(rt);
}

int reqtrack__sample(struct reqtrack *rt, uint32_t pid, uint32_t tid, uint64_t req_id,
		     uint32_t stack, uint64_t weight, uint16_t flags)
{
	struct pending **head = &rt->bucket[bucket_of(tid, req_id)], *e;

	for (e = *head; e; e = e->next)
		if (e->tid == tid && e->req_id == req_id)
			break;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->pid = pid;
		e->tid = tid;
		e->req_id = req_id;
		e->next = *head;
		*head = e;
		rt->npending++;
	}
	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 4;
		struct parked *ni = realloc(e->items, ncap * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		e->items = ni;
		e->cap = ncap;
	}
	e->items[e->n++] = (struct parked){stack, flags, weight};
	return 0;
}

static struct pending *take(struct reqtrack *rt, uint32_t tid, uint64_t req_id)
{
	struct pending **pp, *e;

	if (!rt->npending)
		return NULL;
	for (pp = &rt->bucket[bucket_of(tid, req_id)]; (e = *pp); pp = &e->next) {
		if (e->tid == tid && e->req_id == req_id) {
			*pp = e->next;
			rt->npending--;
			return e;
		}
	}
	return NULL;
}

/* Adds a request's parked samples outside any endpoint and frees them. 0 or -ENOMEM. */
static int flush_outside(struct reqtrack *rt, struct pending *e)
{
	int err = 0;

	for (size_t i = 0; i < e->n && !err; i++)
		if (!(e->items[i].flags & PYCOST_SF_WALK))
			err = profile__add(rt->p, e->items[i].stack, e->pid, e->tid, 1,
					   e->items[i].weight);
	pending_free(e);
	return err;
}

static int is_pseudo(const struct pc_function *f)
{
	return f->qualname[0] == '[';
}

static int in_framework_package(const struct pc_function *f)
{
	static const char *const dirs[] = {"/django/", "/flask/", "/werkzeug/", "/gunicorn/"};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (strstr(f->filename, dirs[i]))
			return 1;
	return 0;
}

/* Framework and standard-library code: never a view, only what leads to one. */
static int in_framework(const struct pc_function *f)
{
	const char *lib = strstr(f->filename, "/lib/python3.");

	if (in_framework_package(f))
		return 1;
	/* the stdlib, but not packages installed under it */
	if (lib && !strstr(lib, "-packages/"))
		return 1;
	return f->filename[0] == '<'; /* <frozen ...>, <string> */
}

int reqtrack__view_of(const struct profile *p, uint32_t stack, int *dispatched)
{
	/* dispatchers, most specific first: the function each one calls is the view */
	static const struct {
		const char *qualname, *file;
	} disp[] = {
	    {"BaseHandler._get_response", "django/core/handlers/"},
	    {"Flask.dispatch_request", "flask/"},
	    {"SyncWorker.handle_request", "gunicorn/workers/"},
	};
	const struct pc_stack *s = &p->stacks[stack];

	*dispatched = 1;
	for (size_t d = 0; d < ARRAY_SIZE(disp); d++) {
		for (uint32_t i = 0; i < s->depth; i++) {
			const struct pc_function *f = &p->funcs[s->frames[i].func];

			if (strcmp(f->qualname, disp[d].qualname) ||
			    !strstr(f->filename, disp[d].file))
				continue;
			/* decorators and middleware of the framework sit between */
			for (uint32_t j = i + 1; j < s->depth; j++) {
				const struct pc_function *g = &p->funcs[s->frames[j].func];

				if (!is_pseudo(g) && !in_framework(g))
					return s->frames[j].func;
			}
			return -1;
		}
	}
	/*
	 * A WSGI server in C (uWSGI) calls the application as the outermost
	 * frame.  A stack through a framework that did not reach its dispatcher
	 * is the framework's own work (or middleware around it): no view.
	 */
	*dispatched = 0;
	for (uint32_t i = 0; i < s->depth; i++)
		if (in_framework_package(&p->funcs[s->frames[i].func]))
			return -1;
	for (uint32_t i = 0; i < s->depth; i++) {
		const struct pc_function *f = &p->funcs[s->frames[i].func];

		if (!is_pseudo(f))
			return in_framework(f) ? -1 : (int)s->frames[i].func;
	}
	return -1;
}

static int through_framework(const struct profile *p, uint32_t stack)
{
	const struct pc_stack *s = &p->stacks[stack];

	for (uint32_t i = 0; i < s->depth; i++)
		if (in_framework_package(&p->funcs[s->frames[i].func]))
			return 1;
	return 0;
}

/* Remembers that endpoint ep is served through a framework. 0 or -ENOMEM. */
static int mark_framework(struct reqtrack *rt, int ep)
{
	if ((size_t)ep >= rt->capfw) {
		size_t ncap = rt->capfw ? rt->capfw * 2 : 64;
		uint8_t *n;

		while (ncap <= (size_t)ep)
			ncap *= 2;
		n = realloc(rt->ep_framework, ncap);
		if (!n)
			return -ENOMEM;
		memset(n + rt->capfw, 0, ncap - rt->capfw);
		rt->ep_framework = n;
		rt->capfw = ncap;
	}
	rt->ep_framework[ep] = 1;
	return 0;
}

static int count_view(struct reqtrack *rt, int32_t endpoint, int32_t func, int dispatched)
{
	for (size_t i = 0; i < rt->nviews; i++) {
		if (rt->views[i].endpoint == endpoint && rt->views[i].func == func &&
		    rt->views[i].dispatched == dispatched) {
			rt->views[i].n++;
			return 0;
		}
	}
	if (rt->nviews == rt->capviews) {
		size_t ncap = rt->capviews ? rt->capviews * 2 : 64;
		struct view_count *nv = realloc(rt->views, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		rt->views = nv;
		rt->capviews = ncap;
	}
	rt->views[rt->nviews++] = (struct view_count){endpoint, func, dispatched, 1};
	return 0;
}

static void view_name(const struct profile *p, int func, char *buf, size_t len)
{
	const struct pc_function *f = &p->funcs[func];
	const char *base = strrchr(f->filename, '/');

	snprintf(buf, len, "%s (%s)", f->qualname, base ? base + 1 : f->filename);
}

static int record(struct reqtrack *rt, const struct pycost_request *r, size_t size)
{
	struct http_request h;
	struct pc_request q = {0};
	struct pending *e;
	char view[512];
	int ep, view_func = -1, view_dispatched = 0, err = 0;
	uint64_t span;
	/* records end after the head's bytes (see end_request) */
	size_t headlen = size - offsetof(struct pycost_request, head);
	size_t stlen = r->status_len < PYCOST_STATUS_MAX ? r->status_len : PYCOST_STATUS_MAX;

	if (headlen > PYCOST_HEAD_MAX)
		headlen = PYCOST_HEAD_MAX;
	if (r->head_len < headlen)
		headlen = r->head_len;
	if (http__parse_request(r->head, headlen, rt->o, &h))
		q.flags |= PC_REQ_MALFORMED;
	if (r->flags & PYCOST_RF_ABORTED)
		q.flags |= PC_REQ_ABORTED;
	if (r->flags & PYCOST_RF_HEAD_CUT)
		q.flags |= PC_REQ_HEAD_CUT;
	ep = profile__intern_endpoint(rt->p, h.endpoint);
	if (ep < 0)
		return ep;
	q.pid = r->pid;
	q.tid = r->tid;
	q.endpoint = ep;
	q.status = http__parse_status(r->status, stlen);
	q.gc_count = r->gc_count;
	q.start_ns = (int64_t)r->start_ns + rt->mono_to_wall;
	q.latency_ns = r->end_ns > r->start_ns ? r->end_ns - r->start_ns : 0;
	q.cost = r->cost;
	/* on- and off-CPU split the time until the thread was done with it */
	span = r->done_ns > r->start_ns ? r->done_ns - r->start_ns : q.latency_ns;
	q.cpu_ns = r->oncpu_ns < span ? r->oncpu_ns : span;
	q.offcpu_ns = span - q.cpu_ns;
	q.db_ns = r->backend_ns[PYCOST_BE_DB];
	q.cache_ns = r->backend_ns[PYCOST_BE_CACHE];
	q.other_ns = r->backend_ns[PYCOST_BE_OTHER];
	q.gc_ns = r->gc_ns;
	q.bytes_in = r->bytes_in;
	q.bytes_out = r->bytes_out;
	q.user = h.user;
	q.method = h.method;
	q.path = h.path;
	view[0] = 0;

	e = take(rt, r->tid, r->id);
	for (size_t i = 0; e && i < e->n; i++) {
		struct parked *it = &e->items[i];
		struct pc_sample s = {it->stack, r->pid, r->tid, ep, q.status, 1, it->weight};
		int v, d;

		/*
		 * The first dispatched view wins; an outermost frame only without
		 * one.  After the response began, the thread runs the server's
		 * and middleware's close(), not the view.
		 */
		if (!view_dispatched && !(it->flags & PYCOST_SF_ANSWERED) &&
		    (v = reqtrack__view_of(rt->p, it->stack, &d)) >= 0 && (d || view_func < 0)) {
			view_func = v;
			view_dispatched = d;
		}
		if (through_framework(rt->p, it->stack) && (err = mark_framework(rt, ep)))
			break;
		/* walks name the view; they are not samples */
		if (it->flags & PYCOST_SF_WALK)
			continue;
		err = profile__add_sample(rt->p, &s);
		if (err)
			break;
	}
	if (e)
		pending_free(e);
	if (err)
		return err;
	if (view_func >= 0) {
		view_name(rt->p, view_func, view, sizeof(view));
		err = count_view(rt, ep, view_func, view_dispatched);
		if (err)
			return err;
	}
	q.view = view;
	if (view_dispatched)
		q.flags |= PC_REQ_DISPATCHED;
	err = profile__add_request(rt->p, &q);
	if (err)
		return err;
	rt->total++;
	rt->malformed += !!(q.flags & PC_REQ_MALFORMED);
	rt->aborted += !!(q.flags & PC_REQ_ABORTED);
	return 0;
}

/* A router's half of a request another traced process served: not counted. */
static int drop_proxied(struct reqtrack *rt, const struct pycost_request *r)
{
	struct pending *e = take(rt, r->tid, r->id);

	rt->proxied++;
	return e ? flush_outside(rt, e) : 0;
}

static int is_router(const struct reqtrack *rt, uint32_t tid)
{
	for (size_t i = 0; i < rt->nrouters; i++)
		if (rt->routers[i] == tid)
			return 1;
	return 0;
}

static int add_router(struct reqtrack *rt, uint32_t tid)
{
	if (is_router(rt, tid))
		return 0;
	if (rt->nrouters == rt->caprouters) {
		size_t ncap = rt->caprouters ? rt->caprouters * 2 : 8;
		uint32_t *n = realloc(rt->routers, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		rt->routers = n;
		rt->caprouters = ncap;
	}
	rt->routers[rt->nrouters++] = tid;
	return 0;
}

/*
 * Ends the wait of thread tid's held requests (of every thread when tid is
 * 0, or the oldest one when oldest is set): dropped when the thread turned
 * out to be a router, recorded otherwise, oldest first.
 */
static int release_held(struct reqtrack *rt, uint32_t tid, int oldest)
{
	struct held **pp = &rt->held, **last = NULL, *h, *mine = NULL;
	int err = 0;

	if (oldest) {
		for (; *pp; pp = &(*pp)->next)
			last = pp;
		if (!last)
			return 0;
		mine = *last;
		*last = NULL;
	} else {
		/* unlink tid's entries, reversing them into oldest-first order */
		while ((h = *pp)) {
			if (tid && h->r.tid != tid) {
				pp = &h->next;
				continue;
			}
			*pp = h->next;
			h->next = mine;
			mine = h;
		}
	}
	while ((h = mine)) {
		mine = h->next;
		rt->nheld--;
		if (!err)
			err = is_router(rt, h->r.tid) ? drop_proxied(rt, &h->r)
						      : record(rt, &h->r, h->size);
		free(h);
	}
	return err;
}

int reqtrack__request(struct reqtrack *rt, const struct pycost_request *r, size_t size)
{
	struct held *h;
	int err;

	if (r->flags & PYCOST_RF_PROXIED) {
		err = add_router(rt, r->tid);
		return err ?: release_held(rt, r->tid, 0) ?: drop_proxied(rt, r);
	}
	if (!(r->flags & PYCOST_RF_ABORTED))
		return release_held(rt, r->tid, 0) ?: record(rt, r, size);
	if (is_router(rt, r->tid))
		return drop_proxied(rt, r);
	if (rt->nheld == HELD_MAX && (err = release_held(rt, 0, 1)))
		return err;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->size = size < sizeof(h->r) ? size : sizeof(h->r);
	memcpy(&h->r, r, h->size);
	h->next = rt->held;
	rt->held = h;
	rt->nheld++;
	return 0;
}

int reqtrack__finish(struct reqtrack *rt)
{
	int err = release_held(rt, 0, 0);

	for (size_t b = 0; b < 4096; b++) {
		struct pending *e;

		while ((e = rt->bucket[b]) && !err) {
			rt->bucket[b] = e->next;
			rt->npending--;
			err = flush_outside(rt, e);
		}
	}
	if (err)
		return err;
	for (size_t ep = 0; ep < rt->p->nendpoints; ep++) {
		const struct view_count *best = NULL;
		char view[512];

		/* dispatched views first: an outermost frame may be middleware */
		for (size_t i = 0; i < rt->nviews; i++) {
			const struct view_count *v = &rt->views[i];

			if (v->endpoint != (int32_t)ep)
				continue;
			if (!best || v->dispatched > best->dispatched ||
			    (v->dispatched == best->dispatched && v->n > best->n))
				best = v;
		}
		if (!best)
			continue;
		/*
		 * Served through a framework whose dispatcher no stack showed: the
		 * outermost frames were middleware, not the view.
		 */
		if (!best->dispatched && ep < rt->capfw && rt->ep_framework[ep])
			view[0] = 0;
		else
			view_name(rt->p, best->func, view, sizeof(view));
		if (profile__set_str(&rt->p->endpoints[ep].view, view))
			return -ENOMEM;
		/*
		 * The router sent every request of the endpoint to this view; a
		 * request that only showed its outermost frame (WSGI middleware)
		 * gets it too.
		 */
		rt->p->endpoints[ep].view_shared = best->dispatched || !view[0];
	}
	return 0;
}

void reqtrack__counts(const struct reqtrack *rt, uint64_t *total, uint64_t *malformed,
		      uint64_t *aborted, uint64_t *proxied)
{
	*total = rt->total;
	*malformed = rt->malformed;
	*aborted = rt->aborted;
	*proxied = rt->proxied;
}
