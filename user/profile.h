/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * The in-memory profile: functions, stacks, processes and aggregated
 * samples.  Built by the recorder from BPF records, saved to and loaded
 * from a capture, read by every report writer.  Arrays are owned by the
 * profile; strings are owned copies.
 */
#ifndef PYCOST_PROFILE_H
#define PYCOST_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct pc_meta {
	char *host;
	char *kernel;
	char *pycost_version;
	char *metric;	  /* "cpu", "instructions" or "cycles" */
	char *unit;	  /* "nanoseconds", "instructions" or "cycles" */
	uint64_t period;  /* sampling period in unit, 0 when frequency-based */
	uint64_t freq;	  /* sampling frequency in Hz, 0 when period-based */
	char *sampler;	  /* what triggered samples: "timer-tick" or "perf-event" */
	int64_t start_ns; /* wall clock (Unix epoch) at start */
	uint64_t duration_ns;
	uint64_t samples;      /* samples received */
	uint64_t drops;	       /* records lost in the kernel (all kinds) */
	uint64_t truncated;    /* stacks cut at the maximum depth */
	uint64_t unknown_code; /* frames whose code object could not be named */
	/*
	 * pycost's own cost over the capture: its CPU time, and the time and
	 * runs of its BPF programs (0 when the kernel did not count them).
	 */
	uint64_t self_cpu_ns;
	uint64_t bpf_ns;
	uint64_t bpf_runs;
};

/* A function: one code object's identity after symbolization. */
struct pc_function {
	char *qualname; /* qualname on 3.11+, co_name before; or "[native]" etc. */
	char *filename; /* "" for pseudo frames */
	int firstlineno;
};

struct pc_frame {
	uint32_t func; /* index into functions */
	int32_t line;  /* current line, 0 if unknown */
};

struct pc_stack {
	uint32_t depth;
	struct pc_frame *frames; /* frames[0] is the root, frames[depth-1] the leaf */
};

struct pc_process {
	uint32_t pid;
	char *cmdline;
	char *python_version; /* "3.11.2" */
	char *layout_source;  /* "table 3.11, checked against PyCode_Type" / "_Py_DebugOffsets" */
	char *exe;
};

struct pc_sample {
	uint32_t stack; /* index into stacks */
	uint32_t pid;
	uint32_t tid;
	int32_t endpoint; /* index into endpoints, -1 outside requests */
	uint32_t status;  /* HTTP status of the request, 0 outside requests */
	uint64_t count;	  /* samples */
	uint64_t weight;  /* sum of weights, in meta.unit */
};

/* An endpoint: "METHOD /route" and the view most of its requests ran. */
struct pc_endpoint {
	char *name;
	char *view; /* "" when no stack inside its requests named one */
	/*
	 * The view is the one a framework dispatched every request to: it
	 * replaces the view of a request whose stacks did not reach the
	 * dispatcher (PC_REQ_DISPATCHED unset).  Set while recording.
	 */
	int view_shared;
};

enum pc_request_flags {
	PC_REQ_MALFORMED = 1,  /* the head was not a request pycost could parse */
	PC_REQ_ABORTED = 2,    /* the connection ended before a response */
	PC_REQ_HEAD_CUT = 4,   /* the head was longer than what was copied */
	PC_REQ_DISPATCHED = 8, /* its view was seen below a framework dispatcher (not saved) */
};

struct pc_request {
	uint32_t pid;
	uint32_t tid;
	int32_t endpoint; /* index into endpoints */
	uint32_t status;  /* 0 when no response */
	uint32_t flags;	  /* enum pc_request_flags */
	uint32_t gc_count;
	int64_t start_ns; /* wall clock, Unix epoch */
	uint64_t latency_ns;
	uint64_t cost;	 /* in meta.unit */
	uint64_t cpu_ns; /* on-CPU time */
	uint64_t offcpu_ns;
	uint64_t db_ns, cache_ns, other_ns; /* time in backend calls */
	uint64_t gc_ns;
	uint64_t bytes_in, bytes_out;
	uint64_t user; /* keyed hash of the user identity, 0 if none */
	/* interned: shared by every request with the same value, owned by the profile */
	const char *method;
	const char *path; /* without query string */
	const char *view;
};

/* A label of a process: host, worker, python, commit, env.NAME ... */
struct pc_label {
	uint32_t pid;
	char *key;
	char *value;
};

struct profile {
	struct pc_meta meta;
	struct pc_function *funcs;
	size_t nfuncs;
	struct pc_stack *stacks;
	size_t nstacks;
	struct pc_process *procs;
	size_t nprocs;
	struct pc_sample *samples;
	size_t nsamples;
	struct pc_endpoint *endpoints;
	size_t nendpoints;
	struct pc_request *requests;
	size_t nrequests;
	struct pc_label *labels;
	size_t nlabels;
	struct profile_index *idx;    /* private interning tables, NULL on loaded profiles */
	struct profile_strings *strs; /* private: the requests' strings */
	struct reqlog *spill;	      /* private: requests kept on disk, not in requests[] */
};

