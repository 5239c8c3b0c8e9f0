/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * The BPF session: loads the sampler skeleton, opens the per-CPU sampling
 * and counting perf events of the chosen metric, attaches everything and
 * drains the ring buffer into a caller-supplied callback.
 */
#ifndef PYCOST_SESSION_H
#define PYCOST_SESSION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pycost.h"

enum metric {
	METRIC_AUTO,
	METRIC_INSTRUCTIONS,
	METRIC_CYCLES,
	METRIC_CPU,
};

/* What triggers samples. */
enum sampler {
	SAMPLER_AUTO, /* the tick for CPU time at rates it reaches, else perf events */
	SAMPLER_TICK,
	SAMPLER_PERF,
};

/* Called for every ring buffer record; return 0 to go on, < 0 to stop polling. */
typedef int (*session_record_fn)(void *ctx, const void *rec, size_t size);

struct session_opts {
	enum metric metric;
	uint64_t freq;	 /* samples per second per CPU, when period is 0 */
	uint64_t period; /* events per sample (instructions, cycles, or ns for cpu) */
	enum sampler sampler;
	int requests; /* cut requests from socket syscalls */
	session_record_fn on_record;
	void *ctx;
};

struct session;

/*
 * Opens, loads and attaches.  On failure returns NULL with errno set and a
 * one-line reason in why (no PMU for the metric, no BTF, no privilege...).
 */
struct session *session__new(const struct session_opts *o, char *why, size_t whylen);
void session__free(struct session *s);

/* The metric in effect after auto-selection, and its unit. */
enum metric session__metric(const struct session *s);
const char *session__metric_name(enum metric m);
const char *session__metric_unit(enum metric m);
/* What triggers samples: "timer-tick" or "perf-event". */
const char *session__sampler(const struct session *s);

/* Follows pid (forks, execs, exit) without sampling it yet. 0 or -errno. */
int session__watch(struct session *s, uint32_t pid);
/* Starts sampling pid's Python stacks with layout l. 0 or -errno. */
int session__set_python(struct session *s, uint32_t pid, uint64_t runtime,
			const struct pycost_layout *l);

/* Classifies peers on port as kind (enum pycost_fd_kind). */
int session__set_port(struct session *s, uint16_t port, uint32_t kind);

/*
 * Marks a TCP port a traced process serves: its connections are clients, and
 * requests a traced router forwards to it are proxied.
 */
int session__add_inport(struct session *s, uint16_t port);

/*
 * Times garbage collections inside pid's requests with the gc__start and
 * gc__done USDT probes of the interpreter file path.  Returns 0, or -ENOENT
 * when that interpreter was built without the probes (pyenv's default).
 */
int session__attach_gc(struct session *s, uint32_t pid, const char *path);

/*
 * Sleeps up to timeout_ms, less when the ring fills by an eighth, a signal
 * comes, or a traced process forks, execs or exits; then drains it.  The
 * sleep runs with the signal mask sigmask when not NULL, so that a caller
 * that blocks its signals between sleeps misses none.  While it keeps up,
 * the calling thread runs at nice 19; timeout_ms 0 (the last drains) gives
 * it back its own priority.  Returns records handled or -errno.
 */
int session__poll(struct session *s, int timeout_ms, const sigset_t *sigmask);

/*
 * Hands over the requests that were answered but not yet ended when
 * recording stops (their connection still open, their thread not yet on
 * its next request), as records through the session's callback.  0 or the
 * callback's error.
 */
int session__flush_requests(struct session *s);

/* Current loss and health counters. */
void session__stats(const struct session *s, struct pycost_stats *out);

/*
 * Time spent inside the session's BPF programs so far, and how many times
 * they ran: both stay 0 unless the kernel counts them (kernel.bpf_stats_enabled
 * or a BPF_ENABLE_STATS descriptor), which costs two clock reads per run.
 * 0 or -errno.
 */
int session__bpf_time(const struct session *s, uint64_t *ns, uint64_t *runs);

#endif /* PYCOST_SESSION_H */
