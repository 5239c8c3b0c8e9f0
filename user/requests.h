/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Requests on the recording side: samples taken inside a request wait here
 * until the request's record arrives (its endpoint is only known then),
 * request heads are parsed into endpoints, and the view each request ran is
 * read off its stacks.
 */
#ifndef PYCOST_REQUESTS_H
#define PYCOST_REQUESTS_H

#include <stdint.h>

#include "http.h"
#include "profile.h"
#include "pycost.h"

struct reqtrack;

/*
 * p receives endpoints, requests and endpoint-tagged samples.
 * mono_to_wall_ns converts bpf_ktime_get_ns() values to Unix time.
 * NULL with errno set on failure.
 */
struct reqtrack *reqtrack__new(struct profile *p, const struct http_opts *o,
			       int64_t mono_to_wall_ns);
void reqtrack__free(struct reqtrack *rt);

/*
 * A sample (or a stack walk at a backend call, PYCOST_SF_WALK) of stack
 * taken inside request req_id of thread tid.  0 or -ENOMEM.
 */
int reqtrack__sample(struct reqtrack *rt, uint32_t pid, uint32_t tid, uint64_t req_id,
		     uint32_t stack, uint64_t weight, uint16_t flags);

/*
 * A finished request, a record of size bytes (at least up to its head):
 * parses it, records it, attributes its samples.  0, -ENOMEM, or -errno
 * when it could not be stored.
 */
int reqtrack__request(struct reqtrack *rt, const struct pycost_request *r, size_t size);

/*
 * Ends the recording: samples of requests still in flight go to the profile
 * outside any endpoint, and each endpoint gets the view most of its
 * requests ran.  0 or -ENOMEM.
 */
int reqtrack__finish(struct reqtrack *rt);

/* Requests recorded, of those malformed and aborted, and router halves dropped. */
void reqtrack__counts(const struct reqtrack *rt, uint64_t *total, uint64_t *malformed,
		      uint64_t *aborted, uint64_t *proxied);

/*
 * The view of a stack: the function a framework dispatcher (Django, Flask,
 * gunicorn's sync worker) called, else the outermost Python frame outside
 * framework and standard-library code.  -1 when there is none.  *dispatched
 * tells which: a dispatcher's callee is preferred over the outermost frame,
 * which may be WSGI middleware.  Exposed for tests.
 */
int reqtrack__view_of(const struct profile *p, uint32_t stack, int *dispatched);

#endif /* PYCOST_REQUESTS_H */
