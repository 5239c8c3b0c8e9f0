// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * The in-memory profile.  Interning uses open-addressing hash tables over
 * the profile's own arrays (the tables store indices), so a profile that was
 * loaded from a capture and one built live look the same to every reader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "reqlog.h"

struct htab {
	uint32_t *slot; /* index + 1; 0 = empty */
	size_t cap;	/* power of two */
	size_t n;
};

struct profile_index {
	struct htab funcs;
	struct htab stacks;
	struct htab samples;
	struct htab endpoints;
	size_t funcs_cap, stacks_cap, samples_cap, procs_cap;
	size_t endpoints_cap, requests_cap, labels_cap;
};

/* A set of strings; each distinct string is allocated once. */
struct profile_strings {
	char **slot; /* NULL = empty */
	size_t cap;  /* power of two */
	size_t n;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return mix(h, 0);
}

static uint64_t hash_func(const struct pc_function *f)
{
	return mix(hash_str(hash_str(14695981039346656037ULL, f->qualname), f->filename),
		   (uint64_t)(uint32_t)f->firstlineno);
}

static uint64_t hash_frames(const struct pc_frame *fr, uint32_t depth)
{
	uint64_t h = mix(0, depth);

	for (uint32_t i = 0; i < depth; i++)
		h = mix(h, ((uint64_t)fr[i].func << 32) | (uint32_t)fr[i].line);
	return h;
}

static uint64_t hash_sample(const struct pc_sample *s)
{
	return mix(mix(mix(mix(mix(1, s->stack), s->pid), s->tid), (uint32_t)s->endpoint),
		   s->status);
}

/* Grows *arr (elements of size sz) so that index n fits. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap <= n)
		ncap *= 2;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int htab_resize(struct htab *t, size_t ncap, const struct profile *p,
		       uint64_t (*hash_of)(const struct profile *, uint32_t))
{
	uint32_t *slot = calloc(ncap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->slot[i])
			continue;
		j = hash_of(p, t->slot[i] - 1) & (ncap - 1);
		while (slot[j])
			j = (j + 1) & (ncap - 1);
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = ncap;
	return 0;
}

static uint64_t func_hash_of(const struct profile *p, uint32_t i)
{
	return hash_func(&p->funcs[i]);
}

static uint64_t stack_hash_of(const struct profile *p, uint32_t i)
{
	return hash_frames(p->stacks[i].frames, p->stacks[i].depth);
}

static uint64_t sample_hash_of(const struct profile *p, uint32_t i)
{
	return hash_sample(&p->samples[i]);
}

static uint64_t endpoint_hash_of(const struct profile *p, uint32_t i)
{
	return hash_str(0, p->endpoints[i].name);
}

/* Makes room for one more entry in t; 0 or -ENOMEM. */
static int htab_reserve(struct htab *t, const struct profile *p,
			uint64_t (*hash_of)(const struct profile *, uint32_t))
{
	if ((t->n + 1) * 2 <= t->cap)
		return 0;
	return htab_resize(t, t->cap ? t->cap * 2 : 256, p, hash_of);
}

/*
 * Probes t for an entry equal to key (eq), after making room for one more:
 * returns the entry's index, or -1 with *slot at the empty slot where key
 * belongs, or -ENOMEM.
 */
static int htab_find(struct htab *t, const struct profile *p,
		     uint64_t (*hash_of)(const struct profile *, uint32_t), uint64_t h,
		     int (*eq)(const struct profile *, uint32_t, const void *), const void *key,
		     size_t *slot)
{
	size_t j;

	if (htab_reserve(t, p, hash_of))
		return -ENOMEM;
	for (j = h & (t->cap - 1); t->slot[j]; j = (j + 1) & (t->cap - 1))
		if (eq(p, t->slot[j] - 1, key))
			return t->slot[j] - 1;
	*slot = j;
	return -1;
}