/* Per-function cost, computed over all samples (see profile__function_costs). */
struct pc_func_cost {
	uint32_t func;
	uint64_t self;	       /* weight of samples whose leaf is func */
	uint64_t total;	       /* weight of samples with func anywhere (once per stack) */
	uint64_t self_samples; /* samples whose leaf is func */
	uint64_t samples;      /* samples with func anywhere */
};

/* Returns a new empty profile, or NULL with errno set. */
struct profile *profile__new(void);
void profile__free(struct profile *p);

/*
 * Interning.  Return the index (>= 0) or -ENOMEM.  Strings are copied.
 * Identical (qualname, filename, firstlineno) give the same function and
 * identical frame sequences give the same stack.
 */
int profile__intern_func(struct profile *p, const char *qualname, const char *filename,
			 int firstlineno);
int profile__intern_stack(struct profile *p, const struct pc_frame *frames, uint32_t depth);
/* Adds count/weight to the (stack, pid, tid) sample row outside requests. 0 or -ENOMEM. */
int profile__add(struct profile *p, uint32_t stack, uint32_t pid, uint32_t tid, uint64_t count,
		 uint64_t weight);
/* Adds s->count/s->weight to the row with s's (stack, pid, tid, endpoint, status). */
int profile__add_sample(struct profile *p, const struct pc_sample *s);
/* Returns the index of endpoint name (created with an empty view), or -ENOMEM. */
int profile__intern_endpoint(struct profile *p, const char *name);
/*
 * Appends a request; strings are interned.  0, -ENOMEM, or -errno when a
 * spilling profile could not write it.
 */
int profile__add_request(struct profile *p, const struct pc_request *r);
/*
 * From now on, requests are appended to an unlinked file in dir instead of
 * requests[] (which readers of a loaded capture use): a recording's memory
 * then stays flat however long it runs.  0 or -errno.
 */
int profile__spill_requests(struct profile *p, const char *dir);
/* Requests in all, in memory and spilled. */
size_t profile__request_count(const struct profile *p);
/*
 * Calls fn on every request, in memory then spilled, in order, with its
 * index and its view resolved (see pc_endpoint.view_shared); stops at the
 * first non-zero return and returns it.  0, fn's value or -errno.
 */
int profile__each_request(struct profile *p,
			  int (*fn)(const struct pc_request *r, size_t i, void *ctx), void *ctx);
/* The profile's one copy of s (NULL taken as ""), for requests; NULL when out of memory. */
const char *profile__intern_str(struct profile *p, const char *s);
/* Sets (or adds) label key of pid. 0 or -ENOMEM. */
int profile__set_label(struct profile *p, uint32_t pid, const char *key, const char *value);
/* The value of label key of pid, or NULL. */
const char *profile__label(const struct profile *p, uint32_t pid, const char *key);
/* Adds or replaces the process row of pid. 0 or -ENOMEM. */
int profile__set_process(struct profile *p, uint32_t pid, const char *cmdline,
			 const char *python_version, const char *layout_source, const char *exe);
/* Sets a meta string field (pointer to one of p->meta's char * fields). 0 or -ENOMEM. */
int profile__set_str(char **field, const char *value);

/* Call after filling the arrays directly (as a loader does): interning tables are rebuilt. */
void profile__reindex(struct profile *p);

/* Drops the in-memory requests that ended before before_ns (wall clock, Unix epoch). */
void profile__forget_requests(struct profile *p, int64_t before_ns);

/* Drops every sample row and request whose pid differs. */
void profile__keep_pid(struct profile *p, uint32_t pid);

/*
 * Keeps only samples taken inside requests of endpoint name, and its
 * requests; sample weights are scaled so that they add up to the
 * endpoint's measured cost (the sum of its requests' costs), which spreads
 * the cost of requests no sample fell into over the endpoint's profile.
 * 0, or -ENOENT when there is no such endpoint.
 */
int profile__keep_endpoint(struct profile *p, const char *name);

/*
 * Keeps samples and requests matching key=value: "status" compares the
 * request's HTTP status, any other key a label of the process.
 */
void profile__keep_label(struct profile *p, const char *key, const char *value);

/* Sums of all sample rows. */
uint64_t profile__total_weight(const struct profile *p);
uint64_t profile__total_count(const struct profile *p);

/*
 * Fills *out with one entry per function that occurs in a sample, sorted by
 * self cost descending (ties: total, then name).  Caller frees *out.
 * Returns the number of entries, or -ENOMEM.
 */
int profile__function_costs(const struct profile *p, struct pc_func_cost **out);

#endif /* PYCOST_PROFILE_H */