/* Records entry index i (just appended to its array) in slot. */
static void htab_put(struct htab *t, size_t slot, size_t i)
{
	t->slot[slot] = i + 1;
	t->n++;
}

static int func_eq(const struct profile *p, uint32_t i, const void *key)
{
	const struct pc_function *f = &p->funcs[i], *k = key;

	return f->firstlineno == k->firstlineno && !strcmp(f->qualname, k->qualname) &&
	       !strcmp(f->filename, k->filename);
}

static int stack_eq(const struct profile *p, uint32_t i, const void *key)
{
	const struct pc_stack *s = &p->stacks[i], *k = key;

	return s->depth == k->depth && !memcmp(s->frames, k->frames, k->depth * sizeof(*k->frames));
}

static int sample_eq(const struct profile *p, uint32_t i, const void *key)
{
	const struct pc_sample *s = &p->samples[i], *k = key;

	return s->stack == k->stack && s->pid == k->pid && s->tid == k->tid &&
	       s->endpoint == k->endpoint && s->status == k->status;
}

static int endpoint_eq(const struct profile *p, uint32_t i, const void *key)
{
	return !strcmp(p->endpoints[i].name, key);
}

struct profile *profile__new(void)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->idx = calloc(1, sizeof(*p->idx));
	if (!p->idx) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

static void index_free(struct profile_index *x)
{
	if (!x)
		return;
	free(x->funcs.slot);
	free(x->stacks.slot);
	free(x->samples.slot);
	free(x->endpoints.slot);
	free(x);
}

static void meta_free(struct pc_meta *m)
{
	free(m->host);
	free(m->kernel);
	free(m->pycost_version);
	free(m->sampler);
	free(m->metric);
	free(m->unit);
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	meta_free(&p->meta);
	for (size_t i = 0; i < p->nfuncs; i++) {
		free(p->funcs[i].qualname);
		free(p->funcs[i].filename);
	}
	for (size_t i = 0; i < p->nstacks; i++)
		free(p->stacks[i].frames);
	for (size_t i = 0; i < p->nprocs; i++) {
		free(p->procs[i].cmdline);
		free(p->procs[i].python_version);
		free(p->procs[i].layout_source);
		free(p->procs[i].exe);
	}
	for (size_t i = 0; i < p->nendpoints; i++) {
		free(p->endpoints[i].name);
		free(p->endpoints[i].view);
	}
	for (size_t i = 0; p->strs && i < p->strs->cap; i++)
		free(p->strs->slot[i]);
	if (p->strs)
		free(p->strs->slot);
	free(p->strs);
	for (size_t i = 0; i < p->nlabels; i++) {
		free(p->labels[i].key);
		free(p->labels[i].value);
	}
	free(p->endpoints);
	free(p->requests);
	reqlog__free(p->spill);
	free(p->labels);
	free(p->funcs);
	free(p->stacks);
	free(p->procs);
	free(p->samples);
	index_free(p->idx);
	free(p);
}

/* Indexes entries 0..n-1 of an array into t. 0 or -ENOMEM. */
static int htab_fill(struct htab *t, const struct profile *p, size_t n,
		     uint64_t (*hash_of)(const struct profile *, uint32_t))
{
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (htab_reserve(t, p, hash_of))
			return -ENOMEM;
		j = hash_of(p, i) & (t->cap - 1);
		while (t->slot[j])
			j = (j + 1) & (t->cap - 1);
		htab_put(t, j, i);
	}
	return 0;
}

/* Loaded profiles arrive without tables; build them on first use. */
static int ensure_index(struct profile *p)
{
	struct profile_index *x;

	if (p->idx)
		return 0;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->funcs_cap = p->nfuncs;
	x->stacks_cap = p->nstacks;
	x->samples_cap = p->nsamples;
	x->procs_cap = p->nprocs;
	x->endpoints_cap = p->nendpoints;
	x->requests_cap = p->nrequests;
	x->labels_cap = p->nlabels;
	p->idx = x;
	if (htab_resize(&x->funcs, 256, p, func_hash_of) ||
	    htab_resize(&x->stacks, 256, p, stack_hash_of) ||
	    htab_resize(&x->samples, 256, p, sample_hash_of) ||
	    htab_resize(&x->endpoints, 256, p, endpoint_hash_of))
		return -ENOMEM;
	if (htab_fill(&x->funcs, p, p->nfuncs, func_hash_of) ||
	    htab_fill(&x->stacks, p, p->nstacks, stack_hash_of) ||
	    htab_fill(&x->samples, p, p->nsamples, sample_hash_of) ||
	    htab_fill(&x->endpoints, p, p->nendpoints, endpoint_hash_of))
		return -ENOMEM;
	return 0;
}

int profile__intern_func(struct profile *p, const char *qualname, const char *filename,
			 int firstlineno)
{
	struct pc_function key = {(char *)qualname, (char *)filename, firstlineno}, *f;
	size_t slot = 0;
	int i;

	i = ensure_index(p);
	if (i)
		return i;
	i = htab_find(&p->idx->funcs, p, func_hash_of, hash_func(&key), func_eq, &key, &slot);
	if (i != -1)
		return i;
	if (grow((void **)&p->funcs, &p->idx->funcs_cap, p->nfuncs, sizeof(*p->funcs)))
		return -ENOMEM;
	f = &p->funcs[p->nfuncs];
	f->qualname = strdup(qualname);
	f->filename = strdup(filename);
	f->firstlineno = firstlineno;
	if (!f->qualname || !f->filename) {
		free(f->qualname);
		free(f->filename);
		return -ENOMEM;
	}
	htab_put(&p->idx->funcs, slot, p->nfuncs);
	return p->nfuncs++;
}

int profile__intern_stack(struct profile *p, const struct pc_frame *frames, uint32_t depth)
{
	struct pc_stack key = {depth, (struct pc_frame *)frames}, *s;
	size_t slot = 0;
	int i;

	i = ensure_index(p);
	if (i)
		return i;
	i = htab_find(&p->idx->stacks, p, stack_hash_of, hash_frames(frames, depth), stack_eq, &key,
		      &slot);
	if (i != -1)
		return i;
	if (grow((void **)&p->stacks, &p->idx->stacks_cap, p->nstacks, sizeof(*p->stacks)))
		return -ENOMEM;
	s = &p->stacks[p->nstacks];
	s->depth = depth;
	s->frames = malloc((depth ? depth : 1) * sizeof(*frames));
	if (!s->frames)
		return -ENOMEM;
	if (depth)
		memcpy(s->frames, frames, depth * sizeof(*frames));
	htab_put(&p->idx->stacks, slot, p->nstacks);
	return p->nstacks++;
}

int profile__add_sample(struct profile *p, const struct pc_sample *key)
{
	size_t slot = 0;
	int i;

	i = ensure_index(p);
	if (i)
		return i;
	i = htab_find(&p->idx->samples, p, sample_hash_of, hash_sample(key), sample_eq, key, &slot);
	if (i == -ENOMEM)
		return i;
	if (i >= 0) {
		p->samples[i].count += key->count;
		p->samples[i].weight += key->weight;
		return 0;
	}
	if (grow((void **)&p->samples, &p->idx->samples_cap, p->nsamples, sizeof(*p->samples)))
		return -ENOMEM;
	p->samples[p->nsamples] = *key;
	htab_put(&p->idx->samples, slot, p->nsamples++);
	return 0;
}

int profile__add(struct profile *p, uint32_t stack, uint32_t pid, uint32_t tid, uint64_t count,
		 uint64_t weight)
{
	struct pc_sample s = {stack, pid, tid, -1, 0, count, weight};

	return profile__add_sample(p, &s);
}

int profile__intern_endpoint(struct profile *p, const char *name)
{
	struct pc_endpoint *e;
	size_t slot = 0;
	int i;

	i = ensure_index(p);
	if (i)
		return i;
	i = htab_find(&p->idx->endpoints, p, endpoint_hash_of, hash_str(0, name), endpoint_eq, name,
		      &slot);
	if (i != -1)
		return i;
	if (grow((void **)&p->endpoints, &p->idx->endpoints_cap, p->nendpoints,
		 sizeof(*p->endpoints)))
		return -ENOMEM;
	e = &p->endpoints[p->nendpoints];
	*e = (struct pc_endpoint){.name = strdup(name), .view = strdup("")};
	if (!e->name || !e->view) {
		free(e->name);
		free(e->view);
		return -ENOMEM;
	}
	htab_put(&p->idx->endpoints, slot, p->nendpoints);
	return p->nendpoints++;
}

const char *profile__intern_str(struct profile *p, const char *s)
{
	struct profile_strings *t = p->strs;
	size_t i, mask;

	if (!s)
		s = "";
	if (!t) {
		t = p->strs = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
	}
	/* at most half full */
	if ((t->n + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		char **ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return NULL;
		for (size_t k = 0; k < t->cap; k++) {
			if (!t->slot[k])
				continue;
			for (i = hash_str(0, t->slot[k]) & (ncap - 1); ns[i];
			     i = (i + 1) & (ncap - 1))
				;
			ns[i] = t->slot[k];
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	mask = t->cap - 1;
	for (i = hash_str(0, s) & mask; t->slot[i]; i = (i + 1) & mask)
		if (!strcmp(t->slot[i], s))
			return t->slot[i];
	t->slot[i] = strdup(s);
	if (!t->slot[i])
		return NULL;
	t->n++;
	return t->slot[i];
}

int profile__add_request(struct profile *p, const struct pc_request *r)
{
	struct pc_request q = *r;
	int err;

	q.method = profile__intern_str(p, r->method);
	q.path = profile__intern_str(p, r->path);
	q.view = profile__intern_str(p, r->view);
	if (!q.method || !q.path || !q.view)
		return -ENOMEM;
	if (p->spill)
		return reqlog__append(p->spill, &q);
	err = ensure_index(p);
	if (err)
		return err;
	if (grow((void **)&p->requests, &p->idx->requests_cap, p->nrequests, sizeof(*p->requests)))
		return -ENOMEM;
	p->requests[p->nrequests++] = q;
	return 0;
}

int profile__spill_requests(struct profile *p, const char *dir)
{
	if (p->spill)
		return 0;
	p->spill = reqlog__new(dir, sizeof(struct pc_request));
	return p->spill ? 0 : -errno;
}

size_t profile__request_count(const struct profile *p)
{
	return p->nrequests + (p->spill ? reqlog__count(p->spill) : 0);
}

struct each_request {
	const struct profile *p;
	int (*fn)(const struct pc_request *r, size_t i, void *ctx);
	void *ctx;
	size_t i;
};

static int each_one(void *row, void *ctx)
{
	struct each_request *e = ctx;
	struct pc_request *r = row;
	const struct pc_endpoint *ep;

	if (r->endpoint >= 0 && (size_t)r->endpoint < e->p->nendpoints) {
		ep = &e->p->endpoints[r->endpoint];
		if (ep->view_shared && !(r->flags & PC_REQ_DISPATCHED))
			r->view = ep->view;
	}
	return e->fn(r, e->i++, e->ctx);
}

int profile__each_request(struct profile *p,
			  int (*fn)(const struct pc_request *r, size_t i, void *ctx), void *ctx)
{
	struct each_request e = {p, fn, ctx, 0};
	int err = 0;

	for (size_t i = 0; i < p->nrequests && !err; i++) {
		struct pc_request r = p->requests[i];

		err = each_one(&r, &e);
	}
	return err || !p->spill ? err : reqlog__each(p->spill, each_one, &e);
}

int profile__set_label(struct profile *p, uint32_t pid, const char *key, const char *value)
{
	struct pc_label *l;
	int err;

	for (size_t i = 0; i < p->nlabels; i++)
		if (p->labels[i].pid == pid && !strcmp(p->labels[i].key, key))
			return profile__set_str(&p->labels[i].value, value);
	err = ensure_index(p);
	if (err)
		return err;
	if (grow((void **)&p->labels, &p->idx->labels_cap, p->nlabels, sizeof(*p->labels)))
		return -ENOMEM;
	l = &p->labels[p->nlabels];
	l->pid = pid;
	l->key = strdup(key);
	l->value = strdup(value ? value : "");
	if (!l->key || !l->value) {
		free(l->key);
		free(l->value);
		return -ENOMEM;
	}
	p->nlabels++;
	return 0;
}

const char *profile__label(const struct profile *p, uint32_t pid, const char *key)
{
	for (size_t i = 0; i < p->nlabels; i++)
		if (p->labels[i].pid == pid && !strcmp(p->labels[i].key, key))
			return p->labels[i].value;
	return NULL;
}

int profile__set_str(char **field, const char *value)
{
	char *s = strdup(value ? value : "");

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

int profile__set_process(struct profile *p, uint32_t pid, const char *cmdline,
			 const char *python_version, const char *layout_source, const char *exe)
{
	struct pc_process *pr = NULL;
	int err;

	err = ensure_index(p);
	if (err)
		return err;
	for (size_t i = 0; i < p->nprocs; i++)
		if (p->procs[i].pid == pid)
			pr = &p->procs[i];
	if (!pr) {
		if (grow((void **)&p->procs, &p->idx->procs_cap, p->nprocs, sizeof(*p->procs)))
			return -ENOMEM;
		pr = &p->procs[p->nprocs++];
		memset(pr, 0, sizeof(*pr));
		pr->pid = pid;
	}
	if (profile__set_str(&pr->cmdline, cmdline) ||
	    profile__set_str(&pr->python_version, python_version) ||
	    profile__set_str(&pr->layout_source, layout_source) || profile__set_str(&pr->exe, exe))
		return -ENOMEM;
	return 0;
}

void profile__reindex(struct profile *p)
{
	/* the tables no longer match the arrays: rebuild them on next use */
	index_free(p->idx);
	p->idx = NULL;
}

void profile__forget_requests(struct profile *p, int64_t before_ns)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nrequests; i++)
		if (p->requests[i].start_ns + (int64_t)p->requests[i].latency_ns >= before_ns)
			p->requests[n++] = p->requests[i];
	p->nrequests = n;
}

/* Keeps the sample rows and requests for which keep() is true. */
static void keep_if(struct profile *p, int (*keep_sample)(const struct pc_sample *, const void *),
		    int (*keep_request)(const struct pc_request *, const void *), const void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nsamples; i++)
		if (keep_sample(&p->samples[i], ctx))
			p->samples[n++] = p->samples[i];
	p->nsamples = n;
	n = 0;
	for (size_t i = 0; i < p->nrequests; i++) {
		struct pc_request *r = &p->requests[i];

		if (keep_request(r, ctx))
			p->requests[n++] = *r;
	}
	p->nrequests = n;
	profile__reindex(p);
}

static int sample_pid(const struct pc_sample *s, const void *ctx)
{
	return s->pid == *(const uint32_t *)ctx;
}

static int request_pid(const struct pc_request *r, const void *ctx)
{
	return r->pid == *(const uint32_t *)ctx;
}

void profile__keep_pid(struct profile *p, uint32_t pid)
{
	keep_if(p, sample_pid, request_pid, &pid);
}

static int sample_endpoint(const struct pc_sample *s, const void *ctx)
{
	return s->endpoint == *(const int32_t *)ctx;
}

static int request_endpoint(const struct pc_request *r, const void *ctx)
{
	return r->endpoint == *(const int32_t *)ctx;
}

int profile__keep_endpoint(struct profile *p, const char *name)
{
	unsigned __int128 cost = 0, raw = 0, acc = 0, done = 0;
	int32_t ep = -1;

	for (size_t i = 0; i < p->nendpoints; i++)
		if (!strcmp(p->endpoints[i].name, name))
			ep = i;
	if (ep < 0)
		return -ENOENT;
	keep_if(p, sample_endpoint, request_endpoint, &ep);
	for (size_t i = 0; i < p->nrequests; i++)
		cost += p->requests[i].cost;
	for (size_t i = 0; i < p->nsamples; i++)
		raw += p->samples[i].weight;
	if (!raw)
		return 0;
	/* cumulative rounding: the scaled weights add up to cost exactly */
	for (size_t i = 0; i < p->nsamples; i++) {
		unsigned __int128 to;

		acc += p->samples[i].weight;
		to = acc * cost / raw;
		p->samples[i].weight = (uint64_t)(to - done);
		done = to;
	}
	return 0;
}

struct label_match {
	const struct profile *p;
	const char *key, *value;
	uint32_t status;
};

static int pid_matches(const struct label_match *m, uint32_t pid)
{
	const char *v = profile__label(m->p, pid, m->key);

	return v && !strcmp(v, m->value);
}

static int sample_label(const struct pc_sample *s, const void *ctx)
{
	const struct label_match *m = ctx;

	return m->key ? pid_matches(m, s->pid) : s->status == m->status;
}

static int request_label(const struct pc_request *r, const void *ctx)
{
	const struct label_match *m = ctx;

	return m->key ? pid_matches(m, r->pid) : r->status == m->status;
}

void profile__keep_label(struct profile *p, const char *key, const char *value)
{
	struct label_match m = {p, key, value, 0};

	if (!strcmp(key, "status")) {
		m.key = NULL;
		m.status = strtoul(value, NULL, 10);
	}
	keep_if(p, sample_label, request_label, &m);
}

uint64_t profile__total_weight(const struct profile *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->nsamples; i++)
		t += p->samples[i].weight;
	return t;
}

uint64_t profile__total_count(const struct profile *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->nsamples; i++)
		t += p->samples[i].count;
	return t;
}

static const struct profile *cmp_profile;

static int cost_cmp(const void *a, const void *b)
{
	const struct pc_func_cost *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(cmp_profile->funcs[x->func].qualname, cmp_profile->funcs[y->func].qualname);
}

int profile__function_costs(const struct profile *p, struct pc_func_cost **out)
{
	struct pc_func_cost *c;
	uint32_t *seen; /* last sample row that counted the function, + 1 */
	size_t n = 0;

	c = calloc(p->nfuncs ? p->nfuncs : 1, sizeof(*c));
	seen = calloc(p->nfuncs ? p->nfuncs : 1, sizeof(*seen));
	if (!c || !seen) {
		free(c);
		free(seen);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nfuncs; i++)
		c[i].func = i;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct pc_sample *s = &p->samples[i];
		const struct pc_stack *st = &p->stacks[s->stack];

		if (!st->depth)
			continue;
		c[st->frames[st->depth - 1].func].self += s->weight;
		c[st->frames[st->depth - 1].func].self_samples += s->count;
		for (uint32_t d = 0; d < st->depth; d++) {
			uint32_t f = st->frames[d].func;

			/* recursion: count a function once per stack */
			if (seen[f] == i + 1)
				continue;
			seen[f] = i + 1;
			c[f].total += s->weight;
			c[f].samples += s->count;
		}
	}
	for (size_t i = 0; i < p->nfuncs; i++)
		if (c[i].samples)
			c[n++] = c[i];
	cmp_profile = p;
	qsort(c, n, sizeof(*c), cost_cmp);
	free(seen);
	*out = c;
	return n;
}
